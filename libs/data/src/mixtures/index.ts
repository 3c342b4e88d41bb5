// Mixtures of base clips (DESIGN.md §3): plans drawn within one split, rendered loudness-normalised and never
// clipping, with captions and tags composed from their parts'.
export {
  MIXTURE_KINDS,
  MIXTURE_RULES,
  planMixtures,
  type MixtureKind,
  type MixturePart,
  type MixturePlan,
  type PlanMixturesOptions,
} from './plan.js';
export { MIXTURE_PEAK_LIMIT, MIXTURE_TARGET_LUFS, renderMixture } from './render.js';
export { MIXTURE_CAPTION_LIMITS, MIXTURE_PHRASING_COUNTS, mixtureRecord } from './captions.js';
