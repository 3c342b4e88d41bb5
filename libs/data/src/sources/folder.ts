// A generic folder of audio files, with optional sidecar captions. Every audio file (by extension, any case)
// becomes an item whose labels are its file stem and then its parent folder names, most specific first — the raw
// material for tagsFromLabels. Sidecars next to a file: `<stem>.txt` (one caption a line) and `<stem>.json`
// ({ captions?, caption?, tags?, transcript?, license? }); and one optional CSV at the root (`file,caption[,tags]`,
// tags separated by ';', a file may have several rows). Hidden files and folders are skipped, and symbolic links
// are followed only where they stay inside the root.
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';

import { CaptionFormatError, readCsvRecords } from '../captions/csv.js';

export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.flac', '.ogg', '.oga', '.opus', '.mp3'];

export interface FolderSidecar {
  captions?: string[];
  tags?: string[];
  transcript?: string;
  license?: string;
}

export interface FolderItem {
  /** Path relative to the root, '/'-separated. */
  path: string;
  /** The file stem, then the parent folder names, most specific first (raw, not normalised). */
  labels: string[];
  sidecar?: FolderSidecar;
}

export interface ScanAudioFolderOptions {
  /** A CSV of `file,caption[,tags]` (with that header), relative to the root or absolute. */
  captionsCsv?: string;
}

const isAudio = (name: string) => AUDIO_EXTENSIONS.includes(extname(name).toLowerCase());
const stemOf = (name: string) => name.slice(0, name.length - extname(name).length);

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function addAll(list: string[] | undefined, more: readonly string[]): string[] {
  const out = list ?? [];
  for (const value of more) if (!out.includes(value)) out.push(value);
  return out;
}

function merge(into: FolderSidecar, from: FolderSidecar): void {
  if (from.captions?.length) into.captions = addAll(into.captions, from.captions);
  if (from.tags?.length) into.tags = addAll(into.tags, from.tags);
  if (from.transcript !== undefined) into.transcript = from.transcript;
  if (from.license !== undefined) into.license = from.license;
}

async function readTxtSidecar(file: string): Promise<FolderSidecar> {
  const captions = (await readFile(file, 'utf8'))
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return captions.length > 0 ? { captions } : {};
}

async function readJsonSidecar(file: string): Promise<FolderSidecar> {
  let value: unknown;
  try {
    value = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new CaptionFormatError(file, null, `invalid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CaptionFormatError(file, null, 'expected a JSON object');
  }
  const v = value as Record<string, unknown>;
  const stringField = (key: string): string | undefined => {
    if (v[key] === undefined) return undefined;
    if (typeof v[key] !== 'string') throw new CaptionFormatError(file, null, `"${key}" must be a string`);
    return v[key] as string;
  };
  const stringsField = (key: string): string[] => {
    if (v[key] === undefined) return [];
    const list = v[key];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw new CaptionFormatError(file, null, `"${key}" must be an array of strings`);
    }
    return list as string[];
  };
  const caption = stringField('caption');
  const captions = [...(caption !== undefined ? [caption] : []), ...stringsField('captions')]
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const tags = stringsField('tags')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const sidecar: FolderSidecar = {};
  if (captions.length > 0) sidecar.captions = captions;
  if (tags.length > 0) sidecar.tags = tags;
  const transcript = stringField('transcript');
  if (transcript !== undefined) sidecar.transcript = transcript;
  const license = stringField('license');
  if (license !== undefined) sidecar.license = license;
  return sidecar;
}

/** Lists the audio files under `root` with their labels and sidecar captions, sorted by path. */
export async function scanAudioFolder(root: string, opts: ScanAudioFolderOptions = {}): Promise<FolderItem[]> {
  const rootPath = resolve(root);
  const rootReal = await realpath(rootPath);
  const items: FolderItem[] = [];
  const sidecars = new Map<string, FolderSidecar>();
  const visited = new Set<string>([rootReal]);

  const walk = async (dir: string, rel: string[]): Promise<void> => {
    const entries: Dirent[] = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    const names = new Set(entries.map((e) => e.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(full);
        } catch {
          continue; // dangling link
        }
        if (!inside(rootReal, target)) continue;
        const info = await stat(target);
        isDir = info.isDirectory();
        isFile = info.isFile();
        if (isDir) {
          if (visited.has(target)) continue;
          visited.add(target);
        }
      } else if (isDir) {
        const real = await realpath(full);
        if (visited.has(real)) continue;
        visited.add(real);
      }
      if (isDir) {
        await walk(full, [...rel, entry.name]);
        continue;
      }
      if (!isFile || !isAudio(entry.name)) continue;
      const stem = stemOf(entry.name);
      const path = [...rel, entry.name].join('/');
      const sidecar: FolderSidecar = {};
      if (names.has(`${stem}.txt`)) merge(sidecar, await readTxtSidecar(join(dir, `${stem}.txt`)));
      if (names.has(`${stem}.json`)) merge(sidecar, await readJsonSidecar(join(dir, `${stem}.json`)));
      sidecars.set(path, sidecar);
      items.push({ path, labels: [stem, ...[...rel].reverse()] });
    }
  };
  await walk(rootPath, []);

  if (opts.captionsCsv !== undefined) {
    const csv = resolve(rootPath, opts.captionsCsv);
    for (const { line, values } of await readCsvRecords(csv, ['file', 'caption'])) {
      const path = values.file!.trim().replace(/\\/g, '/').replace(/^\.\//, '');
      const sidecar = sidecars.get(path);
      if (!sidecar) throw new CaptionFormatError(csv, line, `"${values.file}" is not an audio file under ${rootPath}`);
      const caption = values.caption!.trim();
      const tags = (values.tags ?? '')
        .split(';')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      merge(sidecar, { ...(caption ? { captions: [caption] } : {}), ...(tags.length ? { tags } : {}) });
    }
  }

  items.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const item of items) {
    const sidecar = sidecars.get(item.path)!;
    if (Object.keys(sidecar).length > 0) item.sidecar = sidecar;
  }
  return items;
}
