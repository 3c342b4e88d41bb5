// The wire-format encoder against byte strings from the protobuf encoding guide, and the GraphBuilder on tiny
// graphs that onnxruntime runs.
import { describe, expect, it } from 'vitest';

import { GraphBuilder } from '../src/onnx/graph.js';
import { float32Tensor, ProtoWriter } from '../src/onnx/protobuf.js';
import { floatTensor, int64Tensor, runFloat, session } from './onnx-helpers.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('ProtoWriter', () => {
  it('encodes the guide examples: varint 150, string "testing", an embedded message', () => {
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
    expect(hex(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).finish())).toBe('1a03089601');
  });

  it('encodes negative int64 as ten bytes, and big values', () => {
    expect(hex(new ProtoWriter().varint(1, -1).finish())).toBe('08ffffffffffffffffff01');
    expect(hex(new ProtoWriter().varint(1, 2n ** 40n).finish())).toBe('08' + '80'.repeat(5) + '20');
    expect(hex(new ProtoWriter().varint(1, 0).finish())).toBe('0800');
  });

  it('encodes float and double little-endian with wire types 5 and 1', () => {
    expect(hex(new ProtoWriter().fixed32Float(2, 1).finish())).toBe('150000803f');
    expect(hex(new ProtoWriter().fixed64Double(1, 1).finish())).toBe('09000000000000f03f');
  });

  it('counts lengths across chunks and nesting', () => {
    const inner = new ProtoWriter().bytes(1, new Uint8Array(200).fill(7)).varint(2, 1);
    const outer = new ProtoWriter().message(5, inner).finish();
    // tag 0x2a, length 205 = varint cd 01, then the inner: 0a c8 01 <200 bytes> 10 01.
    expect(outer.length).toBe(1 + 2 + 205);
    expect(hex(outer.subarray(0, 6))).toBe('2acd010ac801');
    expect(hex(outer.subarray(outer.length - 2))).toBe('1001');
  });

  it('rejects non-integer varints and tensors whose dims do not match their data', () => {
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow();
    expect(() => float32Tensor('t', new Float32Array(5), [2, 3])).toThrow(RangeError);
  });
});

describe('GraphBuilder', () => {
  it('writes a model onnxruntime runs: (a + b) · W, symbolic batch', async () => {
    const g = new GraphBuilder('tiny');
    const a = g.input('a', 'float', ['n', 2]);
    const b = g.input('b', 'float', ['n', 2]);
    const w = g.initializer('w', Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    g.output(g.matMul(g.add(a, b), w), 'y', 'float', ['n', 3]);
    const out = await runFloat(await session(g.toBytes()), {
      a: floatTensor(Float32Array.from([1, 0, 0, 1]), [2, 2]),
      b: floatTensor(Float32Array.from([0, 1, 2, 0]), [2, 2]),
    });
    // rows (1, 1) and (2, 1) times [[1, 2, 3], [4, 5, 6]].
    expect(Array.from(out.y!.data)).toEqual([5, 7, 9, 6, 9, 12]);
    expect(out.y!.dims).toEqual([2, 3]);
  });

  it('passes int64 through Gather, Unsqueeze, Slice and Concat', async () => {
    const g = new GraphBuilder('ints');
    const ids = g.input('ids', 'int64', [4]);
    const table = g.initializer('table', Float32Array.from([10, 11, 20, 21, 30, 31]), [3, 2]);
    const rows = g.gather(table, ids, 0); // [4, 2]
    const swapped = g.concat([g.slice(rows, [1], [2], [-1]), g.neg(g.slice(rows, [0], [1], [-1]))], -1);
    g.output(g.unsqueeze(swapped, [0]), 'y', 'float', [1, 4, 2]);
    const out = await runFloat(await session(g.toBytes()), { ids: int64Tensor([2, 0, 1, 2], [4]) });
    expect(Array.from(out.y!.data)).toEqual([31, -30, 11, -10, 21, -20, 31, -30]);
    expect(out.y!.dims).toEqual([1, 4, 2]);
  });

  it('shares equal constants and refuses a name twice', () => {
    const g = new GraphBuilder('names');
    expect(g.constFloat([0.5], [])).toBe(g.constFloat([0.5], []));
    expect(g.constFloat([0.5], [])).not.toBe(g.constFloat([0.5], [1]));
    g.input('x', 'float', [1]);
    expect(() => g.input('x', 'float', [1])).toThrow(/used twice/);
    expect(() => g.initializer('x', new Float32Array(1), [1])).toThrow(/used twice/);
  });
});
