// `aurola-train experiments`: the ablations of issue 6 at one reduced scale (and the loss comparison again at
// aurola-mini's full scale), each row a set of runs over seeds, and a table of means with their spread. Finished
// runs (metrics.json present) are read back, not trained again, so the whole table resumes and one row can be re-run
// on its own.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { JUDGE_ALONE_ALPHA } from '@aurola/retrieval';
import { defaultRunConfig, featureCacheFor, runTraining, type FeatureCache, type RunConfig, type RunResult } from '@aurola/train';

import { mergeRunConfig, readRunConfigFileSync } from './run-config-file.js';
import { stageProgress } from './stage-progress.js';

/** The settings `npm run train:mini` trains the committed model with. */
export const AUROLA_MINI_RECIPE = new URL('../configs/aurola-mini.json', import.meta.url);

/** The experiment scale: the tiny preset, short stages; every row changes only what its name says. */
export function experimentBase(manifest: string, seed: number): RunConfig {
  const config = defaultRunConfig(manifest);
  config.seed = seed;
  config.model.preset = 'tiny';
  config.microBatch = 128;
  config.text = { ...config.text, steps: 0, batchPairs: 64, lr: 1e-3, warmupSteps: 10, checkpointEvery: 100, validateEvery: 0 };
  config.retrieval = { ...config.retrieval, steps: 300, batchPairs: 64, lr: 1e-3, warmupSteps: 15, checkpointEvery: 100, validateEvery: 50, lambda: 0, beta: 0 };
  config.rerank = { ...config.rerank, steps: 0, batchPairs: 32, lr: 3e-4, warmupSteps: 5, checkpointEvery: 100, validateEvery: 0 };
  config.eval = { ...config.eval, maxClips: 400, validationClips: 200 };
  return config;
}

export interface ExperimentRow {
  name: string;
  what: string;
  /** A row whose run of the same seed this row's runs start from: it must have finished first. */
  after?: string;
  /** Changes the base config; `runDirOf(row)` is that row's run folder of the same seed. */
  apply(config: RunConfig, runDirOf: (row: string) => string): void;
}

const hybrid = (c: RunConfig) => Object.assign(c.retrieval, { lambda: 0.2, beta: 0.1 });
const stage1 = (c: RunConfig) => Object.assign(c.text, { steps: 100 });
const reranker = (c: RunConfig) => (hybrid(c), stage1(c), (c.rerank.steps = 100));
/**
 * The committed model's recipe in place of the experiment scale (8 epochs of stage 2 on the mini model: about 35
 * minutes a seed on two cores), without its re-ranker stage, which goes on training the embeddings and would blur
 * the loss comparison; the seed and manifest stay the row's.
 */
const aurolaMini = (c: RunConfig) => {
  const recipe = mergeRunConfig(defaultRunConfig(c.manifest), readRunConfigFileSync(fileURLToPath(AUROLA_MINI_RECIPE)));
  Object.assign(c, recipe, { seed: c.seed, rerank: { ...recipe.rerank, steps: 0 } });
};
/** The run default learning rate 3e-4 in both embedding stages instead of the experiments' 1e-3 (tuned for tiny). */
const runLr = (c: RunConfig) => ((c.text.lr = 3e-4), (c.retrieval.lr = 3e-4));

