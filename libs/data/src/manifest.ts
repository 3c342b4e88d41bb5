// The data manifest (DESIGN.md §3): JSON Lines, one clip per line. Reading validates every record and reports the
// file and line of the first problem; writing is atomic (temp file, fsync, rename), so a build killed mid-write
// leaves either the previous manifest or the new one, never half of one.
import { createReadStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** One clip of a manifest. */
export interface ClipRecord {
  /** Unique within the manifest. */
  id: string;
  /** Path of the audio file (relative paths are relative to the manifest's folder). */
  audio: string;
  durationS: number;
  /** Where the clip came from, e.g. 'sonic-pi-samples' or 'folder:/data/sfx'. */
  source: string;
  /** SPDX-style licence of the recording, e.g. 'CC0-1.0'. */
  license: string;
  captionLong: string;
  captionShort: string;
  tags: string[];
  /** Tag-cluster ids (Hybrid-NCE extra positives); empty until clustered. */
  tagClusters: number[];
  split: Split;
  /**
   * Source recording(s) the clip is cut or mixed from. Splits are made by recording, so no recording crosses
   * splits; absent means the clip is its own recording.
   */
  recordings?: string[];
}

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ManifestError';
  }
}

type Check = (v: unknown) => string | null; // null when valid, else what is wrong

const nonEmptyString: Check = (v) => (typeof v === 'string' && v.trim() !== '' ? null : 'must be a non-empty string');
const stringList: Check = (v) =>
  Array.isArray(v) && v.every((t) => typeof t === 'string' && t.trim() !== '')
    ? null
    : 'must be an array of non-empty strings';

const FIELDS: Record<keyof ClipRecord, { required: boolean; check: Check }> = {
  id: { required: true, check: nonEmptyString },
  audio: { required: true, check: nonEmptyString },
  durationS: {
    required: true,
    check: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a positive number'),
  },
  source: { required: true, check: nonEmptyString },
  license: { required: true, check: nonEmptyString },
  captionLong: { required: true, check: nonEmptyString },
  captionShort: { required: true, check: nonEmptyString },
  tags: { required: true, check: stringList },
  tagClusters: {
    required: true,
    check: (v) =>
      Array.isArray(v) && v.every((c) => Number.isInteger(c) && c >= 0)
        ? null
        : 'must be an array of non-negative integers',
  },
  split: {
    required: true,
    check: (v) => ((SPLITS as readonly unknown[]).includes(v) ? null : `must be one of ${SPLITS.join(', ')}`),
  },
  recordings: { required: false, check: stringList },
};

/** Checks one parsed record; returns the problem, or null when it is a valid ClipRecord. */
export function clipRecordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a record must be a JSON object';
  const rec = value as Record<string, unknown>;
  for (const [name, spec] of Object.entries(FIELDS)) {
    if (!(name in rec) || rec[name] === undefined) {
      if (spec.required) return `missing field "${name}"`;
      continue;
    }
    const problem = spec.check(rec[name]);
    if (problem) return `field "${name}" ${problem}`;
  }
  const unknown = Object.keys(rec).find((k) => !(k in FIELDS));
  return unknown === undefined ? null : `unknown field "${unknown}"`;
}

/** Reads a manifest record by record, validating each; throws ManifestError naming the file and line. */
export async function* readManifestRecords(file: string): AsyncGenerator<ClipRecord> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  const seen = new Set<string>();
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new ManifestError(file, n, `not valid JSON (${(e as Error).message})`);
    }
    const problem = clipRecordProblem(value);
    if (problem) throw new ManifestError(file, n, problem);
    const rec = value as ClipRecord;
    if (seen.has(rec.id)) throw new ManifestError(file, n, `duplicate id "${rec.id}"`);
    seen.add(rec.id);
    yield rec;
  }
}

/** Reads and validates a whole manifest. */
export async function readManifest(file: string): Promise<ClipRecord[]> {
  const out: ClipRecord[] = [];
  for await (const rec of readManifestRecords(file)) out.push(rec);
  return out;
}

/**
 * Writes records as JSON Lines, atomically: into a temporary file beside the target, flushed to disk, then renamed
 * over it. Records are validated first; an invalid one throws ManifestError (line = its 1-based position) and
 * nothing is written.
 */
export async function writeManifest(file: string, records: Iterable<ClipRecord>): Promise<void> {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const rec of records) {
    const problem = clipRecordProblem(rec) ?? (seen.has(rec.id) ? `duplicate id "${rec.id}"` : null);
    if (problem) throw new ManifestError(file, lines.length + 1, problem);
    seen.add(rec.id);
    lines.push(JSON.stringify(rec));
  }
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, 'w');
  try {
    // Written in chunks: a manifest of many thousand clips is one string only chunk by chunk.
    const chunk = 2048;
    for (let i = 0; i < lines.length; i += chunk) await handle.write(lines.slice(i, i + chunk).join('\n') + '\n');
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await rename(tmp, file);
}
