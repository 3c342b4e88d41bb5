// Argument checks run before any native code. Conventions (as Node's own APIs):
//   TypeError  — a value of the wrong kind: not a typed array, an unknown dtype/device/direction string, a
//                typed array that does not match its declared dtype, mismatched dtypes.
//   RangeError — a number outside its domain: non-integer or non-positive sizes, wrong lengths, NaN/negative
//                loss parameters, mismatched dimensions.
// Every message names the argument.
import type { DeviceCode, DirectionCode, DTypeCode } from './addon.js';
import { DEVICES, DIRECTIONS, DTYPES, type DType, type Matrix } from './dtype.js';
import { checkPositiveInt, show } from '@aurola/args';

export { checkBoolean, checkInt, checkNonNegative, checkPositive, checkPositiveInt, show } from '@aurola/args';

/** A Matrix after validation: dtype resolved, sizes known to be consistent. */
export interface CheckedMatrix {
  data: Float32Array | Uint16Array;
  rows: number;
  cols: number;
  dtype: DType;
  code: DTypeCode;
}

/** Row ids are int32 in the C API. */
export const MAX_ROWS = 2 ** 31 - 1;

function oneOf<K extends string, V>(name: string, value: unknown, table: Readonly<Record<K, V>>): V {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(table, value)) return table[value as K];
  const allowed = Object.keys(table)
    .map((k) => `'${k}'`)
    .join(', ');
  throw new TypeError(`${name} must be one of ${allowed}, got ${show(value)}`);
}

export function checkDType(name: string, value: unknown): DType {
  oneOf(name, value, DTYPES);
  return value as DType;
}

export function checkDevice(name: string, value: unknown): DeviceCode {
  return oneOf(name, value ?? 'auto', DEVICES);
}

export function checkDirection(name: string, value: unknown): DirectionCode {
  return oneOf(name, value ?? 'a2t', DIRECTIONS);
}

/**
 * Checks a Matrix argument. `maxRows` is checked before the data length so that an impossible row count is
 * reported as such.
 */
export function checkMatrix(name: string, m: unknown, maxRows = Number.MAX_SAFE_INTEGER): CheckedMatrix {
  if (typeof m !== 'object' || m === null) {
    throw new TypeError(`${name} must be a matrix { data, rows, cols, dtype? }, got ${show(m)}`);
  }
  const { data, rows, cols, dtype } = m as Partial<Matrix>;
  let resolved: DType;
  if (data instanceof Float32Array) {
    resolved = dtype === undefined ? 'f32' : checkDType(`${name}.dtype`, dtype);
    if (resolved !== 'f32') {
      throw new TypeError(
        `${name}.dtype is '${resolved}' but ${name}.data is a Float32Array; pass the raw ${resolved} words as a ` +
          `Uint16Array (see to${resolved === 'f16' ? 'F16' : 'Bf16'}()) or declare dtype 'f32'`,
      );
    }
  } else if (data instanceof Uint16Array) {
    if (dtype === undefined) {
      throw new TypeError(`${name}.data is a Uint16Array, so ${name}.dtype must say how to read it: 'f16' or 'bf16'`);
    }
    resolved = checkDType(`${name}.dtype`, dtype);
    if (resolved === 'f32') {
      throw new TypeError(`${name}.dtype is 'f32' but ${name}.data is a Uint16Array; f32 data must be a Float32Array`);
    }
  } else {
    throw new TypeError(`${name}.data must be a Float32Array or a Uint16Array, got ${show(data)}`);
  }
  const r = checkPositiveInt(`${name}.rows`, rows);
  if (r > maxRows) throw new RangeError(`${name}.rows must be less than ${maxRows + 1} (row ids are int32), got ${r}`);
  const c = checkPositiveInt(`${name}.cols`, cols);
  if (data.length !== r * c) {
    throw new RangeError(
      `${name}.data has ${data.length} elements but ${name}.rows × ${name}.cols = ${r} × ${c} = ${r * c}`,
    );
  }
  return { data, rows: r, cols: c, dtype: resolved, code: DTYPES[resolved] };
}

export function checkSameCols(aName: string, a: CheckedMatrix, bName: string, b: CheckedMatrix): void {
  if (a.cols !== b.cols) {
    throw new RangeError(
      `${aName}.cols (${a.cols}) and ${bName}.cols (${b.cols}) must be equal: both are rows of one embedding space`,
    );
  }
}

/** Group ids for Hybrid-NCE: B int32 values (negative = no group). */
export function checkGroups(name: string, value: unknown, B: number): Int32Array | null {
  if (value === undefined || value === null) return null;
  let out: Int32Array;
  if (value instanceof Int32Array) {
    out = value;
  } else if (Array.isArray(value)) {
    out = new Int32Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const g: unknown = value[i];
      if (typeof g !== 'number') throw new TypeError(`${name}[${i}] must be a number, got ${show(g)}`);
      if (!Number.isInteger(g) || g < -(2 ** 31) || g > 2 ** 31 - 1) {
        throw new RangeError(`${name}[${i}] must be an int32 group id (negative = none), got ${show(g)}`);
      }
      out[i] = g;
    }
  } else {
    throw new TypeError(`${name} must be an Int32Array or an array of integers, got ${show(value)}`);
  }
  if (out.length !== B) throw new RangeError(`${name} must have one id per row: ${B} expected, got ${out.length}`);
  return out;
}
