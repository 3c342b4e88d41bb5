// Checks at the API edge: every malformed input is an IndexError naming the argument, before anything is written.
import { show } from '@aurola/args';

import { IndexError, type IndexErrorCode } from './errors.js';
import type { ClipFilter, ClipMetadata, NewClip, Queries, VectorDType } from './types.js';

export const DTYPES: readonly VectorDType[] = ['f16', 'f32', 'bf16'];
/** The most hits one search returns per query. */
export const MAX_K = 10_000;
/** Longest clip id, in UTF-16 code units. */
export const MAX_ID_LENGTH = 1024;
/** A stored vector's L2 norm may differ from 1 by this much (f32 rounding of a normalised vector is ~1e-7). */
export const NORM_TOLERANCE = 1e-3;
/** Widest embedding accepted (a 7B thinker is 3584-d). */
export const MAX_DIM = 65_536;

const FILTER_KEYS = new Set(['source', 'license', 'tags', 'minDurationS', 'maxDurationS']);

function fail(code: IndexErrorCode, message: string): never {
  throw new IndexError(code, message);
}

export function checkDim(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_DIM) {
    fail('bad-argument', `dim must be an integer in [1, ${MAX_DIM}], got ${show(value)}`);
  }
  return value;
}

export function checkDType(value: unknown): VectorDType {
  if (value === undefined) return 'f16';
  if (typeof value !== 'string' || !DTYPES.includes(value as VectorDType)) {
    fail('bad-argument', `dtype must be one of ${DTYPES.map((d) => `'${d}'`).join(', ')}, got ${show(value)}`);
  }
  return value as VectorDType;
}

export function checkModel(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail('bad-argument', `model must be a non-empty string (the model's name), got ${show(value)}`);
  return value;
}

export function checkId(name: string, value: unknown, code: IndexErrorCode = 'bad-clip'): string {
  if (typeof value !== 'string' || value === '') fail(code, `${name} must be a non-empty string, got ${show(value)}`);
  if (value.length > MAX_ID_LENGTH) fail(code, `${name} is ${value.length} characters long; ids are at most ${MAX_ID_LENGTH}`);
  return value;
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') fail('bad-clip', `${name} must be a string, got ${show(value)}`);
  return value;
}

function checkStrings(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail('bad-clip', `${name} must be an array of strings, got ${show(value)}`);
  value.forEach((s, i) => checkString(`${name}[${i}]`, s));
  return value as string[];
}

/** `rows` rows of `dim` finite values each, every row of L2 norm 1 (within NORM_TOLERANCE). */
function checkRows(name: string, data: unknown, rows: number, dim: number): Float32Array {
  if (!(data instanceof Float32Array)) fail('bad-clip', `${name} must be a Float32Array, got ${show(data)}`);
  if (data.length !== rows * dim) {
    fail('dim-mismatch', `${name} has ${data.length} values but must have ${rows} × ${dim} = ${rows * dim} (the index's dim is ${dim})`);
  }
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = r * dim, end = j + dim; j < end; j++) {
      const v = data[j]!;
      if (!Number.isFinite(v)) fail('bad-clip', `${name}[${j}] is ${v}: vectors must be finite`);
      ss += v * v;
    }
    const norm = Math.sqrt(ss);
    if (Math.abs(norm - 1) > NORM_TOLERANCE) {
      fail('bad-clip', `${name}${rows > 1 ? ` row ${r}` : ''} has L2 norm ${norm.toPrecision(6)}; vectors must be L2-normalised (norm 1)`);
    }
  }
  return data;
}

export function checkMetadata(name: string, value: unknown): ClipMetadata {
  if (typeof value !== 'object' || value === null) fail('bad-clip', `${name} must be an object (ClipMetadata), got ${show(value)}`);
  const m = value as Partial<ClipMetadata>;
  checkString(`${name}.path`, m.path);
  if (typeof m.durationS !== 'number' || !Number.isFinite(m.durationS) || m.durationS < 0) {
    fail('bad-clip', `${name}.durationS must be a finite number >= 0, got ${show(m.durationS)}`);
  }
  checkString(`${name}.source`, m.source);
  checkString(`${name}.license`, m.license);
  checkStrings(`${name}.captions`, m.captions);
  checkStrings(`${name}.tags`, m.tags);
  checkString(`${name}.contentHash`, m.contentHash);
  return {
    path: m.path!,
    durationS: m.durationS,
    source: m.source!,
    license: m.license!,
    captions: [...m.captions!],
    tags: [...new Set(m.tags!)],
    contentHash: m.contentHash!,
  };
}

