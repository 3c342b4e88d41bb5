import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { RunResult } from '@aurola/train';

import { AUROLA_MINI_RECIPE, EXPERIMENT_ROWS, experimentBase, experimentsCommand, experimentTable, summarise } from '../src/experiments.js';

const metrics = (r1: number) => ({ r1, r5: r1, r10: r1, mAP10: r1, medianRank: 1, chanceR1: 0.01 });
const result = (t2a: number, a2t: number): RunResult => ({ runDir: '', modelDir: '', losses: {}, test: { t2a: metrics(t2a), a2t: metrics(a2t) } }) as unknown as RunResult;

describe('experiment rows', () => {
  it('change only what their names say', () => {
    const row = (name: string) => {
      const config = experimentBase('m.jsonl', 1);
      EXPERIMENT_ROWS.find((r) => r.name === name)!.apply(config, (other) => `runs/${other}-seed1`);
      return config;
    };
    const base = experimentBase('m.jsonl', 1);
    expect(row('infonce')).toEqual(base);
    expect(row('infonce').retrieval).toMatchObject({ lambda: 0, beta: 0 });
    expect(row('lambda').retrieval).toMatchObject({ lambda: 0.2, beta: 0 });
    expect(row('beta').retrieval).toMatchObject({ lambda: 0, beta: 0.1 });
    expect(row('hybrid').retrieval).toMatchObject({ lambda: 0.2, beta: 0.1 });
    expect(row('hybrid').text.steps).toBe(0);
    // The single-caption baselines: InfoNCE with one granularity instead of the three.
    expect(row('infonce').retrieval.captions).toBe('multi');
    expect(row('infonceShort')).toEqual({ ...row('infonce'), retrieval: { ...row('infonce').retrieval, captions: 'short' } });
    expect(row('infonceLong')).toEqual({ ...row('infonce'), retrieval: { ...row('infonce').retrieval, captions: 'long' } });
    expect(row('hybrid').retrieval.detachWeights).toBe(false);
    expect(row('hybridBeta1')).toEqual({ ...row('hybrid'), retrieval: { ...row('hybrid').retrieval, beta: 1 } });
    expect(row('detached')).toEqual({ ...row('hybrid'), retrieval: { ...row('hybrid').retrieval, detachWeights: true } });
    // The batch-size pair: each its B-64 row with only the batch changed.
    for (const [big, small] of [['infonce256', 'infonce'], ['hybrid256', 'hybrid']] as const) {
      expect(row(big).retrieval.batchPairs).toBe(256);
      expect(row(big)).toEqual({ ...row(small), retrieval: { ...row(small).retrieval, batchPairs: 256 } });
    }
    // Both directions: each its a2t row with only the direction changed.
    expect(row('infonce').retrieval.direction).toBe('a2t');
    for (const [both, base] of [['infonceBoth', 'infonce'], ['hybridBoth', 'hybrid']] as const) {
      expect(row(both)).toEqual({ ...row(base), retrieval: { ...row(base).retrieval, direction: 'both' } });
    }
    // The same pairs in 64-clip batches: each its 300-step row with only the steps changed.
    for (const [longer, base] of [['infonce4x', 'infonce'], ['hybrid4x', 'hybrid']] as const) {
      expect(row(longer).retrieval.steps).toBe(1200);
      expect(row(longer)).toEqual({ ...row(base), retrieval: { ...row(base).retrieval, steps: 1200 } });
    }
    expect(row('stage1').text.steps).toBeGreaterThan(0);
    expect(row('stage1').rerank.steps).toBe(0);
    expect(row('rerank').rerank.steps).toBeGreaterThan(0);
    const { rerank: longer, ...rerank4x } = row('rerank4x');
    const { rerank: shorter, ...rerank } = row('rerank');
    expect(rerank4x).toEqual(rerank);
    expect(longer).toEqual({ ...shorter, steps: 4 * shorter.steps });
    expect(row('rerank').rerank.negatives).toBe('other-tag');
    expect(row('rerankNear')).toEqual({ ...row('rerank'), rerank: { ...row('rerank').rerank, negatives: 'nearest' } });
    expect(row('rerank').rerank.pairShare).toBe('query');
    expect(row('rerankCand')).toEqual({ ...row('rerank'), rerank: { ...row('rerank').rerank, pairShare: 'candidate' } });
    expect(row('rerank').rerank.judge).toBe('shared');
    expect(row('rerankOwn')).toEqual({ ...row('rerankCand'), rerank: { ...row('rerankCand').rerank, judge: 'own' } });
    expect(row('rerankOwnQuery')).toEqual({ ...row('rerank'), rerank: { ...row('rerank').rerank, judge: 'own' } });
    expect(row('rerankMiniJudge')).toEqual({ ...row('rerankOwnQuery'), rerank: { ...row('rerankOwnQuery').rerank, judgeFrom: 'runs/miniLr-seed1' } });
    expect(row('rerankMiniJudge4x')).toEqual({ ...row('rerankMiniJudge'), rerank: { ...row('rerankMiniJudge').rerank, steps: 400 } });
    for (const name of ['rerankMiniJudge', 'rerankMiniJudge4x']) expect(EXPERIMENT_ROWS.find((r) => r.name === name)!.after).toBe('miniLr');
    expect(row('data10').trainFraction).toBe(0.1);
    expect(row('mini').model.preset).toBe('mini');
    // Model scaling: mini and small differ only in the preset.
    expect(row('small')).toEqual({ ...row('mini'), model: { ...row('mini').model, preset: 'small' } });
    expect(row('small').retrieval.lr).toBe(1e-3);
    // The learning-rate rows: each its base row with only the two embedding stages' rates changed.
    for (const [slower, base] of [['smallLr', 'small'], ['miniLr', 'mini'], ['miniInfonceLr', 'miniInfonce']] as const) {
      expect(row(slower)).toEqual({ ...row(base), text: { ...row(base).text, lr: 3e-4 }, retrieval: { ...row(base).retrieval, lr: 3e-4 } });
    }
    // The mini row without λ and β, nothing else changed.
    expect(row('miniInfonce')).toEqual({ ...row('mini'), retrieval: { ...row('mini').retrieval, lambda: 0, beta: 0 } });
    expect(row('wordvec').model.wordVectors).toBe(true);
    expect(row('stage1').model.wordVectors).toBe(false);
    expect(row('stage1').model.prompts).toBe('chat');
    expect(row('compact')).toEqual({ ...row('stage1'), model: { ...row('stage1').model, prompts: 'compact' } });
    // The prompt rows of the re-ranker: rerankCand with only the prompt style changed.
    for (const [name, prompts] of [['rerankCompact', 'compact'], ['rerankBare', 'bare']] as const) {
      expect(row(name)).toEqual({ ...row('rerankCand'), model: { ...row('rerankCand').model, prompts } });
    }
    // Everything else equal to the hybrid + stage 1 row.
    const { trainFraction: _, ...data10 } = row('data10');
    const { trainFraction: __, ...stage1 } = row('stage1');
    expect(data10).toEqual(stage1);
    expect(new Set(EXPERIMENT_ROWS.map((r) => r.name)).size).toBe(EXPERIMENT_ROWS.length);
  });

  it('aurolaMini: the committed recipe file, key for key, without the re-ranker stage; its seed and manifest the row\'s', async () => {
    const recipe = JSON.parse(await readFile(AUROLA_MINI_RECIPE, 'utf8')) as Record<string, unknown>;
    const row = (name: string, seed: number) => {
      const config = experimentBase('corpus/m.jsonl', seed);
      EXPERIMENT_ROWS.find((r) => r.name === name)!.apply(config, (other) => `runs/${other}-seed${seed}`);
      return config as unknown as Record<string, unknown>;
    };
    /** Every leaf setting of the file, by its dotted path. */
    const leaves = (o: Record<string, unknown>, prefix = ''): [string, unknown][] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? leaves(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, v]]));
    const at = (o: Record<string, unknown>, path: string) => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o);
    const mini = row('aurolaMini', 2);
    expect(leaves(recipe).length).toBeGreaterThan(20);
    for (const [path, value] of leaves(recipe)) {
      if (path === 'seed' || path === 'rerank.steps') continue;
      expect(at(mini, path), path).toEqual(value);
    }
    expect(mini).toMatchObject({ seed: 2, manifest: 'corpus/m.jsonl', rerank: { steps: 0 } });
    expect((recipe.rerank as { steps: number }).steps).toBeGreaterThan(0);
    // Settings the file leaves out are the run defaults, not the experiment scale's.
    expect(mini.eval).toMatchObject({ maxClips: (recipe.eval as { maxClips: number }).maxClips, validationClips: 200 });
    expect(mini.retrieval).toMatchObject({ tau: 0.05, lambda: 0.2, beta: 0.1 });
    const infonce = row('aurolaMiniInfonce', 2);
    expect(infonce).toEqual({ ...mini, retrieval: { ...(mini.retrieval as object), lambda: 0, beta: 0 } });
  });

  it('summarise: mean and sample standard deviation over seeds', () => {
    const s = summarise(EXPERIMENT_ROWS[0]!, [1, 2, 3], [result(0.1, 0.2), result(0.2, 0.2), result(0.6, 0.2)]);
    expect(s.stats['T2A R@1']!.mean).toBeCloseTo(0.3, 12);
    // deviations −0.2, −0.1, 0.3 → (0.04 + 0.01 + 0.09) / 2 = 0.07
    expect(s.stats['T2A R@1']!.std).toBeCloseTo(Math.sqrt(0.07), 12);
    expect(s.stats['A2T R@1']!.std).toBeCloseTo(0, 12);
    expect(s.chance.t2aR1).toBe(0.01);
    const table = experimentTable([s]);
    expect(table).toContain('| infonce |');
    expect(table).toContain('30.0 ± 26.5');
    expect(table).toContain('Chance: T2A R@1 1.00 %');
    // One seed has no spread: the mean alone, not "± 0.0".
    const one = experimentTable([summarise(EXPERIMENT_ROWS[0]!, [2], [result(0.125, 0.25)])]);
    expect(one).toContain('| 2 | 12.5 | 12.5 | 25.0 | 25.0 | 12.5 |');
  });
});

