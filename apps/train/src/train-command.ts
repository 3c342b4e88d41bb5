// `aurola-train train`: a whole training run (stage 1, stage 2, re-ranker, evaluation, export) into a run folder,
// with a progress line per stage. Settings: the defaults of defaultRunConfig, then a JSON or YAML file, then flags.
import { parseArgs } from 'node:util';

import { JUDGE_ALONE_ALPHA } from '@aurola/retrieval';
import { defaultRunConfig, exportRun, runTraining, STAGES, type RerankEvaluation, type RunConfig, type StageName } from '@aurola/train';

import { mergeRunConfig, readRunConfigFile } from './run-config-file.js';
import { stageProgress } from './stage-progress.js';

export const TRAIN_USAGE = `usage: aurola-train train [text|retrieval|rerank] --manifest FILE --out DIR [options]

Trains aurola's model on a data-build manifest: stage 1 (caption paraphrases), stage 2 (Hybrid-NCE), the yes/no
re-ranker, evaluation on the test split (and zero-shot on held-out categories) with re-ranking tuned on validation,
and the exported model directory <out>/model. Resumes after an interruption. With a stage name, trains up to and
including that stage (earlier stages finished in <out> are reused), then evaluates and exports: 'train text', then
'train retrieval' on the same --out, then 'train rerank' is the whole run in three commands.

  --config FILE          JSON, or YAML (.yaml/.yml), with any of the run settings (see <out>/config.json of a run
                         for all of them); unknown keys and wrong types are refused by name
  --preset NAME          tiny | mini (default) | small
  --seed N               (default 1)
  --text-steps N --retrieval-steps N --rerank-steps N
  --batch N              pairs per step in every stage
  --threads N            engine threads (default: all cores)
  --audiocaps FILE       stage 1 also learns from the paraphrases of an AudioCaps caption CSV (use val.csv; the
                         test file stays clean for evaluation), each clip's captions one group
  --nli FILE             stage 1 also learns from the (sent0, sent1) pairs of a SimCSE NLI CSV
`;

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export async function trainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      audiocaps: { type: 'string' },
      nli: { type: 'string' },
      manifest: { type: 'string' },
      out: { type: 'string' },
      config: { type: 'string' },
      preset: { type: 'string' },
      seed: { type: 'string' },
      'text-steps': { type: 'string' },
      'retrieval-steps': { type: 'string' },
      'rerank-steps': { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(TRAIN_USAGE);
    return 0;
  }
  if (!values.manifest || !values.out || positionals.length > 1) {
    process.stderr.write(TRAIN_USAGE);
    return 2;
  }
  const until = positionals[0] as StageName | undefined;
  if (until !== undefined && !STAGES.includes(until)) throw new RangeError(`unknown stage "${until}" (stages: ${STAGES.join(', ')})`);
  let config: RunConfig = defaultRunConfig(values.manifest);
  if (values.config) config = mergeRunConfig(config, await readRunConfigFile(values.config));
  if (values.preset) {
    if (!['tiny', 'mini', 'small'].includes(values.preset)) throw new RangeError(`--preset must be tiny, mini or small, got "${values.preset}"`);
    config.model.preset = values.preset as RunConfig['model']['preset'];
  }
  const seed = count('seed', values.seed);
  if (seed !== undefined) config.seed = seed;
  const steps = { text: count('text-steps', values['text-steps']), retrieval: count('retrieval-steps', values['retrieval-steps']), rerank: count('rerank-steps', values['rerank-steps']) };
  for (const [stage, n] of Object.entries(steps)) if (n !== undefined) config[stage as StageName].steps = n;
  if (until) for (const later of STAGES.slice(STAGES.indexOf(until) + 1)) config[later].steps = 0;
  if (values.audiocaps !== undefined) config.text.audiocaps = values.audiocaps;
  if (values.nli !== undefined) config.text.nli = values.nli;
  const batch = count('batch', values.batch);
  if (batch !== undefined) for (const stage of STAGES) config[stage].batchPairs = Math.max(2, batch);
  const threads = count('threads', values.threads);
  if (threads !== undefined) config.threads = threads;
  config.manifest = values.manifest;

  const result = await runTraining(config, values.out, stageProgress(config));
  const line = (name: string, m: { r1: number; r5: number; r10: number; mAP10: number; chanceR1: number }) =>
    `  ${name.padEnd(18)} R@1 ${(100 * m.r1).toFixed(1)}  R@5 ${(100 * m.r5).toFixed(1)}  R@10 ${(100 * m.r10).toFixed(1)}  mAP@10 ${(100 * m.mAP10).toFixed(1)}  (chance R@1 ${(100 * m.chanceR1).toFixed(2)})`;
  const out = [`${result.modelDir}`, line('test T2A', result.test.t2a), line('test A2T', result.test.a2t)];
  if (result.zeroShot) out.push(line('zero-shot T2A', result.zeroShot.t2a), line('zero-shot A2T', result.zeroShot.a2t));
  for (const [stage, t] of Object.entries(result.timing)) {
    out.push(
      `  ${`${stage} stage`.padEnd(18)} ${t.steps} steps, ${t.pairs} pairs in ${(t.seconds / 60).toFixed(1)} min (${t.pairsPerS.toFixed(1)} pairs/s): an epoch of its ${t.epochPairs} ${stage === 'text' ? 'caption groups' : 'clips'} ≈ ${t.epochMinutes.toFixed(1)} min`,
    );
  }
  if (result.rerank) {
    const r = result.rerank;
    out.push(line('final T2A', r.test.plain.t2a), line('final T2A +rerank', r.test.reranked.t2a), line('final A2T', r.test.plain.a2t), line('final A2T +rerank', r.test.reranked.a2t));
    out.push(`  α (validation): t2a ${r.alpha.t2a}, a2t ${r.alpha.a2t}`);
    // Older metrics.json files (read back for a finished run) have no sweep.
    if (r.sweep) out.push(...alphaSweepLines(r.sweep));
  }
  if (result.judgePairs) {
    const pct = (x: number) => `${(100 * x).toFixed(1)}`.padStart(5);
    out.push('  own pair beats the hard negative\'s, %   judge T2A  judge A2T  embeddings T2A  embeddings A2T');
    for (const split of ['train', 'test'] as const) {
      for (const [granularity, captions] of [['short', 'short captions'], ['long', 'long descriptions']] as const) {
        const { t2a, a2t } = result.judgePairs[split][granularity];
        out.push(`    ${`${split} clips, ${captions}`.padEnd(36)} ${pct(t2a.judge)}      ${pct(a2t.judge)}      ${pct(t2a.embeddings)}           ${pct(a2t.embeddings)}`);
      }
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

/** The re-ranking α sweep as lines of R@1 (%) per α, validation and test; only validation chooses α. */
export function alphaSweepLines(sweep: RerankEvaluation['sweep']): string[] {
  const pct = (x: number) => (100 * x).toFixed(1).padStart(8);
  return [
    '  α sweep, R@1 %        val T2A  val A2T test T2A test A2T   (validation chooses α; test is only read)',
    ...sweep.map((s) => {
      const name = s.alpha === JUDGE_ALONE_ALPHA ? `${s.alpha} (judge alone)` : String(s.alpha);
      return `    α ${name.padEnd(18)}${pct(s.validation.t2a.r1)} ${pct(s.validation.a2t.r1)} ${pct(s.test.t2a.r1)} ${pct(s.test.a2t.r1)}`;
    }),
  ];
}

export const EXPORT_USAGE = `usage: aurola-train export --run DIR --out MODEL_DIR

Exports the weights of a training run's latest checkpoint (the last stage that has one, finished or not) as a model
directory: for a run still in progress or stopped; a finished run has exported <run>/model already.
`;

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { run: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  if (!values.run || !values.out) {
    process.stderr.write(EXPORT_USAGE);
    return 2;
  }
  const { stage, step } = await exportRun(values.run, values.out);
  process.stdout.write(`${values.out}: the weights of ${values.run} after ${stage} step ${step}\n`);
  return 0;
}
