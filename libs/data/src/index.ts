// @aurola/data — manifests, importers, automated captions, mixtures and splits.
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
