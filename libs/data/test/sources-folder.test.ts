// scanAudioFolder on a tree the test writes: nested folders, hidden and non-audio files, an uppercase extension,
// .txt and .json sidecars, a root CSV of captions, links in and out of the root, and malformed sidecars.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CaptionFormatError } from '../src/captions/csv.js';
import { scanAudioFolder } from '../src/sources/folder.js';

let base: string;
let root: string;
let outside: string;

const write = (path: string, text = 'RIFF') => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'aurola-folder-'));
  root = join(base, 'root');
  outside = join(base, 'outside');
  write(join(root, 'drums/kick/Kick_01.WAV'));
  write(join(root, 'drums/kick/Kick_01.txt'), 'A punchy kick drum.\n\n  A low thud.  \r\n');
  write(join(root, 'drums/snare_tight.flac'));
  write(
    join(root, 'drums/snare_tight.json'),
    JSON.stringify({
      caption: 'A tight snare hit.',
      captions: ['A crisp snare.'],
      tags: ['snare', 'drum'],
      license: 'CC0-1.0',
    }),
  );
  write(join(root, 'voice/hello.ogg'));
  write(join(root, 'voice/hello.json'), JSON.stringify({ transcript: 'hello world' }));
  write(join(root, 'bell.mp3'));
  write(join(root, 'a/b/c/tone.opus'));
  write(join(root, 'a/chime.oga'));
  write(join(root, '.hidden.wav'));
  write(join(root, '.cache/skip.wav'));
  write(join(root, 'notes.md'), '# not audio');
  write(join(root, 'drums/readme.txt'), 'not a sidecar');
  write(
    join(root, 'captions.csv'),
    'file,caption,tags\nbell.mp3,"A bell rings, clear and bright.",bell; metal\nbell.mp3,A ringing bell.,\n' +
      './drums/snare_tight.flac,A snare drum.,snare;percussion\n',
  );
  write(join(outside, 'escape.wav'));
  symlinkSync(outside, join(root, 'linked-out'));
  symlinkSync(join(outside, 'escape.wav'), join(root, 'escape.wav'));
  symlinkSync(join(root, 'bell.mp3'), join(root, 'a/bell-link.mp3'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('scanAudioFolder', () => {
  it('lists audio files sorted, with stem and folder labels; skips hidden, non-audio and escaping links', async () => {
    const items = await scanAudioFolder(root);
    expect(items.map((i) => [i.path, i.labels])).toEqual([
      ['a/b/c/tone.opus', ['tone', 'c', 'b', 'a']],
      ['a/bell-link.mp3', ['bell-link', 'a']],
      ['a/chime.oga', ['chime', 'a']],
      ['bell.mp3', ['bell']],
      ['drums/kick/Kick_01.WAV', ['Kick_01', 'kick', 'drums']],
      ['drums/snare_tight.flac', ['snare_tight', 'drums']],
      ['voice/hello.ogg', ['hello', 'voice']],
    ]);
  });

  it('reads .txt and .json sidecars', async () => {
    const byPath = new Map((await scanAudioFolder(root)).map((i) => [i.path, i]));
    expect(byPath.get('drums/kick/Kick_01.WAV')!.sidecar).toEqual({ captions: ['A punchy kick drum.', 'A low thud.'] });
    expect(byPath.get('drums/snare_tight.flac')!.sidecar).toEqual({
      captions: ['A tight snare hit.', 'A crisp snare.'],
      tags: ['snare', 'drum'],
      license: 'CC0-1.0',
    });
    expect(byPath.get('voice/hello.ogg')!.sidecar).toEqual({ transcript: 'hello world' });
    expect(byPath.get('bell.mp3')!.sidecar).toBeUndefined();
    expect(byPath.get('a/chime.oga')!.sidecar).toBeUndefined();
  });

  it('merges captions and ;-separated tags from a root CSV, several rows a file', async () => {
    const byPath = new Map((await scanAudioFolder(root, { captionsCsv: 'captions.csv' })).map((i) => [i.path, i]));
    expect(byPath.get('bell.mp3')!.sidecar).toEqual({
      captions: ['A bell rings, clear and bright.', 'A ringing bell.'],
      tags: ['bell', 'metal'],
    });
    expect(byPath.get('drums/snare_tight.flac')!.sidecar).toEqual({
      captions: ['A tight snare hit.', 'A crisp snare.', 'A snare drum.'],
      tags: ['snare', 'drum', 'percussion'],
      license: 'CC0-1.0',
    });
  });

  it('rejects a CSV row naming a file that is not there, with file:line', async () => {
    write(join(base, 'bad-rows.csv'), 'file,caption\nbell.mp3,ok\nmissing.wav,nope\n');
    await expect(scanAudioFolder(root, { captionsCsv: join(base, 'bad-rows.csv') })).rejects.toThrow(
      /bad-rows\.csv:3: "missing\.wav" is not an audio file/,
    );
  });

  it('rejects a CSV without the caption column', async () => {
    write(join(base, 'no-caption.csv'), 'file,text\nbell.mp3,ok\n');
    await expect(scanAudioFolder(root, { captionsCsv: join(base, 'no-caption.csv') })).rejects.toThrow(
      /no-caption\.csv:1: missing column\(s\) caption/,
    );
  });

  it.each([
    ['{ not json', /invalid JSON/],
    ['["a list"]', /expected a JSON object/],
    ['{"tags": "drum"}', /"tags" must be an array of strings/],
    ['{"captions": ["ok", 3]}', /"captions" must be an array of strings/],
    ['{"license": 1}', /"license" must be a string/],
  ])('rejects a bad JSON sidecar %s with an error naming the file', async (text, reason) => {
    const dir = mkdtempSync(join(base, 'bad-'));
    write(join(dir, 'sub/clip.wav'));
    write(join(dir, 'sub/clip.json'), text);
    const error = await scanAudioFolder(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptionFormatError);
    expect((error as Error).message).toContain(join(dir, 'sub/clip.json'));
    expect((error as Error).message).toMatch(reason);
  });
});
