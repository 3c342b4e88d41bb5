// aurola-train command line: `data build` makes the training corpus, `train` trains, evaluates and exports a model,
// `export` exports a run's latest checkpoint, `experiments` runs the ablation table, `eval` evaluates a model
// directory on a captioned test set.
import { parseArgs } from 'node:util';

import { DEBIAN_SOURCE_NAMES, SPLITS, type Split } from '@aurola/data';

import { DEFAULT_FRACTIONS, DEFAULT_TARGETS, runDataBuild, type FolderSource } from './data/build.js';
import { EVAL_USAGE, evalCommand } from './eval-command.js';
import { EXPERIMENTS_USAGE, experimentsCommand } from './experiments.js';
import { EXPORT_USAGE, exportCommand, TRAIN_USAGE, trainCommand } from './train-command.js';

const USAGE = `usage: aurola-train data build [options]

Builds a corpus of 16 kHz mono WAV clips with captions at three granularities, tag clusters and splits:
<out>/manifest.jsonl, <out>/audio/, <out>/report.html, <out>/build.json. Resumes after an interruption.

  --out DIR              output folder (default: data/corpus)
  --cache DIR            downloaded packages and renders (default: <out>/.cache)
  --sources A,B,...      Debian sources (default: all): ${DEBIAN_SOURCE_NAMES.join(', ')}; 'none' for only folders
  --folder PATH          also import a folder of audio (repeatable); sidecar .txt/.json captions are used
  --folder-license ID    licence of folder files without a sidecar licence (default: NOASSERTION)
  --train N --validation N --test N
                         clips per split including mixtures (default: ${SPLITS.map((s) => DEFAULT_TARGETS[s]).join(' / ')})
  --held-out SHARE       share of base clips whose categories are held out for test (default: 0.05)
  --workers N            worker threads (default: all cores)
  --seed S               (default: 1)
  --max-duration S       seconds per clip (default: 10)
  --tag-clusters K       k-means clusters over the tag vocabulary (default: 256)
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'train') return trainCommand(argv.slice(1));
  if (group === 'experiments') return experimentsCommand(argv.slice(1));
  if (group === 'eval') return evalCommand(argv.slice(1));
  if (group === 'export') return exportCommand(argv.slice(1));
  if (group !== 'data' || command !== 'build') {
    process.stderr.write(`${USAGE}\n${TRAIN_USAGE}\n${EXPORT_USAGE}\n${EXPERIMENTS_USAGE}\n${EVAL_USAGE}`);
    return group === '--help' || group === '-h' ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      out: { type: 'string', default: 'data/corpus' },
      cache: { type: 'string' },
      sources: { type: 'string' },
      folder: { type: 'string', multiple: true },
      'folder-license': { type: 'string' },
      train: { type: 'string' },
      validation: { type: 'string' },
      test: { type: 'string' },
      'held-out': { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'max-duration': { type: 'string' },
      'tag-clusters': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const targets = Object.fromEntries(
    SPLITS.map((s) => [s, positiveInt(s, values[s], DEFAULT_TARGETS[s])]),
  ) as Record<Split, number>;
  const heldOut = values['held-out'] === undefined ? 0.05 : Number(values['held-out']);
  if (!(heldOut >= 0 && heldOut < 1)) throw new RangeError(`--held-out must be in [0, 1), got "${values['held-out']}"`);
  const sources =
    values.sources === undefined
      ? undefined
      : values.sources === 'none'
        ? []
        : values.sources.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const folders: FolderSource[] = (values.folder ?? []).map((path) => ({
    path,
    ...(values['folder-license'] ? { license: values['folder-license'] } : {}),
  }));
  const seed = /^-?\d+$/.test(values.seed!) ? Number(values.seed) : values.seed!;
  const summary = await runDataBuild({
    outDir: values.out!,
    ...(values.cache ? { cacheDir: values.cache } : {}),
    ...(sources ? { sources } : {}),
    folders,
    ...(values.workers ? { workers: positiveInt('workers', values.workers, 1) || 1 } : {}),
    seed,
    maxDurationS: positiveNumber('max-duration', values['max-duration'], 10),
    targets,
    fractions: DEFAULT_FRACTIONS,
    heldOutShare: heldOut,
    tagClusters: positiveInt('tag-clusters', values['tag-clusters'], 256) || 1,
  });
  const total = (s: Split) => summary.counts[s].base + summary.counts[s].mixtures;
  process.stdout.write(
    `${summary.manifest}\n` +
      SPLITS.map((s) => `  ${s}: ${total(s)} clips (${summary.counts[s].base} base, ${summary.counts[s].mixtures} mixtures)`).join('\n') +
      `\n  held-out categories: ${summary.heldOutCategories.length}; failed or refused items: ${summary.failed.length}` +
      `\n  report: ${summary.report}\n  took ${(summary.seconds / 60).toFixed(1)} min\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`aurola-train: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
