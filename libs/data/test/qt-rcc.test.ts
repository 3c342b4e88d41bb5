// The .rcc reader on a bundle made by Qt's own rcc (test/fixtures/make-rcc.sh), compared with the source files,
// and on damaged copies of it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { RccError, readRcc } from '../src/sources/qt-rcc.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const bundle = new Uint8Array(readFileSync(`${fixtures}bundle.rcc`));
const sources = ['sounds/animals/dog_bark.wav', 'sounds/bell.wav', 'readme.txt', 'noise.bin'];

describe('readRcc', () => {
  it('lists every file with its prefix path and returns the exact original bytes', () => {
    const files = readRcc(bundle, 'bundle.rcc');
    expect(files.map((f) => f.path).sort()).toEqual(sources.map((s) => `gcompris/src/${s}`).sort());
    for (const f of files) {
      const original = new Uint8Array(readFileSync(`${fixtures}rcc-src/${f.path.replace('gcompris/src/', '')}`));
      expect(Buffer.from(f.read()).equals(Buffer.from(original))).toBe(true);
    }
  });

  it('the compressible file really was stored compressed (so inflation is exercised)', () => {
    const text = readFileSync(`${fixtures}rcc-src/readme.txt`);
    expect(Buffer.from(bundle).indexOf(text)).toBe(-1);
    expect(Buffer.from(bundle).indexOf(readFileSync(`${fixtures}rcc-src/sounds/bell.wav`))).toBeGreaterThan(0);
  });

  it('rejects damaged bundles with RccError naming the file', () => {
    const damaged: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['bad magic', Uint8Array.from(bundle, (b, i) => (i === 0 ? 0x78 : b))],
      ['bad version', Uint8Array.from(bundle, (b, i) => (i === 7 ? 9 : b))],
      ['truncated', bundle.subarray(0, Math.floor(bundle.length * (0.3 + Math.random() * 0.5)))],
    ];
    for (const [what, bytes] of damaged) {
      let err: unknown;
      try {
        for (const f of readRcc(bytes, `damaged-${what}.rcc`)) f.read();
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(RccError);
      expect((err as Error).message, what).toContain(`damaged-${what}.rcc`);
    }
  });

  it('random byte damage never throws anything but RccError', () => {
    for (let round = 0; round < 300; round++) {
      const bytes = bundle.slice();
      const flips = 1 + Math.floor(Math.random() * 8);
      for (let i = 0; i < flips; i++) bytes[Math.floor(Math.random() * bytes.length)] = Math.floor(Math.random() * 256);
      try {
        for (const f of readRcc(bytes, 'fuzz.rcc')) f.read();
      } catch (e) {
        expect(e).toBeInstanceOf(RccError);
      }
    }
  });
});
