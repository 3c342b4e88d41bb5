// The miniature of the whole pipeline that CI runs: a small synthetic sound library → data build → stage 1 →
// stage 2 → re-ranker → evaluation → exported model directory, served by the ONNX runner. Recall must rise well
// above chance. Six kinds of sound (tones, noise bands, click trains, sweeps), each in its own folder.
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeWav } from '@aurola/audio';
import { OnnxMllmBackbone } from '@aurola/backbone';
import { readManifest } from '@aurola/data';
import { JUDGE_ALONE_ALPHA } from '@aurola/retrieval';
import { defaultRunConfig, runTraining } from '@aurola/train';

import { runDataBuild } from '../src/data/build.js';
import { evalCommand } from '../src/eval-command.js';
import { alphaSweepLines, exportCommand, trainCommand } from '../src/train-command.js';

const SR = 16000;
const root = mkdtempSync(join(tmpdir(), 'aurola-pipeline-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KINDS: Record<string, (t: number, i: number) => number> = {
  bell: (t) => 0.4 * Math.sin(2 * Math.PI * 880 * t) * Math.exp(-3 * t),
  hum: (t) => 0.3 * Math.sin(2 * Math.PI * 110 * t),
  rain: () => 0.2 * (Math.random() - 0.5),
  drum: (t) => ((t * 4) % 1 < 0.05 ? 0.8 * (Math.random() - 0.5) : 0),
  whistle: (t) => 0.3 * Math.sin(2 * Math.PI * (2000 + 1000 * t) * t),
  engine: (t) => 0.3 * Math.sign(Math.sin(2 * Math.PI * 60 * t)) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t)),
};

/** The text embeddings of a model directory, through the ONNX runner. */
async function embedTexts(dir: string, texts: string[]): Promise<Float32Array> {
  const backbone = await OnnxMllmBackbone.load(dir, { threads: 1 });
  try {
    return (await backbone.embedText(texts)).data as Float32Array;
  } finally {
    await backbone.close();
  }
}

/** A model directory's p(Yes) for one pair, through the ONNX runner (its judge's, when it has one). */
async function pYesOf(dir: string, pair: { text: string; audio: Float32Array }, direction: 't2a' | 'a2t'): Promise<number> {
  const backbone = await OnnxMllmBackbone.load(dir, { threads: 1 });
  try {
    return (await backbone.scorePairs([pair], direction))[0]!;
  } finally {
    await backbone.close();
  }
}

