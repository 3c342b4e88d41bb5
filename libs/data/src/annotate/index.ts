// Automated annotation: tags from names, descriptor words from measurements, captions at three granularities.
export {
  CAPTION_LIMITS,
  RuleCaptioner,
  type CaptionInput,
  type Captioner,
  type Captions,
} from './captioner.js';
export {
  DESCRIPTOR_THRESHOLDS,
  describeInWords,
  noteName,
  type AcousticDescriptors,
  type DescriptorAspect,
  type DescriptorWord,
  type DescriptorWords,
} from './descriptors.js';
export { makeRng, type Rng } from './rng.js';
export { tagsFromLabels } from './tags.js';
export { hypernymsOf, soundClassOf } from './taxonomy.js';
export { GM_FAMILIES, GM_PERCUSSION, type GmFamily } from './vocabulary/gm.js';
export { HYPERNYMS, type SoundClass } from './vocabulary/terms.js';
