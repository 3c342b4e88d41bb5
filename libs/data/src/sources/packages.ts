// Importers for the Debian sound packages of DESIGN.md §4 and for a user's folder. Each reads an unpacked package
// tree (`unpackDebianPackage` makes one; an installed package works with root '/') and returns SourceItems with
// labels for tagging and the licence of each file from the package's copyright file. General MIDI renders are in
// ./general-midi.ts. DEBIAN_SOURCES ties each source to the packages it needs.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { writeFileAtomic } from '../fs.js';
import { parseDebianCopyright, type DebianCopyright } from './debian-copyright.js';
import { scanAudioFolder, AUDIO_EXTENSIONS, type ScanAudioFolderOptions } from './folder.js';
import { idPiece, type SourceItem } from './item.js';
import { readRcc } from './qt-rcc.js';

/** A source's files were not where the package puts them: the tree is not that package, or it changed layout. */
export class SourceLayoutError extends Error {
  constructor(
    readonly source: string,
    readonly path: string,
    reason: string,
  ) {
    super(`${source}: ${reason} (${path})`);
    this.name = 'SourceLayoutError';
  }
}

// Debian's short licence names as SPDX identifiers, where they differ.
const SPDX: Record<string, string> = {
  'CC0': 'CC0-1.0',
  'GPL-2': 'GPL-2.0-only',
  'GPL-2+': 'GPL-2.0-or-later',
  'GPL-3': 'GPL-3.0-only',
  'GPL-3+': 'GPL-3.0-or-later',
  'LGPL-2.1+': 'LGPL-2.1-or-later',
  'CC-BY-3': 'CC-BY-3.0',
  'CC-BY-SA-3': 'CC-BY-SA-3.0',
  'CC-BY-SA-4': 'CC-BY-SA-4.0',
  'Expat': 'MIT',
};

/** A Debian licence expression with its names in SPDX form ("CC0-1.0 and CC-BY-3.0" → "CC0-1.0 AND CC-BY-3.0"). */
export function spdxLicense(debian: string): string {
  return debian
    .split(/\s+(and|or)\s+/i)
    .map((part, i) => (i % 2 === 1 ? part.toUpperCase() : (SPDX[part] ?? part)))
    .join(' ');
}

const isAudio = (path: string) => AUDIO_EXTENSIONS.includes(extname(path).toLowerCase());
const stemOf = (path: string) => basename(path, extname(path));

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

async function copyrightOf(root: string, pkg: string): Promise<DebianCopyright> {
  const path = join(root, 'usr/share/doc', pkg, 'copyright');
  try {
    return parseDebianCopyright(await readFile(path, 'utf8'));
  } catch {
    throw new SourceLayoutError(pkg, path, 'no copyright file');
  }
}

async function audioUnder(source: string, root: string, under: string): Promise<string[]> {
  const dir = join(resolve(root), under);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error();
  } catch {
    throw new SourceLayoutError(source, dir, 'missing folder; is the package unpacked here?');
  }
  const files = (await listFiles(dir)).filter(isAudio);
  if (files.length === 0) throw new SourceLayoutError(source, dir, 'no audio files');
  return files;
}

/** SPDX's word for "no licence information could be determined": a file no copyright stanza covers. */
export const NO_ASSERTION = 'NOASSERTION';

function licenseOf(copyright: DebianCopyright, path: string): string {
  const license = copyright.licenseFor(path);
  return license ? spdxLicense(license) : NO_ASSERTION;
}

/** sonic-pi-samples: 164 FLAC samples named like "drum_cymbal_open" (CC0). */
export async function importSonicPiSamples(root: string): Promise<SourceItem[]> {
  const source = 'sonic-pi-samples';
  const copyright = await copyrightOf(root, source);
  const files = await audioUnder(source, root, 'usr/share/sonic-pi/samples');
  return files.map((file) => ({
    id: `${source}/${idPiece(stemOf(file))}`,
    file,
    source,
    license: licenseOf(copyright, relative(root, file)),
    labels: [stemOf(file)],
  }));
}

