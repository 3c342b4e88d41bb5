// The Debian importers on package trees the test lays out as the packages do (audio the test writes, the .rcc
// bundle made by Qt's rcc, a gzipped prompt list, DEP-5 copyright files), and the licence lookup itself.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeWav } from '@aurola/audio';

import { parseDebianCopyright } from '../src/sources/debian-copyright.js';
import {
  importAsteriskPrompts,
  importFolder,
  importFreedesktopSounds,
  importGcomprisSounds,
  importLmmsSamples,
  importSonicPiSamples,
  NO_ASSERTION,
  parseAsteriskPromptList,
  SourceLayoutError,
  spdxLicense,
} from '../src/sources/packages.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
let dir: string;
const wav = () => encodeWav([Float32Array.from({ length: 800 }, () => Math.random() - 0.5)], 16000);

function put(path: string, content: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function copyright(root: string, pkg: string, stanzas: [string, string][]): void {
  const body = stanzas.map(([files, license]) => `Files: ${files}\nCopyright: someone\nLicense: ${license}\n`);
  put(join(root, 'usr/share/doc', pkg, 'copyright'), `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n${body.join('\n')}`);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aurola-pkgs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseDebianCopyright', () => {
  const text = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: x',
    '',
    'Files: *',
    'Copyright: a',
    'License: GPL-2+',
    ' The full text',
    ' of the licence.',
    '',
    'Files: etc/samples/ambi_choir.flac',
    '       etc/samples/bd_*.flac',
    'License: CC0',
    '',
    'Files: stereo/bell.oga',
    'License: CC-BY-3.0',
    '',
    'License: CC0',
    ' Stand-alone licence text, no Files: ignored.',
  ].join('\n');
  const c = parseDebianCopyright(text);

  it('takes the last matching stanza, matching installed paths by suffix or by an exact file name', () => {
    expect(c.machineReadable).toBe(true);
    expect(c.licenseFor('usr/share/sonic-pi/samples/ambi_choir.flac')).toBe('CC0'); // exact name, other folders
    expect(c.licenseFor('usr/share/sounds/freedesktop/stereo/bell.oga')).toBe('CC-BY-3.0'); // path suffix
    expect(c.licenseFor('usr/share/other/bell.oga')).toBe('CC-BY-3.0'); // the exact-name rule
    expect(c.licenseFor('etc/samples/bd_haus.flac')).toBe('CC0'); // glob on a continuation line
    expect(c.licenseFor('usr/share/x/bd_haus.flac')).toBe('GPL-2+'); // a glob name needs its folders
    expect(c.licenseFor('anything/else.wav')).toBe('GPL-2+'); // "*"
  });

  it('reports free-form files as not machine-readable and matches nothing there', () => {
    const free = parseDebianCopyright('This package was debianized by someone.\n\nLicense:\n MIT\n');
    expect(free.machineReadable).toBe(false);
    expect(free.licenseFor('a.wav')).toBeUndefined();
  });

  it('spdxLicense renames Debian short names inside expressions', () => {
    expect(spdxLicense('CC0 and CC-BY-3.0')).toBe('CC0-1.0 AND CC-BY-3.0');
    expect(spdxLicense('GPL-2+ or Expat')).toBe('GPL-2.0-or-later OR MIT');
    expect(spdxLicense('free-art')).toBe('free-art');
  });
});

