// Test helpers: seeded random unit vectors, clips with varied metadata, and a float64 brute-force reference.
import { makeRng, type Rng } from '@aurola/args';
import { fromBf16, fromF16, toBf16, toF16 } from '@aurola/kernels';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ClipFilter, ClipMetadata, NewClip, VectorDType } from '../src/index.js';

export function tempDir(prefix = 'aurola-index-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

function gauss(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** `rows` random L2-normalised rows of width `dim`. */
export function unitRows(rng: Rng, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += (out[r * dim + j] = gauss(rng)) ** 2;
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < dim; j++) out[r * dim + j]! *= inv;
  }
  return out;
}

export const SOURCES = ['sonic-pi', 'lmms', 'gcompris', 'asterisk'];
export const LICENSES = ['CC0-1.0', 'MIT', 'GPL-2.0-or-later'];
export const TAGS = ['dog', 'bark', 'rain', 'bell', 'drum', 'speech', 'loud'];

export interface TestClip extends NewClip {
  meta: ClipMetadata;
}

/** `n` clips with ids `${prefix}${i}`, random vectors, metadata drawn from small vocabularies, 0–3 captions each. */
export function makeClips(seed: number | string, n: number, dim: number, prefix = 'clip-'): TestClip[] {
  const rng = makeRng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const captions = Array.from({ length: Math.floor(rng() * 4) }, (_, j) => `caption ${j} of ${prefix}${i}`);
    const tags = TAGS.filter(() => rng() < 0.35);
    return {
      id: `${prefix}${i}`,
      vector: unitRows(rng, 1, dim),
      captionVectors: unitRows(rng, captions.length, dim),
      meta: {
        path: `/library/${prefix}${i}.wav`,
        durationS: Math.round(rng() * 300) / 10,
        source: pick(SOURCES),
        license: pick(LICENSES),
        captions,
        tags,
        contentHash: `hash-${prefix}${i}`,
      },
    };
  });
}

/** The f32 value a stored vector holds after rounding to `dtype`. */
export function rounded(values: Float32Array, dtype: VectorDType): Float32Array {
  return dtype === 'f32' ? values : dtype === 'f16' ? fromF16(toF16(values)) : fromBf16(toBf16(values));
}

export function matches(meta: ClipMetadata, f: ClipFilter | undefined): boolean {
  if (!f) return true;
  const list = (v: string | string[] | undefined) => (v === undefined ? null : typeof v === 'string' ? [v] : v);
  const sources = list(f.source);
  const licenses = list(f.license);
  if (sources && !sources.includes(meta.source)) return false;
  if (licenses && !licenses.includes(meta.license)) return false;
  if (f.tags && !f.tags.every((t) => meta.tags.includes(t))) return false;
  if (f.minDurationS !== undefined && meta.durationS < f.minDurationS) return false;
  if (f.maxDurationS !== undefined && meta.durationS > f.maxDurationS) return false;
  return true;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export interface RefHit {
  key: string;
  score: number;
}

/** Every candidate's score against one query, best first (float64 over the dtype-rounded vectors). */
export function reference(query: Float32Array, candidates: { key: string; vector: Float32Array }[]): RefHit[] {
  return candidates.map((c) => ({ key: c.key, score: dot(query, c.vector) })).sort((a, b) => b.score - a.score);
}