/** lmms-common: samples in category folders (drums, basses, effects, …). */
export async function importLmmsSamples(root: string): Promise<SourceItem[]> {
  const source = 'lmms-common';
  const base = join(resolve(root), 'usr/share/lmms/samples');
  const copyright = await copyrightOf(root, source);
  const files = await audioUnder(source, root, 'usr/share/lmms/samples');
  return files.map((file) => {
    const rel = relative(base, file).split('/');
    return {
      id: `${source}/${rel.map((p, i) => idPiece(i === rel.length - 1 ? stemOf(p) : p)).join('/')}`,
      file,
      source,
      license: licenseOf(copyright, relative(root, file)),
      labels: [stemOf(file), ...rel.slice(0, -1).reverse()],
    };
  });
}

/** Folder names in GCompris that say nothing about the sound. */
const GCOMPRIS_GENERIC_FOLDERS = new Set(['resource', 'sound', 'sounds', 'src', 'core', 'activities', 'gcompris']);

/**
 * gcompris-qt-data: the sounds inside the Qt resource bundles, extracted to `extractDir` (once; a file already
 * there with the same size is kept). Labels: the file name and its folder when that is telling ("animals").
 */
export async function importGcomprisSounds(root: string, extractDir: string): Promise<SourceItem[]> {
  const source = 'gcompris-qt-data';
  const rccDir = join(resolve(root), 'usr/share/gcompris-qt/rcc');
  const copyright = await copyrightOf(root, source);
  let bundles: string[];
  try {
    bundles = (await readdir(rccDir)).filter((f) => f.endsWith('.rcc')).sort();
  } catch {
    throw new SourceLayoutError(source, rccDir, 'missing folder; is the package unpacked here?');
  }
  const items: SourceItem[] = [];
  for (const bundle of bundles) {
    const bundlePath = join(rccDir, bundle);
    for (const entry of readRcc(new Uint8Array(await readFile(bundlePath)), bundlePath)) {
      if (!isAudio(entry.path)) continue;
      const file = join(resolve(extractDir), basename(bundle, '.rcc'), entry.path);
      const bytes = entry.read();
      const size = await stat(file).then((s) => s.size, () => -1);
      if (size !== bytes.length) {
        await writeFileAtomic(file, bytes);
      }
      const folder = basename(dirname(entry.path));
      const pathId = entry.path.replace(/^gcompris\/src\/(activities\/)?/, '').replace(/\/resource\//, '/');
      items.push({
        id: `${source}/${pathId.split('/').map((p) => idPiece(isAudio(p) ? stemOf(p) : p)).join('/')}`,
        file,
        source,
        license: licenseOf(copyright, entry.path),
        labels: [stemOf(entry.path), ...(GCOMPRIS_GENERIC_FOLDERS.has(folder) ? [] : [folder])],
      });
    }
  }
  if (items.length === 0) throw new SourceLayoutError(source, rccDir, 'no audio in the resource bundles');
  return items;
}

/**
 * The prompt list of asterisk-core-sounds-en ("name: words", '/' in names for sub-folders). Lines whose words are
 * in brackets ("[this is a simple beep tone]") describe a sound rather than speech.
 */
export function parseAsteriskPromptList(text: string): Map<string, { transcript?: string; description?: string }> {
  const prompts = new Map<string, { transcript?: string; description?: string }>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^([^;:\s][^:]*):\s*(.*)$/.exec(line);
    if (!match || match[2]!.trim() === '') continue;
    const words = match[2]!.trim().replace(/\s+/g, ' ');
    const bracketed = /^\[(.*)\]$/.exec(words);
    prompts.set(match[1]!.trim(), bracketed ? { description: bracketed[1]!.trim() } : { transcript: words });
  }
  return prompts;
}

/**
 * asterisk-core-sounds-en-wav (the recordings, `wavRoot`) with the transcripts of asterisk-core-sounds-en
 * (`textRoot`): telephone prompts spoken by one woman, each with its exact words. Prompts not in the list are
 * skipped (no transcript, no label worth having).
 */
