// The published shape of @aurola/kernels: built JavaScript, imported by plain Node.js (no TypeScript loader, no
// source export condition), computing a search whose answer this test derives independently.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Runs an ES module with plain `node` from this folder; `input` arrives on its standard input. */
function runNode(source: string, input = ''): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: here, encoding: 'utf8', input });
}

describe('built @aurola/kernels', () => {
  it('imports from dist and searches a random corpus exactly', () => {
    const n = 300 + Math.floor(Math.random() * 300);
    const d = 1 + Math.floor(Math.random() * 40);
    const corpus = Array.from({ length: n * d }, () => Math.random() * 2 - 1);
    const query = Array.from({ length: d }, () => Math.random() * 2 - 1);
    const out = runNode(
      `
      import { readFileSync } from 'node:fs';
      import { search } from '@aurola/kernels';
      const { query, corpus } = JSON.parse(readFileSync(0, 'utf8'));
      const r = search({ data: new Float32Array(query), rows: 1, cols: ${d} },
                       { data: new Float32Array(corpus), rows: ${n}, cols: ${d} }, { k: 5 });
      console.log(JSON.stringify(Array.from(r.ids)));
    `,
      JSON.stringify({ query, corpus }),
    );
    // Expected: the 5 best rows by float64 inner product of the f32-rounded inputs.
    const q32 = Float32Array.from(query);
    const c32 = Float32Array.from(corpus);
    const scores = Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let p = 0; p < d; p++) s += q32[p]! * c32[j * d + p]!;
      return { j, s };
    }).sort((a, b) => b.s - a.s || a.j - b.j);
    expect(JSON.parse(out.trim())).toEqual(scores.slice(0, 5).map((x) => x.j));
  });

  it('reports a clear error for an invalid k through the built package', () => {
    expect(() =>
      runNode(`
        import { search } from '@aurola/kernels';
        search({ data: new Float32Array(4), rows: 1, cols: 4 }, { data: new Float32Array(8), rows: 2, cols: 4 }, { k: 0 });
      `),
    ).toThrow(/k/);
  });
});
