// A small builder for single-graph ONNX models: initializers, inputs, outputs and nodes with unique value names,
// plus one readable helper per operator the decoder and audio encoder use. Each helper returns the name of its
// (single) output, so graphs read like the forward pass they compute.

import {
  DataType,
  encodeModel,
  float32Tensor,
  int64Tensor,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './protobuf.js';

/** The IR version and default-domain opset the writer targets (ReduceMean still takes `axes` as an attribute in 17). */
export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export type ElemType = 'float' | 'int64';
/** A fixed size, or a symbolic one shared by name ('batch', 'sequence'). */
export type Dim = number | string;

const ELEM: Record<ElemType | 'bool', DataType> = { float: DataType.FLOAT, int64: DataType.INT64, bool: DataType.BOOL };

/** Attribute constructors, so that node calls say what type each attribute is. */
export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: 'INT', i }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({ name, type: 'INTS', ints }),
  float: (name: string, f: number): AttributeProto => ({ name, type: 'FLOAT', f }),
  floats: (name: string, floats: readonly number[]): AttributeProto => ({ name, type: 'FLOATS', floats }),
  string: (name: string, s: string): AttributeProto => ({ name, type: 'STRING', s }),
  tensor: (name: string, t: TensorProto): AttributeProto => ({ name, type: 'TENSOR', t }),
};

/** 1-D convolution settings (one spatial axis). */
export interface Conv1dOptions {
  kernel: number;
  stride: number;
  /** Zero padding at each end. */
  pad: number;
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly constants = new Map<string, string>();

  constructor(readonly name: string) {}

  // ---- graph interface ----

  /** Declares a graph input; its name is taken as given. */
  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    this.inputs.push({ name: this.claim(name), elemType: ELEM[type], dims });
    return name;
  }

  /** Declares `value` a graph output called `name` (through an Identity when the names differ). */
  output(value: string, name: string, type: ElemType, dims: readonly Dim[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [this.claim(name)], name });
    this.outputs.push({ name, elemType: ELEM[type], dims });
  }

  /** A named constant tensor (weights); the data is referenced, not copied, until `toBytes`. */
  initializer(name: string, data: Float32Array | BigInt64Array, dims: readonly number[]): string {
    this.claim(name);
    return this.addTensor(name, data, dims);
  }

  /** A small float constant (a scalar when dims is []); equal constants are shared. */
  constFloat(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('f', Float32Array.from(values), dims);
  }

  /** A small int64 constant (a scalar when dims is []); equal constants are shared. */
  constInt64(values: readonly (number | bigint)[], dims: readonly number[] = [values.length]): string {
    return this.constant('i', BigInt64Array.from(values, (v) => BigInt(v)), dims);
  }

  /** A node with one output; returns the output's fresh name. */
  node(opType: string, inputs: readonly string[], attributes: readonly AttributeProto[] = [], hint = opType): string {
    const output = this.fresh(hint);
    this.nodes.push({ opType, inputs, outputs: [output], name: output, attributes });
    return output;
  }

  /** A fresh value name built from `hint`. */
  fresh(hint: string): string {
    let n = this.counters.get(hint) ?? 0;
    while (this.names.has(`${hint}_${n}`)) n++;
    this.counters.set(hint, n + 1);
    return this.claim(`${hint}_${n}`);
  }

  /** The serialized ModelProto (IR 8, opset 17, default domain). */
  toBytes(producerName = 'aurola'): Uint8Array {
    return encodeModel({
      irVersion: ONNX_IR_VERSION,
      producerName,
      opsetImports: [{ domain: '', version: ONNX_OPSET }],
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    });
  }

  // ---- elementwise ----

  add = (a: string, b: string): string => this.node('Add', [a, b]);
  sub = (a: string, b: string): string => this.node('Sub', [a, b]);
  mul = (a: string, b: string): string => this.node('Mul', [a, b]);
  div = (a: string, b: string): string => this.node('Div', [a, b]);
  pow = (a: string, b: string): string => this.node('Pow', [a, b]);
  sqrt = (x: string): string => this.node('Sqrt', [x]);
  neg = (x: string): string => this.node('Neg', [x]);
  sigmoid = (x: string): string => this.node('Sigmoid', [x]);
  erf = (x: string): string => this.node('Erf', [x]);
  identity = (x: string): string => this.node('Identity', [x]);
  less = (a: string, b: string): string => this.node('Less', [a, b]);
  equal = (a: string, b: string): string => this.node('Equal', [a, b]);
  or = (a: string, b: string): string => this.node('Or', [a, b]);
  where = (condition: string, a: string, b: string): string => this.node('Where', [condition, a, b]);
  cast = (x: string, to: ElemType | 'bool'): string => this.node('Cast', [x], [attr.int('to', ELEM[to])]);

  // ---- linear algebra and reductions ----

  matMul = (a: string, b: string): string => this.node('MatMul', [a, b]);
  softmax = (x: string, axis = -1): string => this.node('Softmax', [x], [attr.int('axis', axis)]);
  reduceMean = (x: string, axes: readonly number[], keepDims = true): string =>
    this.node('ReduceMean', [x], [attr.ints('axes', axes), attr.int('keepdims', keepDims ? 1 : 0)]);

  conv1d(x: string, weight: string, bias: string, o: Conv1dOptions): string {
    return this.node(
      'Conv',
      [x, weight, bias],
      [attr.ints('kernel_shape', [o.kernel]), attr.ints('strides', [o.stride]), attr.ints('pads', [o.pad, o.pad])],
    );
  }

  // ---- shapes and indexing ----

  transpose = (x: string, perm: readonly number[]): string => this.node('Transpose', [x], [attr.ints('perm', perm)]);
  /** `shape` may hold 0 (copy that input dim) and one -1 (infer). */
  reshape = (x: string, shape: readonly number[]): string => this.node('Reshape', [x, this.constInt64(shape)]);
  unsqueeze = (x: string, axes: readonly number[]): string => this.node('Unsqueeze', [x, this.constInt64(axes)]);
  shape = (x: string): string => this.node('Shape', [x]);
  gather = (data: string, indices: string, axis = 0): string => this.node('Gather', [data, indices], [attr.int('axis', axis)]);
  concat = (xs: readonly string[], axis: number): string => this.node('Concat', xs, [attr.int('axis', axis)]);
  /** Scalar int64 inputs (0-d tensors). */
  range = (start: string, limit: string, delta: string): string => this.node('Range', [start, limit, delta]);

  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[]): string {
    return this.node('Slice', [x, this.constInt64(starts), this.constInt64(ends), this.constInt64(axes)]);
  }

  // ---- internals ----

  private constant(kind: 'f' | 'i', data: Float32Array | BigInt64Array, dims: readonly number[]): string {
    const key = `${kind}[${dims.join(',')}]${Array.from(data as ArrayLike<number | bigint>).join(',')}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.addTensor(this.fresh('const'), data, dims);
    this.constants.set(key, name);
    return name;
  }

  private addTensor(name: string, data: Float32Array | BigInt64Array, dims: readonly number[]): string {
    this.initializers.push(data instanceof Float32Array ? float32Tensor(name, data, dims) : int64Tensor(name, data, dims));
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph ${this.name}: value name ${name} is used twice`);
    this.names.add(name);
    return name;
  }
}
