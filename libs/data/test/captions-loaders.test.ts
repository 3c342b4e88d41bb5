// Loaders of the public caption sets (Clotho v2, AudioCaps, WavCaps, Auto-ACD) on hand-written fixtures, their
// errors, and the multi-granular ClipRecord drafts made from their items.
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { clipRecordProblem } from '../src/manifest.js';
import {
  CaptionFormatError,
  captionTags,
  clipDrafts,
  licenseFromUrl,
  loadAudioCaps,
  loadAutoAcd,
  loadClotho,
  loadWavCaps,
  type CaptionSetItem,
} from '../src/captions/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/captions/${name}`, import.meta.url));

const clothoCsv = fixture('clotho_captions_development.csv');
const clothoMetadata = fixture('clotho_metadata_development.csv');

const clothoExpected: CaptionSetItem[] = [
  {
    id: 'clotho:Distorted AM Radio noise',
    audio: '/data/clotho/Distorted AM Radio noise.wav',
    source: 'clotho-v2',
    license: 'CC-BY-3.0',
    captions: [
      'A radio is tuned between stations with static.',
      'Static crackles from an old radio.',
      'Radio static rises and falls in waves.',
      'An AM radio hisses and whines.',
      'Someone tunes a radio through heavy static.',
    ],
    keywords: ['radio', 'static', 'AM', 'noise'],
    recording: 'freesound:90412',
  },
  {
    id: 'clotho:Bird Song, Crickets',
    audio: '/data/clotho/Bird Song, Crickets.wav',
    source: 'clotho-v2',
    license: 'CC0-1.0',
    captions: [
      'A bird sings "tweet" over crickets.',
      'Crickets chirp while a bird sings.',
      'Birds call, crickets chirp.',
      'A songbird whistles in a field of crickets.',
      'Crickets and birds in the evening.',
    ],
    keywords: ['bird', 'crickets', 'evening'],
    recording: 'freesound:180913',
  },
  {
    id: 'clotho:Rain, Thunder, Storm',
    audio: '/data/clotho/Rain, Thunder, Storm.wav',
    source: 'clotho-v2',
    license: 'NOASSERTION',
    captions: [
      'Rain falls steadily, then thunder rolls.',
      'Thunder rumbles during a rain storm.',
      'Heavy rain with distant thunder.',
      'A storm with rain and thunder.',
      'Rain pours as thunder cracks.',
    ],
  },
  {
    id: 'clotho:footsteps_gravel',
    audio: '/data/clotho/footsteps_gravel.wav',
    source: 'clotho-v2',
    license: 'CC-BY-NC-3.0',
    captions: [
      'Footsteps crunch on gravel.',
      'A person walks on a gravel path.',
      'Shoes crunch over small stones.',
      'Someone walks slowly across gravel.',
      'Slow footsteps on gravel.',
    ],
    keywords: ['footsteps', 'gravel'],
    recording: 'freesound:55012',
  },
];

describe('loadClotho', () => {
  it('reads captions (BOM, CRLF, quoted commas, quotes and a line break) and joins the metadata', async () => {
    expect(await loadClotho(clothoCsv, '/data/clotho/', { metadataCsv: clothoMetadata })).toEqual(clothoExpected);
  });

  it('without metadata, takes the licence from the options and has no keywords', async () => {
    const items = await loadClotho(clothoCsv, '/data/clotho', { license: 'CC-BY-4.0' });
    expect(items.map((i) => i.license)).toEqual(['CC-BY-4.0', 'CC-BY-4.0', 'CC-BY-4.0', 'CC-BY-4.0']);
    expect(items.every((i) => i.keywords === undefined && i.recording === undefined)).toBe(true);
    expect(items.map((i) => i.captions)).toEqual(clothoExpected.map((i) => i.captions));
  });

  it('names the file and line of a short row and of an unclosed quote', async () => {
    await expect(loadClotho(fixture('clotho_bad_fields.csv'), '/a')).rejects.toThrow(
      /clotho_bad_fields\.csv:3: 5 fields where the header has 6$/,
    );
    await expect(loadClotho(fixture('clotho_bad_quote.csv'), '/a')).rejects.toThrow(
      /clotho_bad_quote\.csv:3: a quoted field is never closed$/,
    );
  });
});

