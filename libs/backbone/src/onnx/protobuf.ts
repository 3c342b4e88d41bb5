// A minimal protobuf wire-format encoder and the few ONNX messages aurola's writer emits (field numbers from
// onnx/onnx.proto). Encode-only: we never read models here, onnxruntime does. Repeated scalars are written
// unpacked, the proto2 default that onnx.proto declares; every protobuf parser accepts it.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

/** Builds one message as a list of chunks, so large tensors are copied once, when the model is finished. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private pending: number[] = [];
  private size = 0;

  /** Bytes written so far (nested messages need their length up front). */
  get length(): number {
    return this.size;
  }

  /** An int32/int64/uint64/enum/bool field; negative values take 10 bytes (two's complement), as protobuf says. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  /** A `float` field (IEEE 754 single, little-endian). */
  fixed32Float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.tag(field, WIRE_FIXED32);
    return this.append(bytes);
  }

  /** A `double` field (IEEE 754 double, little-endian). */
  fixed64Double(field: number, value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    this.tag(field, WIRE_FIXED64);
    return this.append(bytes);
  }

  /** A `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.rawVarint(value.length);
    return this.append(value);
  }

  /** A `string` field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message field. */
  message(field: number, value: ProtoWriter): this {
    this.tag(field, WIRE_BYTES);
    this.rawVarint(value.length);
    value.flush();
    for (const chunk of value.chunks) this.append(chunk);
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wire: number): void {
    if (!Number.isInteger(field) || field < 1) throw new RangeError(`bad protobuf field number ${field}`);
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number | bigint): void {
    // BigInt(1.5) throws, so non-integers never slip through; asUintN gives the 64-bit two's complement.
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.pushByte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pushByte(Number(v));
  }

  private pushByte(byte: number): void {
    this.pending.push(byte);
    this.size++;
  }

  private append(bytes: Uint8Array): this {
    this.flush();
    this.chunks.push(bytes);
    this.size += bytes.length;
    return this;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.chunks.push(Uint8Array.from(this.pending));
    this.pending = [];
  }
}

// ---- ONNX messages ----

/** TensorProto.DataType values we use. */
export const DataType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;
export type DataType = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values we use. */
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** A tensor stored in raw_data (fixed-width little-endian, row-major). */
export interface TensorProto {
  name: string;
  dataType: DataType;
  dims: readonly number[];
  rawData: Uint8Array;
}

export type AttributeProto = { name: string } & (
  | { type: 'FLOAT'; f: number }
  | { type: 'INT'; i: number | bigint }
  | { type: 'STRING'; s: string }
  | { type: 'TENSOR'; t: TensorProto }
  | { type: 'FLOATS'; floats: readonly number[] }
  | { type: 'INTS'; ints: readonly (number | bigint)[] }
);

export interface NodeProto {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Empty or absent: the default ONNX domain. */
  domain?: string;
  attributes?: readonly AttributeProto[];
}

/** A tensor-typed graph input or output; a string dim is symbolic (dim_param), a number fixed (dim_value). */
export interface ValueInfoProto {
  name: string;
  elemType: DataType;
  dims: readonly (number | string)[];
}

export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
}

export interface OperatorSetIdProto {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  producerName: string;
  producerVersion?: string;
  opsetImports: readonly OperatorSetIdProto[];
  graph: GraphProto;
}

/** A FLOAT tensor; the bytes are shared with `data` on little-endian hosts. */
export function float32Tensor(name: string, data: Float32Array, dims: readonly number[]): TensorProto {
  checkCount(name, data.length, dims);
  return { name, dataType: DataType.FLOAT, dims, rawData: littleEndianBytes(data) };
}

/** An INT64 tensor. */
export function int64Tensor(name: string, data: BigInt64Array, dims: readonly number[]): TensorProto {
  checkCount(name, data.length, dims);
  return { name, dataType: DataType.INT64, dims, rawData: littleEndianBytes(data) };
}

/** The serialized ModelProto. */
export function encodeModel(model: ModelProto): Uint8Array {
  const w = new ProtoWriter().varint(1, model.irVersion).string(2, model.producerName);
  if (model.producerVersion !== undefined) w.string(3, model.producerVersion);
  w.message(7, graphMessage(model.graph));
  for (const opset of model.opsetImports) w.message(8, opsetMessage(opset));
  return w.finish();
}

function opsetMessage(opset: OperatorSetIdProto): ProtoWriter {
  const w = new ProtoWriter();
  if (opset.domain !== '') w.string(1, opset.domain);
  return w.varint(2, opset.version);
}

function graphMessage(graph: GraphProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const node of graph.nodes) w.message(1, nodeMessage(node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, tensorMessage(tensor));
  for (const input of graph.inputs) w.message(11, valueInfoMessage(input));
  for (const output of graph.outputs) w.message(12, valueInfoMessage(output));
  return w;
}

function nodeMessage(node: NodeProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  if (node.name !== undefined) w.string(3, node.name);
  w.string(4, node.opType);
  for (const attribute of node.attributes ?? []) w.message(5, attributeMessage(attribute));
  if (node.domain) w.string(7, node.domain);
  return w;
}

function attributeMessage(a: AttributeProto): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name).varint(20, ATTRIBUTE_TYPE[a.type]);
  switch (a.type) {
    case 'FLOAT':
      return w.fixed32Float(2, a.f);
    case 'INT':
      return w.varint(3, a.i);
    case 'STRING':
      return w.string(4, a.s);
    case 'TENSOR':
      return w.message(5, tensorMessage(a.t));
    case 'FLOATS':
      for (const f of a.floats) w.fixed32Float(7, f);
      return w;
    case 'INTS':
      for (const i of a.ints) w.varint(8, i);
      return w;
  }
}

function tensorMessage(t: TensorProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.varint(1, d);
  w.varint(2, t.dataType).string(8, t.name);
  return w.bytes(9, t.rawData);
}

function valueInfoMessage(v: ValueInfoProto): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    // TensorShapeProto.Dimension: dim_value 1, dim_param 2.
    shape.message(1, typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().varint(1, v.elemType).message(2, shape); // TypeProto.Tensor
  const type = new ProtoWriter().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoWriter().string(1, v.name).message(2, type);
}

function checkCount(name: string, length: number, dims: readonly number[]): void {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== length) throw new RangeError(`tensor ${name}: ${length} values for dims [${dims.join(', ')}] (${count})`);
}

function littleEndianBytes(data: Float32Array | BigInt64Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return out;
}