export const EXPERIMENT_ROWS: readonly ExperimentRow[] = [
  { name: 'infonce', what: 'InfoNCE (λ 0, β 0)', apply: () => {} },
  { name: 'infonceShort', what: 'InfoNCE, every clip paired with its short caption only (no multi-granular captions)', apply: (c) => (c.retrieval.captions = 'short') },
  { name: 'infonceLong', what: 'InfoNCE, every clip paired with its long description only (no multi-granular captions)', apply: (c) => (c.retrieval.captions = 'long') },
  { name: 'lambda', what: 'Hybrid-NCE, λ 0.2 only', apply: (c) => Object.assign(c.retrieval, { lambda: 0.2 }) },
  { name: 'beta', what: 'Hybrid-NCE, β 0.1 only', apply: (c) => Object.assign(c.retrieval, { beta: 0.1 }) },
  { name: 'hybrid', what: 'Hybrid-NCE (λ 0.2, β 0.1)', apply: hybrid },
  {
    name: 'hybridBeta1',
    what: 'Hybrid-NCE with β 1 instead of 0.1: the negatives at temperature τ / (1 + β) = 0.025 instead of 0.045',
    apply: (c) => (hybrid(c), (c.retrieval.beta = 1)),
  },
  { name: 'detached', what: 'Hybrid-NCE, the negative weights detached (no gradient through w_ij)', apply: (c) => (hybrid(c), (c.retrieval.detachWeights = true)) },
  { name: 'infonce256', what: 'InfoNCE, batches of 256 clips instead of 64', apply: (c) => (c.retrieval.batchPairs = 256) },
  { name: 'hybrid256', what: 'Hybrid-NCE, batches of 256 clips instead of 64', apply: (c) => (hybrid(c), (c.retrieval.batchPairs = 256)) },
  { name: 'infonce4x', what: 'InfoNCE, 4× the steps (1 200 of 64 clips: the pairs of the 256-clip rows)', apply: (c) => (c.retrieval.steps *= 4) },
  { name: 'hybrid4x', what: 'Hybrid-NCE, 4× the steps (1 200 of 64 clips)', apply: (c) => (hybrid(c), (c.retrieval.steps *= 4)) },
  { name: 'infonceBoth', what: 'InfoNCE in both directions (a2t + t2a) instead of a2t', apply: (c) => (c.retrieval.direction = 'both') },
  { name: 'hybridBoth', what: 'Hybrid-NCE in both directions (a2t + t2a) instead of a2t', apply: (c) => (hybrid(c), (c.retrieval.direction = 'both')) },
  { name: 'stage1', what: 'Hybrid-NCE + stage 1', apply: (c) => (hybrid(c), stage1(c)) },
  { name: 'rerank', what: 'Hybrid-NCE + stage 1 + re-ranker', apply: reranker },
  { name: 'rerank4x', what: 'Hybrid-NCE + stage 1 + re-ranker trained 4× longer (400 steps)', apply: (c) => (reranker(c), (c.rerank.steps *= 4)) },
  {
    name: 'rerankNear',
    what: 'Hybrid-NCE + stage 1 + re-ranker with the nearest other caption as its negatives, same kind of sound or not',
    apply: (c) => (reranker(c), (c.rerank.negatives = 'nearest')),
  },
  {
    name: 'rerankCand',
    what: "Hybrid-NCE + stage 1 + re-ranker whose yes and no examples share the candidate (the negative's query), not the query",
    apply: (c) => (reranker(c), (c.rerank.pairShare = 'candidate')),
  },
  {
    name: 'rerankCompact',
    what: 'the rerankCand row with compact prompts (the re-rank prompts keep the reference wording)',
    apply: (c) => (reranker(c), (c.rerank.pairShare = 'candidate'), (c.model.prompts = 'compact')),
  },
  {
    name: 'rerankBare',
    what: 'the rerankCand row with bare prompts: compact embedding prompts, and re-rank prompts of no words (the query turn, then the candidate turn)',
    apply: (c) => (reranker(c), (c.rerank.pairShare = 'candidate'), (c.model.prompts = 'bare')),
  },
  {
    name: 'rerankOwn',
    what: 'the rerankCand row with a judge of its own: a copy of the stage-2 model learns yes/no only, the embeddings stay as stage 2 left them',
    apply: (c) => (reranker(c), (c.rerank.pairShare = 'candidate'), (c.rerank.judge = 'own')),
  },
  {
    name: 'rerankOwnQuery',
    what: 'the rerank row with a judge of its own: yes and no share the query, as the candidates of one query do when re-ranked',
    apply: (c) => (reranker(c), (c.rerank.judge = 'own')),
  },
  {
    name: 'rerankMiniJudge',
    what: "the rerankOwnQuery row with a judge four times wider and three times deeper: the miniLr run of the same seed, learning yes/no on the tiny embedder's mined negatives",
    after: 'miniLr',
    apply: (c, runDirOf) => (reranker(c), (c.rerank.judge = 'own'), (c.rerank.judgeFrom = runDirOf('miniLr'))),
  },
  {
    name: 'rerankMiniJudge4x',
    what: 'the rerankMiniJudge row with the judge trained 4× longer (400 steps)',
    after: 'miniLr',
    apply: (c, runDirOf) => (reranker(c), (c.rerank.judge = 'own'), (c.rerank.judgeFrom = runDirOf('miniLr')), (c.rerank.steps *= 4)),
  },
  { name: 'data10', what: 'Hybrid-NCE + stage 1, 10 % of the training clips', apply: (c) => (hybrid(c), stage1(c), (c.trainFraction = 0.1)) },
  { name: 'data30', what: 'Hybrid-NCE + stage 1, 30 % of the training clips', apply: (c) => (hybrid(c), stage1(c), (c.trainFraction = 0.3)) },
  { name: 'wordvec', what: 'Hybrid-NCE + stage 1, word embeddings from projected word vectors', apply: (c) => (hybrid(c), stage1(c), (c.model.wordVectors = true)) },
  { name: 'rate12', what: 'Hybrid-NCE + stage 1, 12.5 audio tokens a second (conv strides 2, 2, 2) instead of 25', apply: (c) => (hybrid(c), stage1(c), (c.model.audioStrides = [2, 2, 2])) },
  {
    name: 'compact',
    what: 'Hybrid-NCE + stage 1, compact prompts (the text, then one <|im_end|> read as the embedding) instead of the chat prompts',
    apply: (c) => (hybrid(c), stage1(c), (c.model.prompts = 'compact')),
  },
  { name: 'mini', what: 'Hybrid-NCE + stage 1, the mini model (d 256 × 6 layers) instead of tiny (d 64 × 2)', apply: (c) => (hybrid(c), stage1(c), (c.model.preset = 'mini')) },
  { name: 'small', what: 'Hybrid-NCE + stage 1, the small model (d 512 × 8 layers) instead of tiny: the mini row one size up', apply: (c) => (hybrid(c), stage1(c), (c.model.preset = 'small')) },
  {
    name: 'smallLr',
    what: 'the small row at learning rate 3e-4 (the run default) in both stages instead of the experiments\' 1e-3',
    apply: (c) => (hybrid(c), stage1(c), (c.model.preset = 'small'), runLr(c)),
  },
  { name: 'miniInfonce', what: 'InfoNCE + stage 1, the mini model: the mini row without λ and β', apply: (c) => (stage1(c), (c.model.preset = 'mini')) },
  { name: 'miniLr', what: 'the mini row at learning rate 3e-4 in both stages: the size comparison for smallLr', apply: (c) => (hybrid(c), stage1(c), (c.model.preset = 'mini'), runLr(c)) },
  { name: 'miniInfonceLr', what: 'the miniInfonce row at learning rate 3e-4 in both stages: InfoNCE against miniLr', apply: (c) => (stage1(c), (c.model.preset = 'mini'), runLr(c)) },
  { name: 'aurolaMini', what: "aurola-mini's recipe (apps/train/configs/aurola-mini.json: Hybrid-NCE, 2 800 stage-2 steps) without the re-ranker stage", apply: aurolaMini },
  {
    name: 'aurolaMiniInfonce',
    what: 'the aurolaMini row with InfoNCE (λ 0, β 0)',
    apply: (c) => (aurolaMini(c), Object.assign(c.retrieval, { lambda: 0, beta: 0 })),
  },
];

