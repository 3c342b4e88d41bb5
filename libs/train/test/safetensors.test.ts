// safetensors round trips, the byte layout checked by hand against the format's description, and damaged files.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { decodeSafetensors, encodeSafetensors, readSafetensors, SafetensorsError, writeSafetensors } from '../src/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'aurola-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

describe('safetensors', () => {
  it('lays out header length, JSON header and little-endian data as the format says', async () => {
    const a = random(6);
    const b = random(5);
    const path = join(dir, 'x.safetensors');
    await writeSafetensors(path, { 'layers.0.wq': { shape: [2, 3], data: a }, bias: { shape: [5], data: b } }, { step: '7' });
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0); // data 8-byte aligned
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(header.__metadata__).toEqual({ step: '7' });
    expect(header['layers.0.wq']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.bias).toEqual({ dtype: 'F32', shape: [5], data_offsets: [24, 44] });
    for (let i = 0; i < 6; i++) expect(bytes.readFloatLE(8 + n + 4 * i)).toBe(a[i]);
    for (let i = 0; i < 5; i++) expect(bytes.readFloatLE(8 + n + 24 + 4 * i)).toBe(b[i]);
    const back = await readSafetensors(path);
    expect(back.tensors['layers.0.wq']!.data).toEqual(a);
    expect(back.tensors.bias!.shape).toEqual([5]);
    expect(back.metadata).toEqual({ step: '7' });
  });

  it('reads a file written by hand (another writer) with tensors in a different order', () => {
    const w = random(4);
    const json = JSON.stringify({ z: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, a: { dtype: 'F32', shape: [0], data_offsets: [16, 16] } });
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(json.length));
    const file = Buffer.concat([head, Buffer.from(json), Buffer.from(w.buffer)]);
    const { tensors } = decodeSafetensors(new Uint8Array(file));
    expect(tensors.z!.data).toEqual(w);
    expect(tensors.a!.data.length).toBe(0);
  });

  it('names the file and the problem for damaged input', () => {
    const good = encodeSafetensors({ w: { shape: [3], data: random(3) } });
    const cases: [string, Uint8Array, RegExp][] = [
      ['short', good.subarray(0, 5), /shorter than/],
      ['huge header', (() => { const c = good.slice(); new DataView(c.buffer).setBigUint64(0, 1n << 40n, true); return c; })(), /runs past/],
      ['truncated data', good.subarray(0, good.length - 4), /outside the data/],
      ['extra data', new Uint8Array([...good, 1, 2, 3, 4]), /belong to no tensor/],
      ['not json', (() => { const c = good.slice(); c[8] = 0x7a; return c; })(), /not JSON/],
    ];
    for (const [name, bytes, message] of cases) {
      let error: unknown;
      try {
        decodeSafetensors(bytes, `${name}.safetensors`);
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(SafetensorsError);
      expect((error as Error).message, name).toMatch(message);
      expect((error as Error).message).toContain(`${name}.safetensors`);
    }
    const f16 = JSON.stringify({ w: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } });
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(f16.length));
    expect(() => decodeSafetensors(new Uint8Array(Buffer.concat([head, Buffer.from(f16), Buffer.alloc(2)])))).toThrow(/only F32/);
    expect(() => encodeSafetensors({ w: { shape: [2, 2], data: random(3) } })).toThrow(/does not hold/);
  });
});
