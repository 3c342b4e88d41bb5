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
  drawHeldOutCategories,
  type HeldOutDraw,
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
export { idPiece, type SourceItem } from './sources/item.js';
export { parseDebianCopyright, type DebianCopyright } from './sources/debian-copyright.js';
export {
  importAsteriskPrompts,
  importFolder,
  importFreedesktopSounds,
  importGcomprisSounds,
  importLmmsSamples,
  importSonicPiSamples,
  NO_ASSERTION,
  parseAsteriskPromptList,
  SourceLayoutError,
  spdxLicense,
  type ImportFolderOptions,
} from './sources/packages.js';
export { DEBIAN_SOURCE_NAMES, DEBIAN_SOURCES, importDebianSource } from './sources/debian-sources.js';
export {
  annotateClip,
  buildClip,
  CLIP_SAMPLE_RATE,
  clipAudioPath,
  ClipRejectedError,
  MIN_CLIP_S,
  SILENT_PEAK_DB,
  type AnnotateClipOptions,
  type BuildClipOptions,
  type BuiltClip,
} from './build/clip.js';
export { buildReport, type ReportOptions } from './report.js';
export * from './mixtures/index.js';
export {
  GeneralMidiError,
  generalMidiPlan,
  renderGeneralMidi,
  sliceNotes,
  writeMidi,
  type GmNote,
  type RenderGeneralMidiOptions,
} from './sources/general-midi.js';
export { fileExists, writeFileAtomic } from './fs.js';
