// Storage dtypes, devices and the Matrix shape the API takes.
import type { DeviceCode, DirectionCode, DTypeCode } from './addon.js';

/** Storage dtype of embedding data. Arithmetic always accumulates in f32. */
export type DType = 'f32' | 'f16' | 'bf16';

/** Where a kernel runs. 'auto' picks CUDA when the addon was built with it and a device is present. */
export type Device = 'auto' | 'cpu' | 'cuda';

/** Direction of the Hybrid-NCE loss: audio→text rows (the paper's), text→audio rows, or the mean of both. */
export type NceDirection = 'a2t' | 't2a' | 'both';

/**
 * A dense row-major matrix of `rows × cols` elements.
 * - `Float32Array` data is f32 (`dtype` may be omitted or `'f32'`).
 * - `Uint16Array` data holds raw f16 (IEEE binary16) or bf16 (bfloat16) words; `dtype` is then required.
 */
export interface Matrix {
  data: Float32Array | Uint16Array;
  rows: number;
  cols: number;
  dtype?: DType;
}

export const DTYPES: Readonly<Record<DType, DTypeCode>> = { f32: 0, f16: 1, bf16: 2 };
export const DEVICES: Readonly<Record<Device, DeviceCode>> = { auto: 0, cpu: 1, cuda: 2 };
export const DIRECTIONS: Readonly<Record<NceDirection, DirectionCode>> = { a2t: 0, t2a: 1, both: 2 };
