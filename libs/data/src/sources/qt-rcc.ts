// Reader of Qt binary resource bundles (.rcc, as `rcc -binary` writes them; GCompris ships its sounds this way).
// Layout: "qres", version, then offsets of a node tree, a data area and a name table. Each tree node is a
// directory (children are a contiguous run of nodes) or a file (an offset into the data area, optionally
// zlib-compressed in Qt's qCompress framing: a 4-byte big-endian length, then the zlib stream).
import { inflateSync } from 'node:zlib';

export interface RccFile {
  /** Path inside the bundle, '/'-separated, without a leading slash. */
  path: string;
  /** Decompressed content. */
  read(): Uint8Array;
}

export class RccError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: not a readable Qt resource bundle (${reason})`);
    this.name = 'RccError';
  }
}

const FLAG_COMPRESSED = 0x01;
const FLAG_DIRECTORY = 0x02;
const FLAG_COMPRESSED_ZSTD = 0x04;

/** Lists the files of an .rcc bundle held in memory; `name` is used in error messages. */
export function readRcc(bytes: Uint8Array, name = '<rcc>'): RccFile[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new RccError(name, reason);
  };
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at) : fail(`offset ${at} past the end`));
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at) : fail(`offset ${at} past the end`));

  if (bytes.length < 20 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'qres') fail('no "qres" magic');
  const version = u32(4);
  if (version < 1 || version > 3) fail(`unsupported version ${version}`);
  const treeAt = u32(8);
  const dataAt = u32(12);
  const namesAt = u32(16);
  const nodeSize = version >= 2 ? 22 : 14;

  const nodeName = (node: number): string => {
    const at = namesAt + u32(treeAt + node * nodeSize);
    const length = u16(at);
    const start = at + 6; // length (2) + hash (4)
    if (start + 2 * length > bytes.length) fail('name past the end');
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(view.getUint16(start + 2 * i));
    return s;
  };

  const files: RccFile[] = [];
  const visited = new Set<number>();
  const walk = (node: number, prefix: string, depth: number): void => {
    if (depth > 64 || visited.has(node)) fail('cyclic or too deep tree');
    visited.add(node);
    const at = treeAt + node * nodeSize;
    const flags = u16(at + 4);
    if (flags & FLAG_DIRECTORY) {
      const count = u32(at + 6);
      const first = u32(at + 10);
      if (count > bytes.length / nodeSize) fail('directory larger than the bundle');
      for (let i = 0; i < count; i++) {
        const child = first + i;
        walk(child, prefix + nodeName(child) + (u16(treeAt + child * nodeSize + 4) & FLAG_DIRECTORY ? '/' : ''), depth + 1);
      }
      return;
    }
    const dataOffset = dataAt + u32(at + 10);
    const size = u32(dataOffset);
    if (dataOffset + 4 + size > bytes.length) fail(`data of ${prefix} past the end`);
    const path = prefix;
    files.push({
      path,
      read: () => {
        const raw = bytes.subarray(dataOffset + 4, dataOffset + 4 + size);
        if (flags & FLAG_COMPRESSED_ZSTD) throw new RccError(name, `${path} is zstd-compressed, which is not supported`);
        if (!(flags & FLAG_COMPRESSED)) return raw;
        if (raw.length < 4) throw new RccError(name, `${path}: truncated compressed entry`);
        try {
          return new Uint8Array(inflateSync(raw.subarray(4)));
        } catch (e) {
          throw new RccError(name, `${path}: ${(e as Error).message}`);
        }
      },
    });
  };
  walk(0, '', 0);
  return files;
}
