// The server's small parts on their own: Range parsing, the Prometheus text, deadlines, limits.
import { describe, expect, it } from 'vitest';

import { ApiError, withDeadline } from '../src/errors.js';
import { Counter, Histogram } from '../src/metrics.js';
import { resolveLimits } from '../src/options.js';
import { audioContentType, parseRange } from '../src/range.js';

describe('parseRange', () => {
  it('reads the three forms of a single byte range', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'range', start: 0, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ kind: 'range', start: 50, end: 99 });
    expect(parseRange(' bytes = 1 - 2 ', 100)).toEqual({ kind: 'range', start: 1, end: 2 });
  });

  it('a range starting at or past the end is unsatisfiable, as is an empty suffix', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=500-600', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('anything else is ignored (the whole file is sent)', () => {
    for (const h of [undefined, '', 'bytes=', 'bytes=-', 'bytes=5-2', 'bytes=0-1,4-5', 'items=0-9', 'bytes=a-b', 'bytes=99999999999999999999-']) {
      expect(parseRange(h, 100), String(h)).toEqual({ kind: 'none' });
    }
  });

  it('content types by extension', () => {
    expect(audioContentType('/x/a.WAV')).toBe('audio/wav');
    expect(audioContentType('/x/a.flac')).toBe('audio/flac');
    expect(audioContentType('/x/a.mp3')).toBe('audio/mpeg');
    expect(audioContentType('/x/a.opus')).toBe('audio/ogg');
    expect(audioContentType('/x/noext')).toBe('application/octet-stream');
  });
});

describe('Prometheus text', () => {
  it('counters with escaped labels', () => {
    const c = new Counter('x_total', 'Things.');
    c.inc({ route: '/a' });
    c.inc({ route: '/a' }, 2);
    c.inc({ route: 'q"uote\\back\nline' });
    expect(c.render()).toBe(
      ['# HELP x_total Things.', '# TYPE x_total counter', 'x_total{route="/a"} 3', 'x_total{route="q\\"uote\\\\back\\nline"} 1'].join('\n'),
    );
  });

  it('histograms are cumulative, with +Inf, sum and count', () => {
    const h = new Histogram('t_seconds', 'Time.', [0.1, 1]);
    h.observe({ m: 'a' }, 0.05);
    h.observe({ m: 'a' }, 0.5);
    h.observe({ m: 'a' }, 5);
    expect(h.render().split('\n')).toEqual([
      '# HELP t_seconds Time.',
      '# TYPE t_seconds histogram',
      't_seconds_bucket{m="a",le="0.1"} 1',
      't_seconds_bucket{m="a",le="1"} 2',
      't_seconds_bucket{m="a",le="+Inf"} 3',
      't_seconds_sum{m="a"} 5.55',
      't_seconds_count{m="a"} 3',
    ]);
  });
});

describe('withDeadline', () => {
  it('passes results and errors through, and turns a hang into a 503 timeout', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
    const hang = new Promise<never>(() => undefined);
    const e = await withDeadline(hang, 10, 'the search').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 503, code: 'timeout', message: 'the search took longer than 10 ms' });
  });
});

describe('limits', () => {
  it('defaults, overrides and refusals', () => {
    expect(resolveLimits(undefined).maxK).toBe(1000);
    expect(resolveLimits({ maxK: 50 }).maxK).toBe(50);
    expect(() => resolveLimits({ maxK: 0 })).toThrow(RangeError);
    expect(() => resolveLimits({ maxK: 2.5 })).toThrow(/integer/);
    expect(() => resolveLimits({ nope: 1 } as never)).toThrow(/not a known limit/);
    expect(() => resolveLimits({ rerankK: 500 })).toThrow(/maxRerankK/);
  });
});

