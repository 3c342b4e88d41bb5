// Rendering a mixture plan: every part loudness-normalised, its gain applied, placed at its offset and summed; the
// sum normalised again and, where its peak would pass the limit, scaled down so that it never clips.
import { integratedLoudness } from '@aurola/audio';

import type { MixturePlan } from './plan.js';

/** Loudness of every part before its gain, and of the finished mixture (BS.1770 integrated loudness), LUFS. */
export const MIXTURE_TARGET_LUFS = -23;
/** Highest sample magnitude of a rendered mixture (−0.09 dBFS). */
export const MIXTURE_PEAK_LIMIT = 0.99;

/** The largest float32 not above the limit (float32(0.99) itself is a hair above 0.99). */
const PEAK_F32 = (() => {
  const f = new Float32Array([MIXTURE_PEAK_LIMIT]);
  if (f[0]! > MIXTURE_PEAK_LIMIT) new Uint32Array(f.buffer)[0]! -= 1;
  return f[0]!;
})();

/**
 * Renders `plan` from the base clips' audio (mono, all at `sampleRate`). Each part is normalised to −23 LUFS (when
 * its loudness cannot be measured — it is below the −70 LUFS gate — its RMS is matched to −23 dBFS instead;
 * digital silence stays silent), its gain applied, and placed at round(offsetS × sampleRate), cut at the end of the
 * mixture. The sum is normalised to −23 LUFS (the same way), then scaled down if its peak is above 0.99. The result
 * has round(durationS × sampleRate) samples. Throws an Error naming the clip when a part's audio is missing.
 */
export function renderMixture(
  plan: MixturePlan,
  audio: ReadonlyMap<string, Float32Array>,
  sampleRate: number,
): Float32Array {
  if (!(Number.isFinite(sampleRate) && sampleRate > 0)) {
    throw new RangeError(`sampleRate must be positive, got ${sampleRate}`);
  }
  const length = Math.round(plan.durationS * sampleRate);
  const sum = new Float64Array(length);
  const normalised = new Map<string, number>();
  for (const part of plan.parts) {
    const x = audio.get(part.clip);
    if (!x) throw new Error(`renderMixture: no audio for clip "${part.clip}" (a part of mixture "${plan.id}")`);
    let gain = normalised.get(part.clip);
    if (gain === undefined) normalised.set(part.clip, (gain = loudnessGain(x, sampleRate)));
    gain *= 10 ** (part.gainDb / 20);
    const start = Math.round(part.offsetS * sampleRate);
    const end = Math.min(length, start + x.length);
    for (let i = Math.max(0, start); i < end; i++) sum[i]! += gain * x[i - start]!;
  }
  const mix = Float32Array.from(sum);
  const gain = loudnessGain(mix, sampleRate);
  let peak = 0;
  for (let i = 0; i < length; i++) peak = Math.max(peak, Math.abs(sum[i]! * gain));
  const scale = peak > MIXTURE_PEAK_LIMIT ? (gain * MIXTURE_PEAK_LIMIT) / peak : gain;
  for (let i = 0; i < length; i++) mix[i] = Math.max(-PEAK_F32, Math.min(PEAK_F32, sum[i]! * scale));
  return mix;
}

/** The gain that brings `x` to the target loudness; 1 for digital silence. */
function loudnessGain(x: Float32Array, sampleRate: number): number {
  const lufs = integratedLoudness(x, sampleRate);
  if (lufs !== null) return 10 ** ((MIXTURE_TARGET_LUFS - lufs) / 20);
  let energy = 0;
  for (let i = 0; i < x.length; i++) energy += x[i]! * x[i]!;
  if (energy === 0) return 1;
  return 10 ** (MIXTURE_TARGET_LUFS / 20) / Math.sqrt(energy / x.length);
}
