// Tags from file names, folders and sidecar labels, and the taxonomy behind them. Expected tags are written from
// what the names mean: the sound itself first, its modifier phrase, the categories the name states, then the
// broader terms of the taxonomy.
import { describe, expect, it } from 'vitest';

import { hypernymsOf, soundClassOf, tagsFromLabels } from '../src/annotate/index.js';
import { GM_FAMILIES, GM_PERCUSSION } from '../src/annotate/vocabulary/gm.js';
import { EVENT_VERBS, GENERIC_EVENTS, HYPERNYMS, TERM_CLASSES } from '../src/annotate/vocabulary/terms.js';
import { ALIASES, CONTEXT_SENSES, MODIFIERS, STYLE_TERMS } from '../src/annotate/vocabulary/words.js';

const tags = (...labels: string[]) => tagsFromLabels(labels);

describe('tagsFromLabels on sample-library names', () => {
  it.each([
    // category_instrument_modifier: the cymbal is the sound, "drum" the category, percussion its hypernym
    ['drum_cymbal_open', ['cymbal', 'open cymbal', 'drum', 'percussion']],
    // elec → electronic (a style, also a tag); the number is dropped
    ['elec_blip2', ['blip', 'electronic blip', 'electronic', 'electronic sound']],
    // "hit" says how the bass is played; c is a note
    ['bass_hit_c', ['bass', 'bass hit']],
    // no sound noun: the style and what it implies, then the unknown but word-like words
    ['ambi_lunar_land', ['ambient', 'ambience', 'lunar', 'land']],
    // BD = bass drum; a kick drum is a bass drum; 909 is a number
    ['BD Kick 909.wav', ['kick drum', 'bass drum', 'drum', 'percussion']],
    // misc is noise
    ['misc_burp', ['burp', 'human sound']],
    // em9 is a chord name
    ['guit_em9', ['guitar', 'string instrument']],
    ['perc_bell', ['bell', 'percussion']],
    // "dolf" is no known word but looks like one: kept, last
    ['sn_dolf', ['snare drum', 'drum', 'percussion', 'dolf']],
    // the Amen break is a breakbeat, a drum loop; "full" is a take marker
    ['loop_amen_full', ['amen break', 'loop', 'breakbeat', 'drum loop', 'drum', 'music', 'percussion']],
    ['hihat-closed', ['hi-hat', 'closed hi-hat', 'cymbal', 'percussion']],
  ])('%s', (label, expected) => {
    expect(tags(label)).toEqual(expected);
  });

  it('reads a path leaf first, its folders as categories', () => {
    expect(tags('drums/hihat_closed01.ogg')).toEqual(['hi-hat', 'closed hi-hat', 'drum', 'cymbal', 'percussion']);
    expect(tags('hihat_closed01', 'drums')).toEqual(tags('drums/hihat_closed01.ogg'));
    expect(tags('sounds/animals/dog_bark.wav')).toEqual(['bark', 'dog bark', 'dog', 'animal']);
  });

  it('orders modifiers as English does and keeps the kind-naming phrase', () => {
    // quality before type: "hard high tom"; the type alone names a kind of tom
    expect(tags('drum_tom_hi_hard')).toEqual(['tom', 'hard high tom', 'high tom', 'drum', 'percussion']);
    // the category written first and reversed: "drum bass" is a bass drum
    expect(tags('drum_bass_hard')).toEqual(['bass drum', 'hard bass drum', 'drum', 'percussion']);
    expect(tags('elec_soft_kick')).toEqual([
      'kick drum', 'soft electronic kick drum', 'electronic', 'electronic sound', 'bass drum', 'drum', 'percussion',
    ]);
  });

  it('joins a sound to its source: a dog bark is a bark; a guitar slide is a guitar', () => {
    expect(tags('dog_bark')).toEqual(['bark', 'dog bark', 'dog', 'animal']);
    expect(tags('guit_e_slide')).toEqual(['guitar', 'guitar slide', 'string instrument']);
    expect(tags('vinyl_scratch')).toEqual(['vinyl', 'vinyl scratch', 'turntable']);
  });

  it('expands sample-library abbreviations', () => {
    expect(tags('bd_fat')[0]).toBe('bass drum');
    expect(tags('sn_generic')[0]).toBe('snare drum');
    expect(tags('hh_open')).toEqual(['hi-hat', 'open hi-hat', 'cymbal', 'percussion']);
    expect(tags('hat_cab')[0]).toBe('hi-hat');
    expect(tags('perc_swoosh')).toEqual(['swoosh', 'percussion', 'whoosh', 'sound effect']);
    expect(tags('vox_fx')).toEqual(['sound effect', 'voice', 'human sound']);
    expect(tags('ambi_drone')).toEqual(['drone', 'ambient drone', 'ambient', 'ambience']);
    // an "e" before an instrument is electric; before anything else it is the note E
    expect(tags('e_piano_accord01')).toEqual(['electric piano', 'electric piano chord', 'piano', 'keyboard']);
    for (const label of ['bd_fat', 'sn_generic', 'hh_open', 'perc_bell', 'vox_fx', 'guit_em9', 'elec_beep']) {
      const abbreviation = label.split('_')[0]!;
      expect(tags(label)).not.toContain(abbreviation);
    }
  });

  it('singularises simple plurals and keeps plural instrument names', () => {
    expect(tags('claps')[0]).toBe('clap');
    expect(tags('church_bells')[0]).toBe('church bell');
    expect(tags('wind_chimes01')[0]).toBe('wind chime');
    expect(tags('FX 7 (echoes)')[0]).toBe('echo');
    expect(tags('Steel Drums')[0]).toBe('steel drum');
    expect(tags('footsteps')[0]).toBe('footstep');
    expect(tags('maracas')[0]).toBe('maracas');
    expect(tags('strings')[0]).toBe('strings');
    expect(tags('glass')[0]).toBe('glass');
  });

  it('drops numbers, note names, take markers, file extensions and "sample"/"sound"', () => {
    const noisy = ['kick_c4.wav', 'bass_f#3', 'guit_em9', 'pad_cmaj7_v2', 'snare_take3_final', 'bell_01.flac',
      'piano_sample_full', 'bell sound.ogg', 'bass_tb303_01', 'synth_Ab4'];
    for (const label of noisy) {
      const t = tags(label);
      expect(t.length, label).toBeGreaterThan(0);
      for (const tag of t) {
        expect(tag, label).not.toMatch(/\d/);
        expect(tag, label).not.toMatch(/\b([a-g](#|b|s)?(m|maj|min)?\d*)$/);
        expect(tag, label).not.toMatch(/\b(take|final|sample|full|wav|flac|ogg|v)\b/);
        expect(tag, label).not.toBe('sound');
      }
    }
    expect(tags('loop_industrial')).toContain('loop');
  });

  it('keeps unknown words only if they look like words', () => {
    expect(tags('bd_zome')).toEqual(['bass drum', 'drum', 'percussion', 'zome']);
    expect(tags('bd_xq_zzz_k7')).toEqual(['bass drum', 'drum', 'percussion']);
    expect(tags('qwxz')).toEqual([]);
  });

  it('reads a word by its context: a crash among drums is a cymbal, elsewhere an impact', () => {
    expect(tags('drums/crash01.ogg')[0]).toBe('crash cymbal');
    expect(tags('crash.wav')).toEqual(['crash', 'impact', 'sound effect']);
    expect(tags('drum_splash_soft')[0]).toBe('splash cymbal');
    expect(tags('splash')).toEqual(['splash', 'water']);
    expect(tags('beats/break01.ogg')[0]).toBe('breakbeat');
  });

  it('reads sidecar phrases and comma-separated labels', () => {
    expect(tags('A dog barking loudly')).toEqual(['bark', 'loud dog bark', 'dog bark', 'dog', 'animal']);
    expect(tags('Rain, thunder')).toEqual(['rain', 'thunder', 'water', 'weather']);
  });

  it('names desktop sounds and speech prompts', () => {
    expect(tags('dialog-warning.oga')).toEqual(['warning', 'alert']);
    expect(tags('message-new-instant.oga')).toEqual(['message', 'notification', 'instant']);
    expect(tags('camera-shutter.oga')).toEqual(['camera shutter', 'camera', 'click', 'sound effect']);
    expect(tags('voice prompt', 'woman')).toEqual([
      'voice prompt', 'woman', 'speech', 'voice', 'human sound', 'person',
    ]);
  });

  it('returns lower-case, deduplicated tags without empty strings', () => {
    for (const label of ['Drum_Drum_DRUM', 'BD Kick 909.wav', 'kick/kick/kick_kick', '  ', '', '___']) {
      const t = tags(label);
      expect(new Set(t).size).toBe(t.length);
      for (const tag of t) expect(tag).toMatch(/^[a-z][a-z -]*[a-z]$/);
    }
    expect(tags('Drum_Drum_DRUM')).toEqual(['drum', 'percussion']);
  });
});

describe('the taxonomy', () => {
  const terms = Object.keys(HYPERNYMS);

  it('is closed: every parent is a term and no term is its own ancestor', () => {
    for (const [term, parents] of Object.entries(HYPERNYMS)) {
      for (const p of parents) expect(HYPERNYMS, `${term} → ${p}`).toHaveProperty([p]);
      expect(hypernymsOf(term)).not.toContain(term);
    }
  });

  it('gives every term a sound class', () => {
    for (const t of terms) expect(soundClassOf(t), t).toBeDefined();
    for (const t of Object.keys(TERM_CLASSES)) expect(HYPERNYMS).toHaveProperty([t]);
  });

  it('resolves every alias, style, context sense and event to the vocabulary', () => {
    for (const [alias, target] of Object.entries(ALIASES)) {
      expect(Object.hasOwn(HYPERNYMS, target) || Object.hasOwn(MODIFIERS, target), `${alias} → ${target}`).toBe(true);
    }
    for (const [style, term] of Object.entries(STYLE_TERMS)) {
      expect(MODIFIERS[style], style).toBe('style');
      expect(HYPERNYMS).toHaveProperty([term]);
    }
    for (const [, sense, otherwise] of Object.values(CONTEXT_SENSES)) {
      expect(HYPERNYMS).toHaveProperty([sense]);
      if (otherwise) expect(HYPERNYMS).toHaveProperty([otherwise]);
    }
    for (const e of [...GENERIC_EVENTS, ...Object.keys(EVENT_VERBS)]) expect(HYPERNYMS).toHaveProperty([e]);
  });

  it('walks hypernyms nearest first', () => {
    expect(hypernymsOf('kick drum')).toEqual(['bass drum', 'drum', 'percussion']);
    expect(hypernymsOf('bird tweet')).toEqual(['bird', 'animal']);
    expect(hypernymsOf('unheard-of')).toEqual([]);
    expect(soundClassOf('speech')).toBe('speech');
    expect(soundClassOf('choir')).toBe('voice');
    expect(soundClassOf('helicopter')).toBe('vehicle');
  });

  it('covers the 16 General MIDI families, their 128 programs and the percussion map', () => {
    expect(GM_FAMILIES).toHaveLength(16);
    for (const family of GM_FAMILIES) {
      expect(family.programs).toHaveLength(8);
      expect(HYPERNYMS).toHaveProperty([family.term]);
    }
    const names = [...GM_FAMILIES.flatMap((f) => f.programs), ...Object.values(GM_PERCUSSION)];
    expect(names).toHaveLength(128 + 47);
    for (const name of names) {
      const t = tags(name);
      expect(Object.hasOwn(HYPERNYMS, t[0] ?? ''), `${name} → ${t.join(', ')}`).toBe(true);
    }
    expect(tags('Bird Tweet')).toEqual(['bird tweet', 'bird', 'animal']);
    expect(tags('Telephone Ring')).toEqual(['telephone ring', 'telephone']);
    expect(tags('Seashore')).toEqual(['seashore', 'sea', 'water']);
    expect(tags('Helicopter')).toEqual(['helicopter', 'aircraft', 'vehicle']);
    expect(tags('Applause')).toEqual(['applause', 'crowd']);
    expect(tags('Gunshot')).toEqual(['gunshot', 'weapon']);
    expect(tags('Closed Hi Hat')).toEqual(['hi-hat', 'closed hi-hat', 'cymbal', 'percussion']);
    expect(tags('Acoustic Guitar (nylon)')).toEqual([
      'acoustic guitar', 'nylon acoustic guitar', 'guitar', 'string instrument',
    ]);
  });
});