describe('experiments --report', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  /** Captures what the command writes to stdout and stderr (Node's streams, not our code). */
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    return { out: () => out.join(''), err: () => err.join('') };
  };

  it('tabulates the finished runs over the seeds each row has, lists the missing ones and trains nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aurola-report-'));
    dirs.push(dir);
    for (const [seed, t2a] of [[1, 0.1], [3, 0.3]] as const) {
      await mkdir(join(dir, `infonce-seed${seed}`));
      await writeFile(join(dir, `infonce-seed${seed}`, 'metrics.json'), JSON.stringify(result(t2a, 0.2)));
    }
    const io = capture();
    // No --manifest: a row without runs (hybrid) would need one to train, so reaching it proves nothing trains.
    expect(await experimentsCommand(['--out', dir, '--rows', 'infonce,hybrid', '--report'])).toBe(0);
    const table = await readFile(join(dir, 'experiments.md'), 'utf8');
    // T2A R@1 over seeds 1 and 3: mean 0.2, sample std √((0.01 + 0.01) / 1) = 0.141.
    expect(table).toMatch(/\| infonce \| [^|]+ \| 1,3 \| 20\.0 ± 14\.1 \|/);
    expect(table).not.toContain('| hybrid |');
    expect(io.out()).toContain('| infonce |');
    expect(io.err()).toContain('infonce-seed2, hybrid-seed1, hybrid-seed2, hybrid-seed3');
    expect(existsSync(join(dir, 'hybrid-seed1'))).toBe(false);
  });

  it('exits 1 when nothing asked for has finished, 2 without --out or (to train) --manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aurola-report-'));
    dirs.push(dir);
    const io = capture();
    expect(await experimentsCommand(['--out', dir, '--rows', 'hybrid', '--report'])).toBe(1);
    expect(io.err()).toContain('no finished runs');
    expect(await experimentsCommand(['--report'])).toBe(2);
    expect(await experimentsCommand(['--out', dir])).toBe(2);
    expect(io.err()).toContain('usage: aurola-train experiments');
  });

  it('refuses a row whose base run has not finished, before training anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aurola-after-'));
    dirs.push(dir);
    await expect(experimentsCommand(['--manifest', join(dir, 'none.jsonl'), '--out', dir, '--rows', 'rerankMiniJudge', '--seeds', '2'])).rejects.toThrow(
      /rerankMiniJudge-seed2 starts from miniLr-seed2, which has not finished under .*: run --rows miniLr first/,
    );
    expect(existsSync(join(dir, 'rerankMiniJudge-seed2'))).toBe(false);
  });
});
