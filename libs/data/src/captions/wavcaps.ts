// WavCaps: one JSON file per subset, `{ "data": [ { "id", "caption", "audio" | "wav_path", "duration",
// "description"?, "title"?, "tags"?, "license"? ... } ] }`. One (ChatGPT-written) caption per clip. The released
// JSON often holds the placeholder "wav_path" in its audio field; then the file is named after the id, as FLAC.
import { readFile } from 'node:fs/promises';

import { CaptionFormatError } from './csv.js';
import { audioPath, requiredCaption, youtubeRecording, type CaptionSetOptions } from './common.js';
import { normaliseTags, type CaptionSetItem } from './items.js';

export const WAVCAPS_SUBSETS = ['FreeSound', 'BBC_Sound_Effects', 'SoundBible', 'AudioSet_SL'] as const;
export type WavCapsSubset = (typeof WAVCAPS_SUBSETS)[number];

export interface WavCapsOptions extends CaptionSetOptions {
  subset: WavCapsSubset;
  /** File name of an entry's audio in audioDir; default: its audio/wav_path field, else `${id sans extension}.flac`. */
  fileName?: (entry: Record<string, unknown>) => string;
}

export async function loadWavCaps(
  jsonPath: string,
  audioDir: string,
  options: WavCapsOptions,
): Promise<CaptionSetItem[]> {
  const text = await readFile(jsonPath, 'utf8');
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : null;
    throw new CaptionFormatError(jsonPath, line, `not valid JSON (${message})`);
  }
  const data = (root as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new CaptionFormatError(jsonPath, null, 'no "data" array at the top level');

  const seen = new Set<string>();
  return data.map((entry: unknown, k): CaptionSetItem => {
    const fail = (reason: string): never => {
      throw new CaptionFormatError(jsonPath, null, `data[${k}]: ${reason}`);
    };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return fail('not an object');
    const e = entry as Record<string, unknown>;
    const field = (name: string): string | undefined => {
      const v = e[name];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string' && typeof v !== 'number') return fail(`"${name}" is not a string`);
      return String(v).trim() || undefined;
    };
    const id = field('id') ?? fail('no "id"');
    if (seen.has(id)) fail(`duplicate id "${id}"`);
    seen.add(id);
    const caption = requiredCaption(jsonPath, null, `data[${k}].caption`, field('caption'));
    const duration = e.duration;
    if (duration !== undefined && !(typeof duration === 'number' && Number.isFinite(duration) && duration > 0)) {
      fail('"duration" is not a positive number');
    }
    const tags = e.tags;
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
      fail('"tags" is not an array of strings');
    }
    const keywords = normaliseTags((tags as string[] | undefined) ?? []);
    const description = [field('title'), field('description')].filter((t) => t !== undefined).join('. ');
    const stored = [field('audio'), field('wav_path')].find((p) => p !== undefined && p !== 'wav_path');
    const file = options.fileName?.(e) ?? stored ?? `${id.replace(/\.[^.]+$/, '')}.flac`;
    return {
      id: `wavcaps:${options.subset}:${id}`,
      audio: audioPath(audioDir, file),
      source: `wavcaps:${options.subset}`,
      license: field('license') ?? options.license ?? 'NOASSERTION',
      captions: [caption],
      ...(description === '' ? {} : { description }),
      ...(keywords.length > 0 ? { keywords } : {}),
      ...(typeof duration === 'number' ? { durationS: duration } : {}),
      ...recordingOf(options.subset, id),
    };
  });
}

/** FreeSound ids are Freesound sound ids; AudioSet_SL ids are 'Y' + a YouTube id (+ '.wav'). */
function recordingOf(subset: WavCapsSubset, id: string): { recording?: string } {
  if (subset === 'FreeSound' && /^\d+$/.test(id)) return { recording: `freesound:${id}` };
  const youtube = /^Y([\w-]{11})/.exec(id);
  if (subset === 'AudioSet_SL' && youtube) return { recording: youtubeRecording(youtube[1]!) };
  return {};
}
