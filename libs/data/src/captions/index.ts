// Public caption sets (Clotho v2, AudioCaps, WavCaps, Auto-ACD) as CaptionSetItems and ClipRecord drafts, and the
// stage-1 text pairs.
export { CaptionFormatError, parseCsv, readCsvRecords, type CsvRecord, type CsvRow } from './csv.js';
export type { CaptionSetOptions } from './common.js';
export {
  captionTags,
  clipDrafts,
  licenseFromUrl,
  normaliseTags,
  type CaptionSetItem,
  type ClipDraft,
} from './items.js';
export { loadClotho, type ClothoOptions } from './clotho.js';
export { loadAudioCaps, type AudioCapsOptions } from './audiocaps.js';
export { loadWavCaps, WAVCAPS_SUBSETS, type WavCapsOptions, type WavCapsSubset } from './wavcaps.js';
export { loadAutoAcd, type AutoAcdOptions } from './autoacd.js';
export { loadAudioCapsCaptionGroups, loadAudioCapsParaphrases, loadNliPairs, paraphrasePairs, type TextPair } from './pairs.js';