/** The figures a row reports per run. */
function figures(r: RunResult): Record<string, number> {
  const out: Record<string, number> = {
    'T2A R@1': r.test.t2a.r1,
    'T2A R@10': r.test.t2a.r10,
    'A2T R@1': r.test.a2t.r1,
    'A2T R@10': r.test.a2t.r10,
    'T2A mAP@10': r.test.t2a.mAP10,
  };
  if (r.rerank) {
    // The re-ranker stage goes on training the embeddings: its own plain figures are the baseline of its re-ranking.
    out['T2A R@1 plain'] = r.rerank.test.plain.t2a.r1;
    out['T2A R@1 reranked'] = r.rerank.test.reranked.t2a.r1;
    out['A2T R@1 plain'] = r.rerank.test.plain.a2t.r1;
    out['A2T R@1 reranked'] = r.rerank.test.reranked.a2t.r1;
    const judge = r.rerank.sweep?.find((s) => s.alpha === JUDGE_ALONE_ALPHA);
    if (judge) {
      out['T2A R@1 judge'] = judge.test.t2a.r1;
      out['A2T R@1 judge'] = judge.test.a2t.r1;
    }
  }
  return out;
}

export interface RowSummary {
  row: string;
  what: string;
  seeds: number[];
  /** Per figure: mean and sample standard deviation over seeds. */
  stats: Record<string, { mean: number; std: number; values: number[] }>;
  chance: { t2aR1: number; a2tR1: number };
}

