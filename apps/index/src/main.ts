// aurola-index: the command line over @aurola/index. `add` indexes a folder or a manifest; `remove`, `stats`,
// `compact` and `export` work on an existing index. Exit codes: 0 done, 1 failed (the message says why), 2 bad
// arguments (with the usage), 3 the index was filled by another model (another name, or the same name with other
// weights), 130 interrupted (Ctrl-C; completed batches are kept and a re-run resumes).
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { ClipIndex, IndexError, type VectorDType } from '@aurola/index';

import { formatSummary, runAdd } from './add.js';

export const DEFAULT_MODEL = 'models/aurola-mini';

const USAGE: Record<string, string> = {
  main: `usage: aurola-index <command> [options]

  add <folder|manifest.jsonl> --index DIR   index audio (resumes; skips what is indexed already)
  remove <id…> --index DIR                   remove clips by id
  stats --index DIR                          clips, captions, tombstones, sizes
  compact --index DIR                        drop removed rows, rewrite the file without free space
  export --index DIR --out FILE.npy          the vectors as float32 .npy, ids in FILE.npy.ids.json

'aurola-index <command> --help' shows a command's options.
`,
  add: `usage: aurola-index add <folder|manifest.jsonl> --index DIR [options]

Indexes a folder of audio (scanned recursively: WAV, FLAC, Ogg Vorbis/Opus, MP3; sidecar .txt/.json captions
and a captions CSV are used; tags and captions are made from names and sound) or a data-build manifest (captions,
tags, source and licence from it). Files are decoded in worker threads and embedded in batches; each batch is one
transaction. A file whose content is indexed already is skipped, so running the same command again after an
interruption resumes; a changed file is re-embedded. Unreadable files are listed at the end, never fatal.

  --index DIR        the index (created when missing)
  --model DIR        model directory (default: ${DEFAULT_MODEL})
  --dtype T          vector storage of a new index: f16 (default), f32 or bf16
  --batch N          clips per batch (default: 16)
  --threads N        decoding threads (default: all cores)
  --license ID       licence of a folder's files without a sidecar licence (default: NOASSERTION)
  --max-decode S     seconds of each file decoded; longer files are recorded as this long (default: 600)
  --seed S           seed of the automated captions (default: 1)
  --report FILE      JSON report (default: <index>/add-report.json)
  --progress-every S seconds between progress lines when stderr is a log, not a terminal (default: 10; 0: every clip)
`,
  remove: `usage: aurola-index remove <id…> --index DIR

Removes clips by id (one transaction). Ids not in the index are reported.
`,
  stats: `usage: aurola-index stats --index DIR [--json]

Prints the number of clips, caption rows and tombstones, the dim, dtype and model, and the bytes on disk and in memory.
`,
  compact: `usage: aurola-index compact --index DIR

Drops removed rows and rewrites index.sqlite without free space (SQLite VACUUM).
`,
  export: `usage: aurola-index export --index DIR --out FILE.npy

Writes the live clips' vectors as a float32 rows × dim .npy (numpy.load reads it) and their ids, in the same
order, as FILE.npy.ids.json.
`,
};

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  /** Aborted by Ctrl-C in the CLI. */
  signal?: AbortSignal;
}

class UsageError extends Error {}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals: boolean) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

function nonNegativeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number ≥ 0, got "${value}"`);
  return n;
}

function requireIndex(value: string | undefined): string {
  if (!value) throw new UsageError('--index DIR is required');
  return value;
}

const kb = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

async function command(name: string, args: string[], io: Io): Promise<number> {
  const out = (s: string) => io.stdout.write(s);
  switch (name) {
    case 'add': {
      const { values, positionals } = parse(
        args,
        {
          index: { type: 'string' },
          model: { type: 'string' },
          dtype: { type: 'string' },
          batch: { type: 'string' },
          threads: { type: 'string' },
          license: { type: 'string' },
          'max-decode': { type: 'string' },
          seed: { type: 'string' },
          report: { type: 'string' },
          'progress-every': { type: 'string' },
        },
        true,
      );
      if (values.help) return out(USAGE.add!), 0;
      if (positionals.length !== 1) throw new UsageError(`add takes one folder or manifest, got ${positionals.length}`);
      const dtype = values.dtype;
      if (dtype !== undefined && !['f16', 'f32', 'bf16'].includes(dtype)) throw new UsageError(`--dtype must be f16, f32 or bf16, got "${dtype}"`);
      const seed = values.seed === undefined ? undefined : Number(values.seed);
      if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
      const summary = await runAdd({
        input: positionals[0]!,
        index: requireIndex(values.index),
        model: values.model ?? DEFAULT_MODEL,
        ...(dtype ? { dtype: dtype as VectorDType } : {}),
        ...(values.batch ? { batch: positiveInt('batch', values.batch)! } : {}),
        ...(values.threads ? { threads: positiveInt('threads', values.threads)! } : {}),
        ...(values.license ? { license: values.license } : {}),
        ...(values['max-decode'] ? { maxDecodeS: positiveNumber('max-decode', values['max-decode'])! } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(values.report ? { report: values.report } : {}),
        ...(values['progress-every'] ? { progressEveryS: nonNegativeNumber('progress-every', values['progress-every']) } : {}),
        progress: io.stderr,
        ...(io.signal ? { signal: io.signal } : {}),
      });
      out(formatSummary(summary));
      return summary.interrupted ? 130 : 0;
    }
    case 'remove': {
      const { values, positionals } = parse(args, { index: { type: 'string' } }, true);
      if (values.help) return out(USAGE.remove!), 0;
      const dir = requireIndex(values.index);
      if (positionals.length === 0) throw new UsageError('remove needs at least one id');
      const index = ClipIndex.open(dir);
      try {
        const missing = positionals.filter((id) => !index.has(id));
        const n = index.remove(positionals);
        out(`removed ${n} clip${n === 1 ? '' : 's'}; ${index.size} left\n`);
        if (missing.length > 0) out(`not in the index: ${missing.join(', ')}\n`);
      } finally {
        index.close();
      }
      return 0;
    }
    case 'stats': {
      const { values, positionals } = parse(args, { index: { type: 'string' }, json: { type: 'boolean' } }, false);
      if (values.help) return out(USAGE.stats!), 0;
      void positionals;
      const index = ClipIndex.open(requireIndex(values.index));
      try {
        const s = index.stats();
        if (values.json) out(`${JSON.stringify({ dir: index.dir, ...s })}\n`);
        else
          out(
            `${index.dir}\n  clips ${s.clips}, caption rows ${s.captions}, tombstones ${s.tombstones}\n` +
              `  ${s.dim}-d ${s.dtype} vectors of model ${s.model}\n  ${kb(s.bytesOnDisk)} on disk, ${kb(s.bytesInMemory)} in memory\n`,
          );
      } finally {
        index.close();
      }
      return 0;
    }
    case 'compact': {
      const { values } = parse(args, { index: { type: 'string' } }, false);
      if (values.help) return out(USAGE.compact!), 0;
      const index = ClipIndex.open(requireIndex(values.index));
      try {
        const before = index.stats();
        index.compact();
        const after = index.stats();
        out(`compacted: ${before.tombstones} removed rows dropped; ${kb(before.bytesOnDisk)} → ${kb(after.bytesOnDisk)} on disk\n`);
      } finally {
        index.close();
      }
      return 0;
    }
    case 'export': {
      const { values } = parse(args, { index: { type: 'string' }, out: { type: 'string' } }, false);
      if (values.help) return out(USAGE.export!), 0;
      const dir = requireIndex(values.index);
      if (!values.out) throw new UsageError('--out FILE.npy is required');
      const index = ClipIndex.open(dir);
      try {
        const r = index.exportNpy(values.out);
        out(`exported ${r.rows} × ${index.dim} vectors to ${values.out} (ids: ${values.out}.ids.json)\n`);
      } finally {
        index.close();
      }
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

/** Runs one command line; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(USAGE.main!);
    return name === undefined ? 2 : 0;
  }
  try {
    return await command(name, rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`aurola-index: ${error.message}\n\n${USAGE[name] ?? USAGE.main}`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`aurola-index ${name}: ${message}\n`);
    if (!(error instanceof IndexError) && process.env.AUROLA_DEBUG && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return error instanceof IndexError && error.code === 'model-mismatch' ? 3 : 1;
  }
}
