// Bounds-checked little helpers over Uint8Array: out-of-range reads give undefined-free defaults (0 / ''),
// so callers check lengths once instead of guarding every field.

export function ascii(b: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function startsWith(b: Uint8Array, offset: number, text: string): boolean {
  return ascii(b, offset, text.length) === text;
}

export function u16le(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}

export function u32le(b: Uint8Array, o: number): number {
  return (u16le(b, o) + u16le(b, o + 2) * 0x10000) >>> 0;
}

/** A 64-bit little-endian size as a Number (exact below 2^53, which covers any buffer we can hold). */
export function u64le(b: Uint8Array, o: number): number {
  return u32le(b, o) + u32le(b, o + 4) * 2 ** 32;
}

export function u24be(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 16) | ((b[o + 1] ?? 0) << 8) | (b[o + 2] ?? 0);
}

export function u32be(b: Uint8Array, o: number): number {
  return (u24be(b, o) * 256 + (b[o + 3] ?? 0)) >>> 0;
}

/** ID3v2 sizes are "syncsafe": 4 bytes of 7 bits each. */
export function syncsafe32(b: Uint8Array, o: number): number {
  return (
    (((b[o] ?? 0) & 0x7f) << 21) |
    (((b[o + 1] ?? 0) & 0x7f) << 14) |
    (((b[o + 2] ?? 0) & 0x7f) << 7) |
    ((b[o + 3] ?? 0) & 0x7f)
  );
}

export function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