export function summarise(row: ExperimentRow, seeds: number[], results: RunResult[]): RowSummary {
  const stats: RowSummary['stats'] = {};
  const per = results.map(figures);
  for (const key of Object.keys(per[0]!)) {
    const values = per.map((f) => f[key]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
    stats[key] = { mean, std, values };
  }
  return { row: row.name, what: row.what, seeds, stats, chance: { t2aR1: results[0]!.test.t2a.chanceR1, a2tR1: results[0]!.test.a2t.chanceR1 } };
}

/** A figure in %: mean ± spread, or the mean alone for one seed (which has no spread). */
const pct = (s: { mean: number; std: number; values: number[] } | undefined) =>
  !s ? '—' : s.values.length > 1 ? `${(100 * s.mean).toFixed(1)} ± ${(100 * s.std).toFixed(1)}` : (100 * s.mean).toFixed(1);

/** A Markdown table of rows (recall in %, mean ± sample std over seeds). */
export function experimentTable(rows: readonly RowSummary[]): string {
  const head = '| row | what | seeds | T2A R@1 | T2A R@10 | A2T R@1 | A2T R@10 | T2A mAP@10 | T2A R@1 re-ranked | A2T R@1 re-ranked |';
  const lines = [head, `|${'---|'.repeat(10)}`];
  for (const r of rows) {
    const s = r.stats;
    const judge = (dir: 'T2A' | 'A2T') => (s[`${dir} R@1 judge`] ? `, judge alone ${pct(s[`${dir} R@1 judge`])}` : '');
    const reranked = (dir: 'T2A' | 'A2T') => (s[`${dir} R@1 reranked`] ? `${pct(s[`${dir} R@1 reranked`])} (plain ${pct(s[`${dir} R@1 plain`])}${judge(dir)})` : '—');
    lines.push(`| ${r.row} | ${r.what} | ${r.seeds.join(',')} | ${pct(s['T2A R@1'])} | ${pct(s['T2A R@10'])} | ${pct(s['A2T R@1'])} | ${pct(s['A2T R@10'])} | ${pct(s['T2A mAP@10'])} | ${reranked('T2A')} | ${reranked('A2T')} |`);
  }
  const c = rows[0]?.chance;
  if (c) lines.push('', `Chance: T2A R@1 ${(100 * c.t2aR1).toFixed(2)} %, A2T R@1 ${(100 * c.a2tR1).toFixed(2)} % (R@10 about ten times that).`);
  return `${lines.join('\n')}\n`;
}

export const EXPERIMENTS_USAGE = `usage: aurola-train experiments --manifest FILE --out DIR [--rows a,b,...] [--seeds 1,2,3] [--report]

Runs the ablation rows at the experiment scale (tiny preset, 300 stage-2 steps of 64 pairs; see experimentBase) —
the aurolaMini rows at the committed model's scale instead (about 35 min a seed on two cores) — one run folder
per row and seed under DIR, and prints (and writes to DIR/experiments.md and .json) a table of test-split recall,
mean ± sample standard deviation over the seeds. Finished runs are read back, not retrained.

  --rows     ${EXPERIMENT_ROWS.map((r) => r.name).join(', ')} (default: all)
  --seeds    (default: 1,2,3)
  --threads N
  --report   train nothing: the table of the runs already finished under DIR (each row over the seeds it has),
             and the list of those still missing; --manifest is not needed
`;

async function finishedResult(runDir: string): Promise<RunResult | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir, 'metrics.json'), 'utf8')) as RunResult;
  } catch {
    return undefined;
  }
}