describe('loadAudioCaps', () => {
  it('gathers the rows of each clip in file order', async () => {
    expect(await loadAudioCaps(fixture('audiocaps_val.csv'), '/data/audiocaps')).toEqual([
      {
        id: 'audiocaps:vfY_TJq7n_U_130',
        audio: '/data/audiocaps/vfY_TJq7n_U_130.wav',
        source: 'audiocaps',
        license: 'NOASSERTION',
        captions: [
          'Ducks quack, water splashes',
          'A man speaks',
          'A man talks near ducks',
          'Water splashes as ducks call, then a man talks',
          'Someone says "hello" by a pond',
        ],
        recording: 'youtube:vfY_TJq7n_U',
      },
      {
        id: 'audiocaps:-0Gj8-vB1q4_30',
        audio: '/data/audiocaps/-0Gj8-vB1q4_30.wav',
        source: 'audiocaps',
        license: 'NOASSERTION',
        captions: [
          'A dog barks twice',
          'A dog barks TWICE',
          'Barking from a dog',
          'A dog barks in a yard',
          'A small dog yaps',
        ],
        recording: 'youtube:-0Gj8-vB1q4',
      },
      {
        id: 'audiocaps:tdWhHV3X25Q_60',
        audio: '/data/audiocaps/tdWhHV3X25Q_60.wav',
        source: 'audiocaps',
        license: 'NOASSERTION',
        captions: [
          'A man speaks',
          'An audience applauds',
          'A crowd claps and cheers',
          'People clap after a speech',
          'A man talks near ducks',
        ],
        recording: 'youtube:tdWhHV3X25Q',
      },
    ]);
  });

  it('takes the file name convention and the licence from the options', async () => {
    const items = await loadAudioCaps(fixture('audiocaps_val.csv'), 'a', {
      fileName: (youtubeId, startTime) => `${youtubeId}/${Number(startTime) * 1000}.flac`,
      license: 'CC-BY-4.0',
    });
    expect(items.map((i) => [i.audio, i.license])).toEqual([
      ['a/vfY_TJq7n_U/130000.flac', 'CC-BY-4.0'],
      ['a/-0Gj8-vB1q4/30000.flac', 'CC-BY-4.0'],
      ['a/tdWhHV3X25Q/60000.flac', 'CC-BY-4.0'],
    ]);
  });

  it('names the file and line of a bad start time (after a row spanning two lines)', async () => {
    await expect(loadAudioCaps(fixture('audiocaps_bad_start.csv'), '/a')).rejects.toThrow(
      /audiocaps_bad_start\.csv:5: start_time "sixty" is not a number of seconds$/,
    );
  });
});

describe('loadWavCaps', () => {
  it('reads a FreeSound subset: placeholder audio paths, numeric ids, tags, title and description', async () => {
    expect(await loadWavCaps(fixture('wavcaps_freesound.json'), '/data/wavcaps/fsd', { subset: 'FreeSound' })).toEqual([
      {
        id: 'wavcaps:FreeSound:180913',
        audio: '/data/wavcaps/fsd/180913.flac',
        source: 'wavcaps:FreeSound',
        license: 'NOASSERTION',
        captions: ['Birds are singing and crickets are chirping.'],
        description: 'Birds singing at dusk with crickets, recorded in a garden.',
        keywords: ['bird', 'crickets', 'evening'],
        durationS: 21,
        recording: 'freesound:180913',
      },
      {
        id: 'wavcaps:FreeSound:55012',
        audio: '/data/wavcaps/fsd/gravel/55012.flac',
        source: 'wavcaps:FreeSound',
        license: 'NOASSERTION',
        captions: ['Footsteps on gravel.'],
        durationS: 15,
        recording: 'freesound:55012',
      },
      {
        id: 'wavcaps:FreeSound:7777',
        audio: '/data/wavcaps/fsd/7777.wav',
        source: 'wavcaps:FreeSound',
        license: 'NOASSERTION',
        captions: ['A door slams shut twice.'],
        description: 'Door slam. A heavy wooden door slammed shut twice in a hallway.',
        recording: 'freesound:7777',
      },
    ]);
  });

  it('reads an AudioSet_SL subset, its recordings being YouTube videos', async () => {
    const items = await loadWavCaps(fixture('wavcaps_audioset_sl.json'), '/w', { subset: 'AudioSet_SL' });
    expect(items.map((i) => [i.id, i.audio, i.durationS, i.recording])).toEqual([
      ['wavcaps:AudioSet_SL:Y-0Gj8-vB1q4.wav', '/w/Y-0Gj8-vB1q4.flac', 10, 'youtube:-0Gj8-vB1q4'],
      ['wavcaps:AudioSet_SL:YvfY_TJq7n_U.wav', '/w/YvfY_TJq7n_U.flac', 10, 'youtube:vfY_TJq7n_U'],
    ]);
  });

  it('names the entry with an empty caption, and the line of a JSON syntax error', async () => {
    await expect(loadWavCaps(fixture('wavcaps_bad_entry.json'), '/w', { subset: 'BBC_Sound_Effects' })).rejects.toThrow(
      /wavcaps_bad_entry\.json: empty "data\[1\]\.caption"$/,
    );
    await expect(loadWavCaps(fixture('wavcaps_broken.json'), '/w', { subset: 'SoundBible' })).rejects.toThrow(
      /wavcaps_broken\.json:4: not valid JSON/,
    );
  });
});

