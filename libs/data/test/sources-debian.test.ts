// Debian package unpacking on a tiny .deb the test builds with dpkg-deb, the reuse of a cached .deb and of an
// unpacked tree, and the error for a package apt-get cannot find (answered at once from the local lists).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DebianPackageError, UNPACKED_STAMP, unpackDeb, unpackDebianPackage } from '../src/sources/debian.js';

const has = (tool: string) => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const haveDpkg = has('dpkg-deb') && has('dpkg');

let dir: string;
let deb: string;
const clip = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aurola-deb-'));
  if (!haveDpkg) return;
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  mkdirSync(join(pkg, 'usr/share/sounds/x'), { recursive: true });
  writeFileSync(
    join(pkg, 'DEBIAN/control'),
    'Package: aurola-test-clip\nVersion: 1.0\nArchitecture: all\nMaintainer: Aurola <aurola@example.com>\n' +
      'Description: a test clip\n',
  );
  writeFileSync(join(pkg, 'usr/share/sounds/x/clip.wav'), clip);
  deb = join(dir, 'aurola-test-clip_1.0_all.deb');
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', pkg, deb], { stdio: 'ignore' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveDpkg)('unpackDeb', () => {
  it('unpacks the files of a local .deb byte for byte and stamps the tree', async () => {
    const out = await unpackDeb(deb, join(dir, 'out'));
    expect(out).toBe(join(dir, 'out'));
    expect(new Uint8Array(readFileSync(join(out, 'usr/share/sounds/x/clip.wav')))).toEqual(clip);
    expect(existsSync(join(out, UNPACKED_STAMP))).toBe(true);
    expect(existsSync(join(out, 'DEBIAN'))).toBe(false);
  });

  it('skips a tree already unpacked from the same archive', async () => {
    const out = join(dir, 'again');
    await unpackDeb(deb, out);
    rmSync(join(out, 'usr/share/sounds/x/clip.wav'));
    await unpackDeb(deb, out);
    expect(existsSync(join(out, 'usr/share/sounds/x/clip.wav'))).toBe(false);
  });

  it('redoes a tree without a stamp (an interrupted unpack)', async () => {
    const out = join(dir, 'partial');
    mkdirSync(out);
    writeFileSync(join(out, 'leftover'), 'x');
    await unpackDeb(deb, out);
    expect(existsSync(join(out, 'leftover'))).toBe(false);
    expect(new Uint8Array(readFileSync(join(out, 'usr/share/sounds/x/clip.wav')))).toEqual(clip);
  });

  it('names the archive and dpkg output for a broken .deb', async () => {
    const bad = join(dir, 'broken_1.0_all.deb');
    writeFileSync(bad, 'not an archive');
    const error = await unpackDeb(bad, join(dir, 'broken')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DebianPackageError);
    expect((error as Error).message).toMatch(/^dpkg -x .*broken_1\.0_all\.deb .* failed: .+/);
    expect(existsSync(join(dir, 'broken'))).toBe(false);
  });

  it('unpackDebianPackage reuses a .deb already in the cache (no download) into <cacheDir>/<name>', async () => {
    const cache = join(dir, 'cache');
    mkdirSync(cache);
    copyFileSync(deb, join(cache, 'aurola-test-clip_1.0_all.deb'));
    const root = await unpackDebianPackage('aurola-test-clip', cache);
    expect(root).toBe(join(cache, 'aurola-test-clip'));
    expect(new Uint8Array(readFileSync(join(root, 'usr/share/sounds/x/clip.wav')))).toEqual(clip);
  });
});

describe('unpackDebianPackage errors', () => {
  it('names the package, the command and apt-get’s message for an unknown package', async () => {
    const error = await unpackDebianPackage('aurola-no-such-package-xyz', join(dir, 'cache-missing')).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DebianPackageError);
    const message = (error as Error).message;
    expect(message).toContain('apt-get download aurola-no-such-package-xyz failed');
    if (has('apt-get')) expect(message).toMatch(/Unable to locate package aurola-no-such-package-xyz.*apt-get update/s);
    else expect(message).toContain('apt-get');
  }, 60_000);

  it('rejects a name that is not a Debian package name without running anything', async () => {
    const error = await unpackDebianPackage('--help; rm -rf /', join(dir, 'cache-bad')).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/not a valid Debian package name/);
  });
});