export async function experimentsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      manifest: { type: 'string' },
      out: { type: 'string' },
      rows: { type: 'string' },
      seeds: { type: 'string', default: '1,2,3' },
      threads: { type: 'string' },
      report: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(EXPERIMENTS_USAGE);
    return 0;
  }
  if (!values.out || (!values.manifest && !values.report)) {
    process.stderr.write(EXPERIMENTS_USAGE);
    return 2;
  }
  const names = values.rows ? values.rows.split(',') : EXPERIMENT_ROWS.map((r) => r.name);
  const rows = names.map((name) => {
    const row = EXPERIMENT_ROWS.find((r) => r.name === name);
    if (!row) throw new RangeError(`--rows: unknown row "${name}" (rows: ${EXPERIMENT_ROWS.map((r) => r.name).join(', ')})`);
    return row;
  });
  const seeds = values.seeds.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`--seeds must be non-negative integers, got "${s}"`);
    return n;
  });
  const threads = values.threads === undefined ? 0 : Number(values.threads);
  await mkdir(values.out, { recursive: true });
  // Rows of one audio front end share its log-mel cache.
  const features = new Map<string, FeatureCache>();
  const summaries: RowSummary[] = [];
  const missing: string[] = [];
  for (const row of rows) {
    const results: RunResult[] = [];
    const finishedSeeds: number[] = [];
    for (const seed of seeds) {
      const run = `${row.name}-seed${seed}`;
      const runDir = join(values.out, run);
      let result = await finishedResult(runDir);
      if (!result && values.report) {
        missing.push(run);
        continue;
      }
      if (!result) {
        const out = values.out;
        const runDirOf = (name: string) => join(out, `${name}-seed${seed}`);
        if (row.after && !(await finishedResult(runDirOf(row.after)))) {
          throw new Error(`${run} starts from ${row.after}-seed${seed}, which has not finished under ${out}: run --rows ${row.after} first`);
        }
        const config = experimentBase(values.manifest!, seed);
        row.apply(config, runDirOf);
        config.threads = threads;
        const audio = `${config.model.nMels}/${config.model.maxDurationS}`;
        if (!features.has(audio)) features.set(audio, featureCacheFor(config));
        result = await runTraining(config, runDir, { ...stageProgress(config, `${row.name} seed ${seed} `), features: features.get(audio) });
      }
      results.push(result);
      finishedSeeds.push(seed);
    }
    if (results.length === 0) continue;
    summaries.push(summarise(row, finishedSeeds, results));
    if (!values.report) process.stdout.write(`${row.name}: done\n`);
  }
  if (missing.length > 0) process.stderr.write(`not finished under ${values.out} (run without --report to train them): ${missing.join(', ')}\n`);
  if (summaries.length === 0) {
    process.stderr.write(`no finished runs of the rows asked for under ${values.out}\n`);
    return 1;
  }
  const table = experimentTable(summaries);
  await writeFile(join(values.out, 'experiments.md'), table);
  await writeFile(join(values.out, 'experiments.json'), `${JSON.stringify(summaries, null, 2)}\n`);
  process.stdout.write(table);
  return 0;
}
