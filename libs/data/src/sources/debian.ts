// Debian sound packages without installing them: `apt-get download <name>` fetches the .deb into a cache folder
// (an unprivileged command that needs only the package lists), and `dpkg -x` unpacks its files under
// `<cacheDir>/<name>`. Both steps are skipped when already done: a .deb of the package already in the cache is
// reused, and an unpacked tree is marked complete by a stamp file written only after `dpkg -x` succeeded.
// Commands run through execFile (no shell), so a package name is never interpreted by one.
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

import { fileExists } from '../fs.js';

/** A failed package step: `command` is what ran (e.g. "apt-get download sonic-pi-samples"), `stderr` its output. */
export class DebianPackageError extends Error {
  constructor(
    readonly packageName: string,
    readonly command: string,
    readonly stderr: string,
    hint = '',
  ) {
    super(`${command} failed: ${stderr.trim() || 'no error output'}${hint ? ` (${hint})` : ''}`);
    this.name = 'DebianPackageError';
  }
}

/** Written inside an unpacked tree after `dpkg -x` succeeded; hidden, so folder scans skip it. */
export const UNPACKED_STAMP = '.aurola-unpacked';

// Debian policy §5.6.1: lowercase letters, digits, + - . ; at least two characters, starting alphanumeric.
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

interface RunFailure {
  stderr: string;
  missing: boolean;
}

function run(file: string, args: string[], cwd: string): Promise<RunFailure | null> {
  return new Promise((done) => {
    const options = { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } };
    execFile(file, args, options, (error, _stdout, stderr) => {
      if (!error) return done(null);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return done({ stderr: `${file} is not installed (ENOENT)`, missing: true });
      const text = String(stderr ?? '').trim();
      done({ stderr: text || error.message, missing: false });
    });
  });
}

/** The stamp's content: which archive the tree came from, so a different .deb unpacks afresh. */
async function stampFor(debPath: string): Promise<string> {
  const info = await stat(debPath);
  return `${basename(debPath)} ${info.size}\n`;
}

/**
 * Unpacks a local .deb into `outDir` with `dpkg -x` and returns `outDir`. Skipped when `outDir` already holds the
 * stamp of the same archive; otherwise any partial tree there is removed first.
 */
export async function unpackDeb(debPath: string, outDir: string): Promise<string> {
  const deb = resolve(debPath);
  const out = resolve(outDir);
  if (!(await fileExists(deb))) {
    throw new DebianPackageError(basename(deb), `dpkg -x ${deb} ${out}`, `${deb} does not exist`);
  }
  const stamp = join(out, UNPACKED_STAMP);
  const expected = await stampFor(deb);
  try {
    if ((await readFile(stamp, 'utf8')) === expected) return out;
  } catch {
    // not unpacked yet
  }
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const failure = await run('dpkg', ['-x', deb, out], out);
  if (failure) {
    await rm(out, { recursive: true, force: true });
    throw new DebianPackageError(basename(deb), `dpkg -x ${deb} ${out}`, failure.stderr);
  }
  await writeFile(stamp, expected);
  return out;
}

/** The newest-named .deb of `name` in `dir` (apt-get download writes `<name>_<version>_<arch>.deb`), or null. */
async function cachedDeb(name: string, dir: string): Promise<string | null> {
  const debs = (await readdir(dir)).filter((f) => f.startsWith(`${name}_`) && f.endsWith('.deb')).sort();
  return debs.length > 0 ? join(dir, debs[debs.length - 1]!) : null;
}

/**
 * Downloads Debian package `name` into `cacheDir` (reusing a .deb already there) and unpacks it into
 * `<cacheDir>/<name>`; returns that folder. Needs `apt-get` with current package lists and `dpkg`.
 */
export async function unpackDebianPackage(name: string, cacheDir: string): Promise<string> {
  if (!PACKAGE_NAME.test(name)) {
    throw new DebianPackageError(name, `apt-get download ${name}`, `"${name}" is not a valid Debian package name`);
  }
  const dir = resolve(cacheDir);
  await mkdir(dir, { recursive: true });
  let deb = await cachedDeb(name, dir);
  if (!deb) {
    const command = `apt-get download ${name}`;
    const failure = await run('apt-get', ['download', name], dir);
    if (failure) {
      const hint = /unable to locate package/i.test(failure.stderr)
        ? 'run `apt-get update` first, or check the name'
        : failure.missing
          ? 'apt-get is needed to download Debian packages; or pass a local .deb to unpackDeb'
          : '';
      throw new DebianPackageError(name, command, failure.stderr, hint);
    }
    deb = await cachedDeb(name, dir);
    if (!deb) throw new DebianPackageError(name, command, `no ${name}_*.deb appeared in ${dir}`);
  }
  return unpackDeb(deb, join(dir, name));
}