describe('loadAutoAcd', () => {
  it('reads one long caption per clip', async () => {
    const common = { source: 'auto-acd', license: 'NOASSERTION' };
    expect(await loadAutoAcd(fixture('autoacd.csv'), '/data/acd')).toEqual([
      {
        id: 'auto-acd:-0Gj8-vB1q4_000030',
        audio: '/data/acd/-0Gj8-vB1q4_000030.wav',
        ...common,
        captions: ['A dog barks repeatedly in a backyard, while birds chirp in the distance.'],
        recording: 'youtube:-0Gj8-vB1q4',
      },
      {
        id: 'auto-acd:vfY_TJq7n_U_000130',
        audio: '/data/acd/vfY_TJq7n_U_000130.wav',
        ...common,
        captions: ['Ducks quack and water splashes at a pond, as a man talks nearby.'],
        recording: 'youtube:vfY_TJq7n_U',
      },
      {
        id: 'auto-acd:tdWhHV3X25Q_000060',
        audio: '/data/acd/tdWhHV3X25Q_000060.wav',
        ...common,
        captions: ['An audience applauds and cheers in a large hall after a speech.'],
        recording: 'youtube:tdWhHV3X25Q',
      },
    ]);
  });

  it('names the file and line of an empty caption', async () => {
    const load = loadAutoAcd(fixture('autoacd_bad.csv'), '/a');
    await expect(load).rejects.toBeInstanceOf(CaptionFormatError);
    await expect(load).rejects.toThrow(/autoacd_bad\.csv:3: empty "caption"$/);
  });
});

describe('clipDrafts', () => {
  it('picks the longest caption or description, the shortest caption, keywords or caption nouns as tags', async () => {
    const clotho = clipDrafts(await loadClotho(clothoCsv, '/data/clotho', { metadataCsv: clothoMetadata }));
    expect(clotho[0]).toEqual({
      id: 'clotho:Distorted AM Radio noise',
      audio: '/data/clotho/Distorted AM Radio noise.wav',
      source: 'clotho-v2',
      license: 'CC-BY-3.0',
      captionLong: 'A radio is tuned between stations with static.',
      captionShort: 'An AM radio hisses and whines.',
      tags: ['radio', 'static', 'am', 'noise'],
      tagClusters: [],
      recordings: ['freesound:90412'],
    });
    expect(clotho[2]!.tags).toEqual(['rain', 'thunder', 'storm', 'fall', 'roll']);
    expect(clotho[2]!.recordings).toBeUndefined();

    const [, , door] = clipDrafts(await loadWavCaps(fixture('wavcaps_freesound.json'), '/w', { subset: 'FreeSound' }));
    expect(door).toMatchObject({
      captionLong: 'Door slam. A heavy wooden door slammed shut twice in a hallway.',
      captionShort: 'A door slams shut twice.',
      tags: ['door', 'slam', 'shut'],
    });
    expect(door!.durationS).toBeUndefined();
  });

  it('gives records the manifest validator accepts once durationS (from the audio) and split are filled', async () => {
    const items = [
      ...(await loadClotho(clothoCsv, '/data/clotho', { metadataCsv: clothoMetadata })),
      ...(await loadAudioCaps(fixture('audiocaps_val.csv'), '/data/audiocaps')),
      ...(await loadWavCaps(fixture('wavcaps_freesound.json'), '/w', { subset: 'FreeSound' })),
      ...(await loadWavCaps(fixture('wavcaps_audioset_sl.json'), '/w', { subset: 'AudioSet_SL' })),
      ...(await loadAutoAcd(fixture('autoacd.csv'), '/data/acd')),
    ];
    const drafts = clipDrafts(items);
    expect(new Set(drafts.map((d) => d.id)).size).toBe(drafts.length);
    for (const draft of drafts) {
      expect(draft.tags.length).toBeGreaterThan(0);
      expect(clipRecordProblem(draft)).not.toBeNull(); // no split yet
      expect(clipRecordProblem({ ...draft, durationS: draft.durationS ?? 10, split: 'train' })).toBeNull();
    }
  });
});

describe('caption helpers', () => {
  it('captionTags keeps frequent nouns, drops stop words, verb forms and adverbs unless nothing else is left', () => {
    const captions = ['A dog is barking loudly at the cars', 'Dogs bark at passing cars', 'A car horn'];
    expect(captionTags(captions)).toEqual(['car', 'dog', 'bark', 'horn']);
    expect(captionTags(captions, 2)).toEqual(['car', 'dog']);
    expect(captionTags(['Multiple clanging and clanking sounds'])).toEqual(['clanging', 'clanking']);
  });

  it('licenseFromUrl maps Creative Commons URLs to SPDX ids', () => {
    expect(licenseFromUrl('http://creativecommons.org/licenses/by/3.0/')).toBe('CC-BY-3.0');
    expect(licenseFromUrl('https://creativecommons.org/licenses/by-nc-sa/4.0/')).toBe('CC-BY-NC-SA-4.0');
    expect(licenseFromUrl('http://creativecommons.org/publicdomain/zero/1.0/')).toBe('CC0-1.0');
    const samplingPlus = 'http://creativecommons.org/licenses/sampling+/1.0/';
    expect(licenseFromUrl(samplingPlus)).toBe('LicenseRef-CC-Sampling-Plus-1.0');
    expect(licenseFromUrl(' MIT ')).toBe('MIT');
    expect(licenseFromUrl('')).toBe('NOASSERTION');
  });
});
