// Argument checks shared by the DSP functions, with the conventions of Node's own APIs:
//   TypeError  — a value of the wrong kind (not a Float32Array, not a number, an unknown option string);
//   RangeError — a number outside its domain (a sample rate ≤ 0, an empty signal, nMels ≤ 0, nFft < hop…).
// Every message names the argument.

import { checkPositive, checkPositiveInt, show } from '@aurola/args';

export { checkBoolean, checkNonNegative, checkPositive, checkPositiveInt, show } from '@aurola/args';

/** No real audio runs faster than this; larger values are corrupt headers, not sample rates. */
const MAX_SAMPLE_RATE = 10_000_000;

/** A Float32Array; `nonEmpty` rejects zero-length signals. */
export function checkSignal(name: string, value: unknown, nonEmpty = true): Float32Array {
  if (!(value instanceof Float32Array)) throw new TypeError(`${name} must be a Float32Array, got ${show(value)}`);
  if (nonEmpty && value.length === 0) throw new RangeError(`${name} is empty (0 samples)`);
  return value;
}

/** A sample rate in Hz: a finite number > 0 (integer where the caller needs exact ratios). */
export function checkRate(name: string, value: unknown, integer = false): number {
  if (integer) return checkPositiveInt(name, value, MAX_SAMPLE_RATE);
  const v = checkPositive(name, value);
  if (v > MAX_SAMPLE_RATE) throw new RangeError(`${name} must be at most ${MAX_SAMPLE_RATE} Hz, got ${v}`);
  return v;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new TypeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`);
}

/** An options argument: undefined (all defaults) or a plain object. */
export function checkOptions<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${show(value)}`);
  }
  return value;
}
