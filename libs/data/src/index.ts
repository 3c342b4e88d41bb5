// @aurola/data — manifests, source readers, public caption sets, automated captions, tag clusters and splits.
export {
  clipRecordProblem,
  ManifestError,
  readManifest,
  readManifestRecords,
  SPLITS,
  writeManifest,
  type ClipRecord,
  type Split,
} from './manifest.js';
export { RccError, readRcc, type RccFile } from './sources/qt-rcc.js';
export * from './annotate/index.js';
export * from './captions/index.js';