export interface CheckedClip {
  id: string;
  vector: Float32Array;
  captionVectors: Float32Array | null;
  meta: ClipMetadata;
}

export function checkClips(clips: unknown, dim: number): CheckedClip[] {
  if (!Array.isArray(clips)) fail('bad-clip', `clips must be an array of NewClip, got ${show(clips)}`);
  const seen = new Set<string>();
  return clips.map((c: unknown, i): CheckedClip => {
    const name = `clips[${i}]`;
    if (typeof c !== 'object' || c === null) fail('bad-clip', `${name} must be an object { id, vector, meta, captionVectors? }, got ${show(c)}`);
    const clip = c as Partial<NewClip>;
    const id = checkId(`${name}.id`, clip.id);
    if (seen.has(id)) fail('duplicate-id', `${name}.id ${show(id)} appears twice in this batch`);
    seen.add(id);
    const meta = checkMetadata(`${name}.meta`, clip.meta);
    const vector = checkRows(`${name}.vector`, clip.vector, 1, dim);
    let captionVectors: Float32Array | null = null;
    if (clip.captionVectors !== undefined) {
      captionVectors = checkRows(`${name}.captionVectors`, clip.captionVectors, meta.captions.length, dim);
    }
    return { id, vector, captionVectors, meta };
  });
}

export function checkQueries(queries: unknown, dim: number): Queries {
  if (typeof queries !== 'object' || queries === null) fail('bad-query', `queries must be { data: Float32Array, rows }, got ${show(queries)}`);
  const { data, rows } = queries as Partial<Queries>;
  if (!(data instanceof Float32Array)) fail('bad-query', `queries.data must be a Float32Array, got ${show(data)}`);
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1) fail('bad-query', `queries.rows must be a positive integer, got ${show(rows)}`);
  if (data.length !== rows * dim) {
    fail('dim-mismatch', `queries.data has ${data.length} values but queries.rows × dim = ${rows} × ${dim} = ${rows * dim} (the index's dim is ${dim})`);
  }
  for (let j = 0; j < data.length; j++) {
    if (!Number.isFinite(data[j]!)) fail('bad-query', `queries.data[${j}] is ${data[j]}: queries must be finite`);
  }
  return { data, rows };
}

export function checkK(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_K) {
    fail('bad-query', `k must be an integer in [1, ${MAX_K}], got ${show(value)}`);
  }
  return value;
}

function oneOrMany(name: string, value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((s) => typeof s !== 'string')) {
    fail('bad-filter', `filter.${name} must be a string or a non-empty array of strings, got ${show(value)}`);
  }
  return list as string[];
}

function duration(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    fail('bad-filter', `filter.${name} must be a number >= 0 (seconds), got ${show(value)}`);
  }
  return value;
}

/** A filter with its lists normalised, or null when it allows everything. */
export interface CheckedFilter {
  sources: string[] | null;
  licenses: string[] | null;
  tags: string[];
  minDurationS: number;
  maxDurationS: number;
}

export function checkFilter(value: unknown): CheckedFilter | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    fail('bad-filter', `filter must be an object { source?, license?, tags?, minDurationS?, maxDurationS? }, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!FILTER_KEYS.has(key)) {
      fail('bad-filter', `filter has an unknown key ${show(key)}; the keys are ${[...FILTER_KEYS].join(', ')}`);
    }
  }
  const f = value as ClipFilter;
  const tags = f.tags === undefined ? [] : f.tags;
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) {
    fail('bad-filter', `filter.tags must be an array of strings, got ${show(f.tags)}`);
  }
  const min = duration('minDurationS', f.minDurationS);
  const max = duration('maxDurationS', f.maxDurationS);
  if (min !== undefined && max !== undefined && min > max) {
    fail('bad-filter', `filter.minDurationS (${min}) is greater than filter.maxDurationS (${max}): nothing could match`);
  }
  const checked: CheckedFilter = {
    sources: f.source === undefined ? null : oneOrMany('source', f.source),
    licenses: f.license === undefined ? null : oneOrMany('license', f.license),
    tags: [...new Set(tags)],
    minDurationS: min ?? 0,
    maxDurationS: max ?? Number.POSITIVE_INFINITY,
  };
  const empty =
    checked.sources === null && checked.licenses === null && checked.tags.length === 0 && min === undefined && max === undefined;
  return empty ? null : checked;
}
