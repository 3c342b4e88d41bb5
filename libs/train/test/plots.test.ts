import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';

import { lineChartSvg, runningMean, writeTrainingPlots } from '../src/index.js';

/** The polylines' coordinates of an SVG, in order. */
const polylines = (svg: string) => [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]));

describe('runningMean', () => {
  it('is the mean of the last window values at every point', () => {
    const rng = makeRng('running-mean');
    const values = Array.from({ length: 57 }, () => rng() * 10 - 5);
    for (const window of [1, 3, 20, 100]) {
      const got = runningMean(values, window);
      values.forEach((_, i) => {
        const slice = values.slice(Math.max(0, i - window + 1), i + 1);
        expect(got[i]).toBeCloseTo(slice.reduce((a, b) => a + b, 0) / slice.length, 10);
      });
    }
  });
});

describe('lineChartSvg', () => {
  it('draws one polyline per series, higher values higher up, left to right in x', () => {
    const svg = lineChartSvg({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 'rising', points: [[0, 0], [5, 1], [10, 2]] },
        { name: 'falling', points: [[0, 2], [10, 0.5]] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    const [rising, falling] = polylines(svg);
    expect(rising).toHaveLength(3);
    expect(falling).toHaveLength(2);
    // SVG y grows downwards: a rising series goes up the page.
    expect(rising![0]![1]).toBeGreaterThan(rising![2]![1]);
    expect(rising![0]![0]).toBeLessThan(rising![2]![0]);
    // Equal values map to equal heights across series (one shared y scale).
    expect(rising![2]![1]).toBeCloseTo(falling![0]![1], 5);
    expect(svg).toContain('rising');
  });

  it('refuses a chart without points', () => {
    expect(() => lineChartSvg({ title: 'empty', xLabel: '', yLabel: '', series: [{ name: 'a', points: [] }] })).toThrow(/no points/);
  });
});

describe('writeTrainingPlots', () => {
  it('plots every stage after the previous one, the re-logged steps of a resumed stage once', async () => {
    const run = mkdtempSync(join(tmpdir(), 'aurola-plots-'));
    const lines = (stage: string, steps: number[], extra: (s: number) => object) => steps.map((step) => JSON.stringify({ stage, step, ...extra(step) })).join('\n');
    mkdirSync(join(run, 'text'));
    writeFileSync(join(run, 'text', 'log.jsonl'), lines('text', [1, 2, 3, 4], (s) => ({ loss: 5 - s })));
    mkdirSync(join(run, 'retrieval'));
    // Steps 3–4 logged twice (killed after step 4, resumed from the checkpoint of step 2): the later lines win.
    writeFileSync(
      join(run, 'retrieval', 'log.jsonl'),
      [
        JSON.stringify({ stage: 'retrieval', step: 0, validation: { 'T2A R@1': 0.1 } }),
        lines('retrieval', [1, 2, 3, 4], () => ({ loss: 9 })),
        lines('retrieval', [3, 4, 5, 6], () => ({ loss: 1 })),
        JSON.stringify({ stage: 'retrieval', step: 6, validation: { 'T2A R@1': 0.6 } }),
      ].join('\n'),
    );
    const files = await writeTrainingPlots(run);
    {
      expect(files.map((f) => f.slice(run.length + 1)).sort()).toEqual(['plots/loss.svg', 'plots/validation.svg']);
      const loss = polylines(readFileSync(join(run, 'plots', 'loss.svg'), 'utf8'));
      expect(loss.map((p) => p.length)).toEqual([4, 6]);
      // The retrieval stage starts where the text stage ended.
      expect(loss[1]![0]![0]).toBeGreaterThan(loss[0]![3]![0]);
      const recall = polylines(readFileSync(join(run, 'plots', 'validation.svg'), 'utf8'));
      expect(recall).toHaveLength(1);
      expect(recall[0]![0]![1]).toBeGreaterThan(recall[0]![1]![1]);
      expect(existsSync(join(run, 'plots', 'loss.svg'))).toBe(true);
    }
  });
});
