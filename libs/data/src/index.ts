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
export {
  assignTagClusters,
  clusterTags,
  defaultWordVectors,
  embedTag,
  groupIds,
  kmeans,
  WordVectors,
  type ClusterTagsOptions,
  type KMeansOptions,
} from './clusters/index.js';
export {
  assignSplits,
  checkSplitInvariant,
  type SplitOptions,
  type SplitSummary,
  type SplitViolation,
} from './splits/index.js';
export { DebianPackageError, UNPACKED_STAMP, unpackDeb, unpackDebianPackage } from './sources/debian.js';
export {
  AUDIO_EXTENSIONS,
  scanAudioFolder,
  type FolderItem,
  type FolderSidecar,
  type ScanAudioFolderOptions,
} from './sources/folder.js';