describe('the whole pipeline in miniature', () => {
  // One small corpus for every test here: synthetic sounds in six folders, through the real data build.
  const corpus = join(root, 'corpus');
  beforeAll(async () => {
    const library = join(root, 'library');
    for (const [kind, wave] of Object.entries(KINDS)) {
      mkdirSync(join(library, kind), { recursive: true });
      for (let n = 0; n < 14; n++) {
        const seconds = 0.6 + Math.random() * 1.2;
        const x = Float32Array.from({ length: Math.round(seconds * SR) }, (_, i) => wave(i / SR, i) * (0.7 + 0.3 * Math.random()));
        writeFileSync(join(library, kind, `${kind}_${n + 1}.wav`), encodeWav([x], SR));
      }
    }
    await runDataBuild({
      outDir: corpus,
      sources: [],
      folders: [{ path: library, license: 'CC0-1.0' }],
      workers: 2,
      seed: 3,
      targets: { train: 120, validation: 24, test: 24 },
      heldOutShare: 0,
      tagClusters: 6,
      log: () => {},
    });
  }, 120_000);

  it('trains all stages on the corpus and retrieves well above chance', async () => {
    const config = defaultRunConfig(join(corpus, 'manifest.jsonl'));
    // aurola-mini's compact prompts here; the command-line test below keeps the default chat prompts.
    config.model = { ...config.model, preset: 'tiny', maxWords: 400, nMels: 40, maxDurationS: 4, prompts: 'compact' };
    config.threads = 2;
    config.text = { ...config.text, steps: 20, batchPairs: 16, lr: 2e-3, warmupSteps: 2 };
    config.retrieval = { ...config.retrieval, steps: 120, batchPairs: 24, lr: 2e-3, warmupSteps: 10, tau: 0.1 };
    config.rerank = { ...config.rerank, steps: 30, batchPairs: 8, lr: 1e-3, warmupSteps: 3 };
    config.eval = { rerankK: 5, alphaGrid: [0, 0.1, 0.3, 1], maxClips: 24, validationClips: 24 };
    const started = performance.now();
    const result = await runTraining(config, join(root, 'run'));
    const wallS = (performance.now() - started) / 1000;

    // Chance R@1 is 1/24 for T2A; a learned model must be far above it.
    expect(result.test.t2a.r1).toBeGreaterThan(4 * result.test.t2a.chanceR1);
    expect(result.test.a2t.r5).toBeGreaterThan(3 * 5 * result.test.a2t.chanceR1);
    expect(result.rerank).toBeDefined();
    expect(result.rerank!.test.reranked.t2a.r1).toBeGreaterThan(3 * result.test.t2a.chanceR1);
    // The α sweep: every α of the grid and the judge alone; α 0 is the plain ranking, the chosen α the result.
    const sweep = result.rerank!.sweep;
    expect(sweep.map((s) => s.alpha)).toEqual([0, 0.1, 0.3, 1, JUDGE_ALONE_ALPHA]);
    expect(sweep[0]!.test).toEqual(result.rerank!.test.plain);
    for (const dir of ['t2a', 'a2t'] as const) {
      expect(sweep.find((s) => s.alpha === result.rerank!.alpha[dir])!.test[dir]).toEqual(result.rerank!.test.reranked[dir]);
      // Re-ranking only reorders the top 5: R@5 is the same at every α.
      for (const s of sweep) expect(s.test[dir].r5).toBe(result.rerank!.test.plain[dir].r5);
      // The chosen α is the best on validation.
      const chosen = sweep.find((s) => s.alpha === result.rerank!.alpha[dir])!.validation[dir].r1;
      for (const s of sweep.filter((x) => x.alpha !== JUDGE_ALONE_ALPHA)) expect(s.validation[dir].r1).toBeLessThanOrEqual(chosen);
    }
    expect(alphaSweepLines(sweep)).toHaveLength(1 + sweep.length);
    // The judge's own task on training and test clips: shares of pairs won, by the judge and by the embeddings.
    for (const split of ['train', 'test'] as const) {
      for (const granularity of ['short', 'long'] as const) {
        for (const dir of ['t2a', 'a2t'] as const) {
          for (const by of ['judge', 'embeddings'] as const) {
            const won = result.judgePairs![split][granularity][dir][by];
            expect(won).toBeGreaterThanOrEqual(0);
            expect(won).toBeLessThanOrEqual(1);
          }
        }
      }
    }
    // The trained embeddings put a test clip's own caption above its hard negative's more often than not.
    expect(result.judgePairs!.test.short.a2t.embeddings).toBeGreaterThan(0.5);
    // The re-ranker's log keeps the judge's part of the loss, below the whole (the contrastive part is positive).
    const rerankLog = readFileSync(join(root, 'run', 'rerank', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss?: number; yesNoLoss?: number });
    const judged = rerankLog.filter((l) => l.yesNoLoss !== undefined);
    expect(judged).toHaveLength(30);
    for (const l of judged) expect(l.yesNoLoss!).toBeLessThan(l.loss!);

    // The exported directory is a working model for the runtime, carrying the α chosen on validation.
    const backbone = await OnnxMllmBackbone.load(result.modelDir, { threads: 1 });
    expect(backbone.config.rerank).toEqual({ alphaT2A: result.rerank!.alpha.t2a, alphaA2T: result.rerank!.alpha.a2t });
    expect(backbone.config.prompts).toEqual({ textEmbeddingSuffix: '', audioEmbeddingSuffix: '', embAnswerSuffix: '' });
    const e = await backbone.embedText(['a bell rings', 'a low hum']);
    expect(e.rows).toBe(2);
    await backbone.close();

    // Each stage's wall time, read back from its log: within the run's, and an epoch counted in training clips.
    const trainClips = (await readManifest(join(corpus, 'manifest.jsonl'))).filter((r) => r.split === 'train').length;
    expect(result.timing.retrieval).toMatchObject({ steps: 120, pairs: 120 * 24, epochPairs: trainClips });
    expect(result.timing.rerank).toMatchObject({ steps: 30, pairs: 30 * 8 });
    const stagesS = result.timing.text!.seconds + result.timing.retrieval!.seconds + result.timing.rerank!.seconds;
    expect(result.timing.retrieval!.seconds).toBeGreaterThan(0);
    expect(stagesS).toBeLessThan(wallS);
    // Every retrieval step logs how many of its clips had an extra (tag-cluster) positive: how often λ acted.
    const retrievalLog = readFileSync(join(root, 'run', 'retrieval', 'log.jsonl'), 'utf8').trim().split('\n');
    const shares = retrievalLog.map((l) => JSON.parse(l) as { loss?: number; extraPositives?: number }).filter((e) => e.loss !== undefined).map((e) => e.extraPositives);
    expect(shares).toHaveLength(120);
    for (const share of shares) {
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    }

    // The run's curves: every stage's loss, and validation recall measured during training.
    expect(existsSync(join(root, 'run', 'plots', 'loss.svg'))).toBe(true);
    expect(readFileSync(join(root, 'run', 'plots', 'validation.svg'), 'utf8')).toContain('T2A R@1');

    // `eval` on the exported model through the ONNX runner agrees with the training app's own evaluation of the
    // same clips on the engine (the same figures up to near-ties: float32 on two runtimes).
    const manifest = join(corpus, 'manifest.jsonl');
    const viaManifest = join(root, 'eval-manifest.json');
    expect(await evalCommand(['--model', result.modelDir, '--format', 'manifest', '--captions', manifest, '--rerank-k', '5', '--json', viaManifest])).toBe(0);
    const evaluated = JSON.parse(readFileSync(viaManifest, 'utf8'));
    const n = 24;
    expect(evaluated.clips).toBe(n);
    for (const dir of ['t2a', 'a2t'] as const) {
      expect(Math.abs(evaluated.plain[dir].r1 - result.rerank!.test.plain[dir].r1)).toBeLessThanOrEqual(1 / n + 1e-9);
      expect(Math.abs(evaluated.reranked[dir].r5 - result.rerank!.test.reranked[dir].r5)).toBeLessThanOrEqual(1 / n + 1e-9);
    }
    expect(evaluated.reranked.alpha).toEqual(result.rerank!.alpha);
    // The judge alone reorders the top 5 only, like the training app's sweep at the same α.
    const judgeSweep = result.rerank!.sweep.find((s) => s.alpha === JUDGE_ALONE_ALPHA)!.test;
    for (const dir of ['t2a', 'a2t'] as const) {
      expect(evaluated.reranked.judgeAlone[dir].r5).toBe(evaluated.plain[dir].r5);
      expect(Math.abs(evaluated.reranked.judgeAlone[dir].r1 - judgeSweep[dir].r1)).toBeLessThanOrEqual(2 / n + 1e-9);
    }

    // The same clips as an AudioCaps-format set (CSV + a folder of <youtube_id>_<start>.wav) give the same figures.
    const audiocaps = join(root, 'audiocaps');
    mkdirSync(audiocaps);
    const rows = ['audiocap_id,youtube_id,start_time,caption'];
    (await readManifest(manifest))
      .filter((r) => r.split === 'test')
      .forEach((r, i) => {
        copyFileSync(join(corpus, r.audio), join(audiocaps, `clip${i}_0.wav`));
        for (const caption of [r.captionLong, r.captionShort]) rows.push(`${rows.length},clip${i},0,"${caption.replaceAll('"', '""')}"`);
      });
    writeFileSync(join(audiocaps, 'test.csv'), `${rows.join('\n')}\n`);
    writeFileSync(join(audiocaps, 'clipX_0.wav'), 'not audio');
    rows.push(`${rows.length},clipX,0,a broken file`, `${rows.length + 1},clipY,0,a missing file`);
    writeFileSync(join(audiocaps, 'test-with-bad.csv'), `${rows.join('\n')}\n`);
    const viaCsv = join(root, 'eval-audiocaps.json');
    expect(await evalCommand(['--model', result.modelDir, '--format', 'audiocaps', '--captions', join(audiocaps, 'test-with-bad.csv'), '--audio', audiocaps, '--rerank-k', '5', '--json', viaCsv])).toBe(0);
    const fromCsv = JSON.parse(readFileSync(viaCsv, 'utf8'));
    expect(fromCsv.skipped).toBe(2);
    expect(fromCsv.plain).toEqual(evaluated.plain);
    expect(fromCsv.reranked).toEqual(evaluated.reranked);
  });

  it('trains a judge of its own beside the stage-2 model, whose embeddings stay as they were', async () => {
    // The first test's stages 1 and 2, copied: only the re-ranker stage runs here.
    const first = join(root, 'run');
    const run = join(root, 'run-own-judge');
    mkdirSync(run);
    for (const part of ['text', 'retrieval', 'tokenizer-files.json']) cpSync(join(first, part), join(run, part), { recursive: true });
    const config = JSON.parse(readFileSync(join(first, 'config.json'), 'utf8'));
    config.rerank.judge = 'own';
    const result = await runTraining(config, run);

    // The judge learns yes/no only: its part of the loss is the whole.
    const log = readFileSync(join(run, 'rerank', 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { loss?: number; yesNoLoss?: number });
    const judged = log.filter((l) => l.loss !== undefined);
    expect(judged).toHaveLength(30);
    for (const l of judged) expect(l.yesNoLoss).toBe(l.loss);
    // The embedding model did not move: the same test figures after the judge's stage as before it.
    expect(result.rerank!.test.plain).toEqual(result.test);

    // The model directory embeds as the stage-2 model, as `export` makes it from the run; the judge inside it is
    // another model, trained further, and the one the runtime asks for p(Yes).
    expect(result.judgeModelDir).toBe(join(result.modelDir, 'judge'));
    const exported = join(root, 'own-judge-export');
    expect(await exportCommand(['--run', run, '--out', exported])).toBe(0);
    const embed = (dir: string) => embedTexts(dir, ['a bell rings', 'a low hum']);
    const model = await embed(result.modelDir);
    expect(await embed(exported)).toEqual(model);
    const judge = await embed(result.judgeModelDir!);
    expect(Math.max(...judge.map((x, i) => Math.abs(x - model[i]!)))).toBeGreaterThan(1e-3);
    const pair = { text: 'a bell rings', audio: Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin(i / 3)) };
    const pYes = (dir: string) => pYesOf(dir, pair, 't2a');
    const judgeSays = await pYes(result.judgeModelDir!);
    expect(await pYes(result.modelDir)).toBe(judgeSays);
    expect(await pYes(exported)).toBe(judgeSays);
  });

  it('starts a judge from another run of another architecture, its negatives mined by the embedding model', async () => {
    const first = join(root, 'run');
    const firstConfig = JSON.parse(readFileSync(join(first, 'config.json'), 'utf8'));
    // The other run: the same vocabulary and prompts, audio at half the token rate (another encoder), stage 2 only.
    const source = join(root, 'judge-source');
    const sourceConfig = structuredClone(firstConfig);
    sourceConfig.model.audioStrides = [2, 2, 2];
    sourceConfig.text.steps = 0;
    sourceConfig.retrieval = { ...sourceConfig.retrieval, steps: 10, validateEvery: 0 };
    sourceConfig.rerank.steps = 0;
    const sourceResult = await runTraining(sourceConfig, source);

    // The first run's stages 1 and 2 embed; the judge starts from the other run and, at a learning rate far too small
    // to move a float32 weight, stays it.
    const run = join(root, 'run-judge-from');
    mkdirSync(run);
    for (const part of ['text', 'retrieval', 'tokenizer-files.json']) cpSync(join(first, part), join(run, part), { recursive: true });
    const config = structuredClone(firstConfig);
    config.rerank = { ...config.rerank, judge: 'own', judgeFrom: source, lr: 1e-30 };
    const result = await runTraining(config, run);

    expect(result.rerank!.test.plain).toEqual(result.test);
    const judgeConfig = JSON.parse(readFileSync(join(result.judgeModelDir!, 'config.json'), 'utf8'));
    const modelConfig = JSON.parse(readFileSync(join(result.modelDir, 'config.json'), 'utf8'));
    expect(judgeConfig.decoder).toEqual(JSON.parse(readFileSync(join(sourceResult.modelDir, 'config.json'), 'utf8')).decoder);
    expect(judgeConfig.decoder.audioConvs).not.toEqual(modelConfig.decoder.audioConvs);
    const pair = { text: 'a low hum', audio: Float32Array.from({ length: 12000 }, (_, i) => 0.3 * Math.sin(i / 20)) };
    const pYes = (dir: string) => pYesOf(dir, pair, 'a2t');
    const judgeSays = await pYes(sourceResult.modelDir);
    expect(await pYes(result.modelDir)).toBeCloseTo(judgeSays, 6);
    const exported = join(root, 'judge-from-export');
    expect(await exportCommand(['--run', run, '--out', exported])).toBe(0);
    expect(await pYes(exported)).toBeCloseTo(judgeSays, 6);
    // …where the embedding model's own weights would say something else.
    expect(Math.abs((await pYes(first + '/model')) - judgeSays)).toBeGreaterThan(1e-3);
    // Mined by the first run's stage-2 model, as the judge of its own (a copy of that model) mined them above.
    expect(readFileSync(join(run, 'rerank', 'negatives.json'), 'utf8')).toBe(readFileSync(join(root, 'run-own-judge', 'rerank', 'negatives.json'), 'utf8'));

    // What cannot start a judge is refused before anything trains.
    const refused = async (name: string, patch: (c: typeof config) => void, message: RegExp) => {
      const c = structuredClone(firstConfig);
      c.rerank = { ...c.rerank, judge: 'own', judgeFrom: source };
      patch(c);
      await expect(runTraining(c, join(root, name))).rejects.toThrow(message);
      expect(existsSync(join(root, name, 'text'))).toBe(false);
    };
    await refused('judge-from-shared', (c) => (c.rerank.judge = 'shared'), /rerank\.judgeFrom starts a judge of its own: it needs rerank\.judge "own", got "shared"/);
    await refused('judge-from-words', (c) => (c.model.maxWords = 50), /judge-source has other tokenizer files/);
    await refused('judge-from-mels', (c) => (c.model.nMels = 32), /judge-source has other log-mel settings/);
    await refused('judge-from-nothing', (c) => (c.rerank.judgeFrom = join(root, 'no-such-run')), /no-such-run is not a training run \(config\.json/);
    await refused('judge-from-untrained', (c) => (c.rerank.judgeFrom = join(root, 'judge-from-words')), /judge-from-words has no stage-1 or stage-2 checkpoint/);
  });

  it('refuses an unknown kind of judge', async () => {
    const bad = join(root, 'bad-judge.yaml');
    writeFileSync(bad, 'rerank:\n  judge: separate\n');
    await expect(trainCommand(['--manifest', join(corpus, 'manifest.jsonl'), '--out', join(root, 'bad-judge-run'), '--config', bad])).rejects.toThrow(/rerank\.judge must be one of shared, own, got "separate"/);
  });

  it('trains stage by stage from the command line, stage 1 with AudioCaps and NLI paraphrases, and exports a checkpoint', async () => {
    const manifest = join(corpus, 'manifest.jsonl');
    const run = join(root, 'staged');
    const config = join(root, 'staged.yaml');
    const stage = (steps: number, pairs: number) => [`  steps: ${steps}`, `  batchPairs: ${pairs}`, '  checkpointEvery: 3', '  validateEvery: 0'];
    const yaml = ['# a run config in YAML', 'model:', '  preset: tiny', '  maxWords: 400', '  nMels: 40', '  maxDurationS: 4', 'threads: 2'];
    yaml.push('text:', ...stage(4, 8), 'retrieval:', ...stage(3, 8), 'rerank:', ...stage(2, 4), '  negatives: nearest', '  negativePool: 3');
    yaml.push('eval:', '  rerankK: 3', '  alphaGrid: [0, 1]', '  maxClips: 12', '  validationClips: 12');
    writeFileSync(config, `${yaml.join('\n')}\n`);
    // An AudioCaps-format caption file whose words the corpus never uses: stage 1 must read it.
    const audiocaps = join(root, 'audiocaps-val.csv');
    const captions = ['a xylophone melody plays', 'someone strikes a xylophone', 'zebras gallop across dry ground', 'hooves of zebras thunder'];
    writeFileSync(audiocaps, ['audiocap_id,youtube_id,start_time,caption', ...captions.map((c, i) => `${i},clip${i >> 1},0,${c}`)].join('\n'));
    const nli = join(root, 'nli.csv');
    writeFileSync(nli, 'sent0,sent1,hard_neg\na marimba is played softly,soft marimba notes,a marimba is smashed\n');
    const args = ['--manifest', manifest, '--out', run, '--config', config, '--audiocaps', audiocaps, '--nli', nli];

    expect(await trainCommand(['text', ...args])).toBe(0);
    expect(existsSync(join(run, 'text', 'done.json'))).toBe(true);
    expect(existsSync(join(run, 'retrieval'))).toBe(false);
    const vocab = JSON.parse(readFileSync(join(run, 'tokenizer-files.json'), 'utf8')).tokenizerJson.model.vocab;
    expect(vocab).toHaveProperty('xylophone');
    expect(vocab).toHaveProperty('zebras');
    expect(vocab).toHaveProperty('marimba');
    expect(vocab).not.toHaveProperty('smashed'); // the NLI hard negative is not used

    // `export` of the finished stage 1 gives the model the run exported after it.
    const exported = join(root, 'staged-export');
    expect(await exportCommand(['--run', run, '--out', exported])).toBe(0);
    const embed = (dir: string) => embedTexts(dir, ['a xylophone melody plays', 'a low hum']);
    expect(Array.from(await embed(exported))).toEqual(Array.from(await embed(join(run, 'model'))));

    // Stage 2 on the same run reuses stage 1 (not trained again) and stops before the re-ranker.
    const textLog = readFileSync(join(run, 'text', 'log.jsonl'), 'utf8');
    expect(await trainCommand(['retrieval', ...args])).toBe(0);
    expect(readFileSync(join(run, 'text', 'log.jsonl'), 'utf8')).toBe(textLog);
    expect(existsSync(join(run, 'retrieval', 'done.json'))).toBe(true);
    expect(existsSync(join(run, 'rerank'))).toBe(false);
    expect(Array.from(await embed(join(run, 'model')))).not.toEqual(Array.from(await embed(exported)));

    // The re-ranker's hard negatives, mined the `nearest` way, three a clip: other clips, whose short captions are not the clip's.
    expect(await trainCommand(['rerank', ...args])).toBe(0);
    const trainClips = (await readManifest(manifest)).filter((r) => r.split === 'train');
    const minedFile = join(run, 'rerank', 'negatives.json');
    const mined = JSON.parse(readFileSync(minedFile, 'utf8')) as { rule: string; pool: number; perClip: number[][] };
    expect(mined).toMatchObject({ rule: 'nearest', pool: 3 });
    expect(mined.perClip).toHaveLength(trainClips.length);
    mined.perClip.forEach((pool, i) => {
      expect(new Set(pool).size).toBe(3);
      for (const j of pool) {
        expect(j).not.toBe(i);
        expect(trainClips[j]!.captionShort).not.toBe(trainClips[i]!.captionShort);
      }
    });
    // Unlike `other-tag`, the nearest may be the same kind of sound (six kinds here: some of 84 nearest are).
    expect(mined.perClip.some(([j], i) => trainClips[j!]!.tags[0] === trainClips[i]!.tags[0])).toBe(true);
    // A re-ranker stage started again over negatives mined otherwise refuses them rather than mine with a changed model.
    const restart = join(root, 'restart');
    rmSync(restart, { recursive: true, force: true });
    mkdirSync(join(restart, 'rerank'), { recursive: true });
    for (const stageDir of ['text', 'retrieval']) cpSync(join(run, stageDir), join(restart, stageDir), { recursive: true });
    copyFileSync(join(run, 'tokenizer-files.json'), join(restart, 'tokenizer-files.json'));
    copyFileSync(minedFile, join(restart, 'rerank', 'negatives.json'));
    const pool2 = join(root, 'pool2.yaml');
    writeFileSync(pool2, readFileSync(config, 'utf8').replace('negativePool: 3', 'negativePool: 2'));
    const restartArgs = args.map((a) => (a === run ? restart : a === config ? pool2 : a));
    await expect(trainCommand(['rerank', ...restartArgs])).rejects.toThrow(/mined otherwise \(nearest, pool 3\) than this run asks \(nearest, pool 2\)/);

    await expect(trainCommand(['align', ...args])).rejects.toThrow(/unknown stage "align" \(stages: text, retrieval, rerank\)/);
    const bad = join(root, 'bad.yml');
    writeFileSync(bad, 'retrieval:\n  lamda: 0.3\n');
    await expect(trainCommand(['--manifest', manifest, '--out', run, '--config', bad])).rejects.toThrow(/config\.retrieval\.lamda is not a run setting/);
    writeFileSync(bad, 'retrieval:\n  lambda: [0.3\n');
    await expect(trainCommand(['--manifest', manifest, '--out', run, '--config', bad])).rejects.toThrow(/^.*bad\.yml: /);
    writeFileSync(bad, 'retrieval:\n  lambda: high\n');
    await expect(trainCommand(['--manifest', manifest, '--out', run, '--config', bad])).rejects.toThrow(/config\.retrieval\.lambda must be a number, got "high"/);
    const runConfig = readFileSync(join(run, 'config.json'), 'utf8');
    writeFileSync(bad, 'rerank:\n  negatives: random\n');
    await expect(trainCommand(['--manifest', manifest, '--out', run, '--config', bad])).rejects.toThrow(/rerank\.negatives must be one of other-tag, nearest, got "random"/);
    writeFileSync(bad, 'rerank:\n  negativePool: 0\n');
    await expect(trainCommand(['--manifest', manifest, '--out', run, '--config', bad])).rejects.toThrow(/rerank\.negativePool must be a positive integer, got 0/);
    writeFileSync(bad, 'rerank:\n  pairShare: both\n');
    await expect(trainCommand(['--manifest', manifest, '--out', run, '--config', bad])).rejects.toThrow(/rerank\.pairShare must be one of query, candidate, got "both"/);
    writeFileSync(bad, 'retrieval:\n  captions: medium\n');
    await expect(trainCommand(['--manifest', manifest, '--out', run, '--config', bad])).rejects.toThrow(/retrieval\.captions must be one of multi, long, short, tags, got "medium"/);
    expect(readFileSync(join(run, 'config.json'), 'utf8')).toBe(runConfig);
    await expect(exportCommand(['--run', join(root, 'library'), '--out', join(root, 'nowhere')])).rejects.toThrow(/is not a training run \(config\.json/);
  });

  it('eval refuses bad arguments with the usage or a clear error', async () => {
    expect(await evalCommand(['--format', 'clotho'])).toBe(2);
    await expect(evalCommand(['--model', root, '--format', 'wavs', '--captions', join(root, 'x.csv'), '--audio', root])).rejects.toThrow(/--format must be/);
    await expect(evalCommand(['--model', root, '--format', 'audiocaps', '--captions', join(root, 'x.csv')])).rejects.toThrow(/--audio is required/);
  });
});
