// @aurola/args — what every library shares: argument checks for public functions, with the conventions of Node's
// own APIs (TypeError for a value of the wrong kind, RangeError for a number outside its domain; every message names
// the argument and shows what was passed), and the seeded random number generator (./rng.ts).
export { makeRng, type Rng } from './rng.js';

/** A short, safe rendering of any value for an error message. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v == null) return String(v);
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length?: number }).length ?? '?'})`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  return typeof v;
}

/** A number (NaN and ±Infinity included: the callers decide their domain). */
export function checkNumber(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${show(value)}`);
  return value;
}

/** A boolean, or `fallback` when undefined. */
export function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${show(value)}`);
  return value;
}

/** A finite number > 0. */
export function checkPositive(name: string, value: unknown): number {
  const v = checkNumber(name, value);
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a finite number > 0, got ${show(v)}`);
  return v;
}

/** A finite number ≥ 0. */
export function checkNonNegative(name: string, value: unknown): number {
  const v = checkNumber(name, value);
  if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a finite number >= 0, got ${show(v)}`);
  return v;
}

/** A safe integer of any sign. */
export function checkInt(name: string, value: unknown): number {
  const v = checkNumber(name, value);
  if (!Number.isSafeInteger(v)) throw new RangeError(`${name} must be an integer, got ${show(v)}`);
  return v;
}

/** An integer in [1, max]. */
export function checkPositiveInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  const v = checkNumber(name, value);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${show(v)}`);
  if (v > max) throw new RangeError(`${name} must be at most ${max}, got ${v}`);
  return v;
}
