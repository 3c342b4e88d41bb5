// Each check accepts its domain, rejects the rest with the right error type, and names the argument.
import { describe, expect, it } from 'vitest';

import { checkBoolean, checkInt, checkNonNegative, checkNumber, checkPositive, checkPositiveInt, show } from '../src/index.js';

const wrongKinds: unknown[] = ['1', null, undefined, {}, [1], true, 1n];

describe('argument checks', () => {
  it('accept their domain and return the value', () => {
    const x = Math.random() * 100 + 0.5;
    expect(checkNumber('x', NaN)).toBeNaN();
    expect(checkPositive('x', x)).toBe(x);
    expect(checkNonNegative('x', 0)).toBe(0);
    expect(checkInt('n', -7)).toBe(-7);
    expect(checkPositiveInt('k', 3, 3)).toBe(3);
    expect(checkBoolean('b', undefined, true)).toBe(true);
    expect(checkBoolean('b', false, true)).toBe(false);
  });

  it('reject values of the wrong kind with a TypeError naming the argument', () => {
    for (const v of wrongKinds) {
      for (const check of [checkNumber, checkPositive, checkNonNegative, checkInt, checkPositiveInt]) {
        if (typeof v === 'number') continue;
        expect(() => check('theArg', v)).toThrow(TypeError);
        expect(() => check('theArg', v)).toThrow(/^theArg must be a number, got /);
      }
    }
    expect(() => checkBoolean('flag', 1, false)).toThrow(new TypeError('flag must be a boolean, got 1'));
  });

  it('reject numbers outside the domain with a RangeError', () => {
    const cases: [(n: string, v: unknown) => number, unknown[]][] = [
      [checkPositive, [0, -1, NaN, Infinity]],
      [checkNonNegative, [-1e-9, NaN, -Infinity, Infinity]],
      [checkInt, [1.5, NaN, 2 ** 60]],
      [checkPositiveInt, [0, -3, 2.5, NaN, Infinity]],
    ];
    for (const [check, bad] of cases) for (const v of bad) expect(() => check('v', v), String(v)).toThrow(RangeError);
    expect(() => checkPositiveInt('k', 5, 4)).toThrow(new RangeError('k must be at most 4, got 5'));
  });

  it('show renders values briefly', () => {
    expect(show('a"b')).toBe('"a\\"b"');
    expect(show(new Float32Array(3))).toBe('Float32Array(3)');
    expect(show([1, 2])).toBe('Array(2)');
    expect(show({ a: 1 })).toBe('object');
    expect(show(undefined)).toBe('undefined');
  });
});