export async function importAsteriskPrompts(wavRoot: string, textRoot: string): Promise<SourceItem[]> {
  const source = 'asterisk-core-sounds-en';
  const listPath = join(resolve(textRoot), 'usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz');
  let list: string;
  try {
    list = gunzipSync(await readFile(listPath)).toString('utf8');
  } catch {
    throw new SourceLayoutError(source, listPath, 'no prompt list; unpack asterisk-core-sounds-en here');
  }
  const prompts = parseAsteriskPromptList(list);
  const copyright = await copyrightOf(wavRoot, 'asterisk-core-sounds-en-wav');
  const base = join(resolve(wavRoot), 'usr/share/asterisk/sounds/en_US_f_Allison');
  const items: SourceItem[] = [];
  for (const file of await audioUnder(source, wavRoot, 'usr/share/asterisk/sounds/en_US_f_Allison')) {
    const name = relative(base, file).slice(0, -extname(file).length);
    const prompt = prompts.get(name);
    if (!prompt) continue;
    items.push({
      id: `${source}/${name.split('/').map(idPiece).join('/')}`,
      file,
      source,
      license: licenseOf(copyright, relative(wavRoot, file)),
      labels: prompt.transcript !== undefined ? ['female voice prompt'] : [prompt.description!],
      ...(prompt.transcript !== undefined ? { transcript: prompt.transcript } : {}),
      ...(prompt.description !== undefined ? { humanCaptions: [prompt.description] } : {}),
    });
  }
  if (items.length === 0) throw new SourceLayoutError(source, listPath, 'no recording matches the prompt list');
  return items;
}

/** sound-theme-freedesktop: desktop event sounds named for the event ("phone-incoming-call", "dialog-warning"). */
export async function importFreedesktopSounds(root: string): Promise<SourceItem[]> {
  const source = 'sound-theme-freedesktop';
  const copyright = await copyrightOf(root, source);
  const files = await audioUnder(source, root, 'usr/share/sounds/freedesktop/stereo');
  return files.map((file) => ({
    id: `${source}/${idPiece(stemOf(file))}`,
    file,
    source,
    license: licenseOf(copyright, relative(join(root, 'usr/share/sounds/freedesktop'), file)),
    labels: [stemOf(file)],
  }));
}

export interface ImportFolderOptions extends ScanAudioFolderOptions {
  /** The manifest `source`; default `folder:<absolute root>`. */
  source?: string;
  /** Licence of files without one in a sidecar; default NOASSERTION. */
  license?: string;
}

/** A user's folder of audio (see scanAudioFolder for labels and sidecars). Ids are `<source slug>/<path>`. */
export async function importFolder(root: string, opts: ImportFolderOptions = {}): Promise<SourceItem[]> {
  const rootPath = resolve(root);
  const source = opts.source ?? `folder:${rootPath}`;
  const prefix = idPiece(opts.source ?? basename(rootPath)) || 'folder';
  const items = await scanAudioFolder(rootPath, opts);
  const ids = new Set<string>();
  return items.map((item) => {
    let id = `${prefix}/${item.path.split('/').map(idPiece).join('/')}`;
    // Two files that differ only in characters idPiece drops ("a b.wav", "a-b.wav") keep distinct ids.
    for (let n = 2; ids.has(id); n++) id = `${prefix}/${item.path.split('/').map(idPiece).join('/')}~${n}`;
    ids.add(id);
    const sidecar = item.sidecar ?? {};
    return {
      id,
      file: join(rootPath, item.path),
      source,
      license: sidecar.license ?? opts.license ?? NO_ASSERTION,
      labels: item.labels,
      ...(sidecar.tags ? { tags: sidecar.tags } : {}),
      ...(sidecar.transcript !== undefined ? { transcript: sidecar.transcript } : {}),
      ...(sidecar.captions ? { humanCaptions: sidecar.captions } : {}),
    };
  });
}