describe('Debian importers', () => {
  it('sonic-pi-samples: one item per sample, labelled by its name, licensed per file', async () => {
    const root = join(dir, 'sonic-pi');
    put(join(root, 'usr/share/sonic-pi/samples/drum_cymbal_open.flac'), wav());
    put(join(root, 'usr/share/sonic-pi/samples/ambi_choir.flac'), wav());
    put(join(root, 'usr/share/sonic-pi/samples/readme.md'), '# not audio');
    copyright(root, 'sonic-pi-samples', [['*', 'MIT'], ['etc/samples/ambi_choir.flac', 'CC0']]);
    const items = await importSonicPiSamples(root);
    expect(items.map((i) => [i.id, i.license, i.labels[0]])).toEqual([
      ['sonic-pi-samples/ambi_choir', 'CC0-1.0', 'ambi_choir'],
      ['sonic-pi-samples/drum_cymbal_open', 'MIT', 'drum_cymbal_open'],
    ]);
    expect(readFileSync(items[1]!.file)).toEqual(readFileSync(join(root, 'usr/share/sonic-pi/samples/drum_cymbal_open.flac')));
  });

  it('lmms-common: category folders become labels and id parts', async () => {
    const root = join(dir, 'lmms');
    put(join(root, 'usr/share/lmms/samples/drums/Kick 01.ogg'), wav());
    put(join(root, 'usr/share/lmms/samples/effects/wind.wav'), wav());
    copyright(root, 'lmms-common', [['*', 'GPL-2+']]);
    const items = await importLmmsSamples(root);
    expect(items.map((i) => [i.id, i.labels])).toEqual([
      ['lmms-common/drums/kick-01', ['Kick 01', 'drums']],
      ['lmms-common/effects/wind', ['wind', 'effects']],
    ]);
    expect(items.every((i) => i.license === 'GPL-2.0-or-later')).toBe(true);
  });

  it('gcompris-qt-data: sounds are extracted from the .rcc bundles byte for byte', async () => {
    const root = join(dir, 'gcompris');
    mkdirSync(join(root, 'usr/share/gcompris-qt/rcc'), { recursive: true });
    copyFileSync(join(fixtures, 'bundle.rcc'), join(root, 'usr/share/gcompris-qt/rcc/animals.rcc'));
    copyright(root, 'gcompris-qt-data', [['*', 'GPL-3+'], ['src/sounds/bell.wav', 'CC0-1.0']]);
    const extract = join(dir, 'gcompris-extract');
    const items = await importGcomprisSounds(root, extract);
    expect(items.map((i) => i.id).sort()).toEqual(['gcompris-qt-data/sounds/animals/dog_bark', 'gcompris-qt-data/sounds/bell']);
    const dog = items.find((i) => i.id.endsWith('dog_bark'))!;
    expect(dog.labels).toEqual(['dog_bark', 'animals']);
    expect(dog.license).toBe('GPL-3.0-or-later');
    expect(items.find((i) => i.id.endsWith('bell'))!.license).toBe('CC0-1.0');
    expect(readFileSync(dog.file)).toEqual(readFileSync(join(fixtures, 'rcc-src/sounds/animals/dog_bark.wav')));
    // A second import reuses the extracted files (same size) and yields the same items.
    expect(await importGcomprisSounds(root, extract)).toEqual(items);
  });

  it('asterisk: transcripts from the prompt list; bracketed lines are descriptions, not speech', async () => {
    const wavRoot = join(dir, 'asterisk-wav');
    const textRoot = join(dir, 'asterisk-text');
    const base = join(wavRoot, 'usr/share/asterisk/sounds/en_US_f_Allison');
    put(join(base, 'auth-thankyou.wav'), wav());
    put(join(base, 'digits/7.wav'), wav());
    put(join(base, 'beep.wav'), wav());
    put(join(base, 'unlisted.wav'), wav());
    copyright(wavRoot, 'asterisk-core-sounds-en-wav', [['*', 'CC-BY-SA-3.0']]);
    const list = '; Core Asterisk Sounds in English\n\nauth-thankyou: Thank you.\ndigits/7: seven\nbeep: [this is a simple beep tone]\n';
    put(join(textRoot, 'usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz'), gzipSync(list));
    const items = await importAsteriskPrompts(wavRoot, textRoot);
    expect(items.map((i) => i.id)).toEqual([
      'asterisk-core-sounds-en/auth-thankyou',
      'asterisk-core-sounds-en/beep',
      'asterisk-core-sounds-en/digits/7',
    ]);
    expect(items[0]!.transcript).toBe('Thank you.');
    expect(items[1]!.transcript).toBeUndefined();
    expect(items[1]!.humanCaptions).toEqual(['this is a simple beep tone']);
    expect(items[2]!.transcript).toBe('seven');
    expect(items.every((i) => i.license === 'CC-BY-SA-3.0')).toBe(true);
  });

  it('parseAsteriskPromptList keeps colons inside the words', () => {
    const prompts = parseAsteriskPromptList('at-tone-time-exactly: At the sound of the tone: the time.\n; comment: no\n');
    expect([...prompts]).toEqual([['at-tone-time-exactly', { transcript: 'At the sound of the tone: the time.' }]]);
  });

  it('sound-theme-freedesktop: files no stanza covers are NOASSERTION, not guessed', async () => {
    const root = join(dir, 'freedesktop');
    put(join(root, 'usr/share/sounds/freedesktop/stereo/bell.oga'), wav());
    put(join(root, 'usr/share/sounds/freedesktop/stereo/dialog-warning.oga'), wav());
    copyright(root, 'sound-theme-freedesktop', [['stereo/bell.oga', 'CC-BY-3.0']]);
    const items = await importFreedesktopSounds(root);
    expect(items.map((i) => [i.id, i.license])).toEqual([
      ['sound-theme-freedesktop/bell', 'CC-BY-3.0'],
      ['sound-theme-freedesktop/dialog-warning', NO_ASSERTION],
    ]);
  });

  it('a tree that is not the package fails with SourceLayoutError naming the path', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    for (const run of [
      () => importSonicPiSamples(empty),
      () => importLmmsSamples(empty),
      () => importGcomprisSounds(empty, join(dir, 'x')),
      () => importAsteriskPrompts(empty, empty),
      () => importFreedesktopSounds(empty),
    ]) {
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceLayoutError);
      expect((error as Error).message).toContain(empty);
    }
  });
});

describe('importFolder', () => {
  it('turns a scanned folder into items with sidecar captions, tags, transcript and licence', async () => {
    const root = join(dir, 'My Sounds');
    put(join(root, 'dogs/bark.wav'), wav());
    put(join(root, 'dogs/bark.txt'), 'a dog barks twice\na small dog barking\n');
    put(join(root, 'voice.wav'), wav());
    put(join(root, 'voice.json'), JSON.stringify({ transcript: 'hello there', license: 'CC-BY-4.0', tags: ['greeting'] }));
    put(join(root, 'a b.wav'), wav());
    put(join(root, 'a-b.wav'), wav());
    const items = await importFolder(root, { license: 'CC0-1.0' });
    const byPath = new Map(items.map((i) => [i.file.slice(root.length + 1), i]));
    expect(byPath.get('dogs/bark.wav')).toMatchObject({
      id: 'my-sounds/dogs/bark.wav',
      source: `folder:${root}`,
      license: 'CC0-1.0',
      labels: ['bark', 'dogs'],
      humanCaptions: ['a dog barks twice', 'a small dog barking'],
    });
    expect(byPath.get('voice.wav')).toMatchObject({ transcript: 'hello there', license: 'CC-BY-4.0', tags: ['greeting'] });
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length); // "a b" and "a-b" stay distinct
    expect((await importFolder(root)).find((i) => i.id.endsWith('bark.wav'))!.license).toBe(NO_ASSERTION);
  });
});
