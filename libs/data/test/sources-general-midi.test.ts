// General MIDI renders: the MIDI writer read back by an independent SMF reader, the note plan, the slicing of a
// synthetic render, the error paths, and (where FluidSynth and FluidR3_GM.sf2 are installed) a small real render.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';
import { decodeFile } from '@aurola/audio';

import {
  GeneralMidiError,
  generalMidiPlan,
  renderGeneralMidi,
  sliceNotes,
  writeMidi,
  type MidiNote,
} from '../src/sources/general-midi.js';

const SOUNDFONT_CANDIDATES = [
  '/usr/share/sounds/sf2/FluidR3_GM.sf2',
  '/tmp/aurola-debs/fluid-soundfont-gm/usr/share/sounds/sf2/FluidR3_GM.sf2',
];
const soundfont = SOUNDFONT_CANDIDATES.find((path) => existsSync(path));
const haveSoundfont = soundfont !== undefined;
const haveFluidsynth = (() => {
  try {
    execFileSync('fluidsynth', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(join(tmpdir(), 'aurola-gm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


// ---------------------------------------------------------------------------------------------------------------
// A minimal Standard MIDI File reader, written from the SMF 1.0 specification.

interface ReadNote {
  channel: number;
  key: number;
  velocity: number;
  program: number | undefined;
  onS: number;
  offS: number;
}

interface ReadMidi {
  format: number;
  tracks: number;
  division: number;
  trackLengthField: number;
  trackBytesAfterHeader: number;
  endsWithEndOfTrack: boolean;
  notes: ReadNote[];
}

function readMidi(bytes: Uint8Array): ReadMidi {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  expect(tag(0)).toBe('MThd');
  expect(view.getUint32(4)).toBe(6);
  const format = view.getUint16(8);
  const tracks = view.getUint16(10);
  const division = view.getUint16(12);
  expect(tag(14)).toBe('MTrk');
  const trackLengthField = view.getUint32(18);
  const end = 22 + trackLengthField;

  let pos = 22;
  const readVlq = () => {
    let value = 0;
    for (;;) {
      const b = bytes[pos++]!;
      value = value * 128 + (b & 0x7f);
      if (!(b & 0x80)) return value;
    }
  };
  let microsPerQuarter = 500_000; // the SMF default, replaced by a tempo event
  let seconds = 0;
  let status = 0;
  let sawEnd = false;
  const programs = new Map<number, number>();
  const open = new Map<string, ReadNote[]>();
  const notes: ReadNote[] = [];
  while (pos < end && !sawEnd) {
    seconds += (readVlq() * microsPerQuarter) / 1e6 / division;
    if (bytes[pos]! & 0x80) status = bytes[pos++]!; // otherwise running status: the previous status byte
    if (status === 0xff) {
      const type = bytes[pos++]!;
      const length = readVlq();
      if (type === 0x51) microsPerQuarter = (bytes[pos]! << 16) | (bytes[pos + 1]! << 8) | bytes[pos + 2]!;
      if (type === 0x2f) sawEnd = true;
      pos += length;
      continue;
    }
    const kind = status & 0xf0;
    const channel = status & 0x0f;
    if (kind === 0xc0) {
      programs.set(channel, bytes[pos++]!);
    } else if (kind === 0x90 || kind === 0x80) {
      const key = bytes[pos++]!;
      const velocity = bytes[pos++]!;
      const id = `${channel}:${key}`;
      if (kind === 0x90 && velocity > 0) {
        const note = { channel, key, velocity, program: programs.get(channel), onS: seconds, offS: NaN };
        notes.push(note);
        open.set(id, [...(open.get(id) ?? []), note]);
      } else {
        const note = open.get(id)?.shift();
        if (note) note.offS = seconds;
      }
    } else {
      throw new Error(`unexpected status byte 0x${status.toString(16)}`);
    }
  }
  return {
    format,
    tracks,
    division,
    trackLengthField,
    trackBytesAfterHeader: bytes.length - 22,
    endsWithEndOfTrack: sawEnd && pos === end,
    notes,
  };
}

describe('writeMidi', () => {
  it('writes random notes that an independent reader reads back exactly', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const random = makeRng(seed);
      const used = new Set<string>();
      const channelProgram = new Map<number, number>();
      const notes: MidiNote[] = [];
      while (notes.length < 40) {
        const channel = Math.floor(random() * 16);
        const key = Math.floor(random() * 128);
        // One note per channel and key, so note-offs pair with their note-ons without ambiguity.
        if (used.has(`${channel}:${key}`)) continue;
        used.add(`${channel}:${key}`);
        if (!channelProgram.has(channel)) channelProgram.set(channel, Math.floor(random() * 128));
        notes.push({
          channel,
          program: channelProgram.get(channel)!,
          key,
          velocity: 1 + Math.floor(random() * 127),
          startS: random() * 30,
          durationS: 0.01 + random() * 5,
        });
      }
      const midi = readMidi(writeMidi(notes));
      expect(midi.format).toBe(0);
      expect(midi.tracks).toBe(1);
      expect(midi.division).toBe(480);
      expect(midi.trackLengthField).toBe(midi.trackBytesAfterHeader);
      expect(midi.endsWithEndOfTrack).toBe(true);
      expect(midi.notes).toHaveLength(notes.length);
      const tick = 1 / 960;
      for (const note of notes) {
        const read = midi.notes.find((n) => n.channel === note.channel && n.key === note.key)!;
        expect(read).toBeDefined();
        expect(read.velocity).toBe(note.velocity);
        expect(read.program).toBe(note.program);
        expect(Math.abs(read.onS - note.startS)).toBeLessThanOrEqual(tick);
        expect(Math.abs(read.offS - (note.startS + note.durationS))).toBeLessThanOrEqual(tick);
      }
    }
  });

  it('gives each note its own program, even two notes on one channel at one time', () => {
    const notes: MidiNote[] = [
      { channel: 3, program: 10, key: 60, velocity: 90, startS: 1, durationS: 0.5 },
      { channel: 3, program: 20, key: 62, velocity: 91, startS: 1, durationS: 0.5 },
      { channel: 9, key: 36, velocity: 100, startS: 0, durationS: 0.2 },
    ];
    const read = readMidi(writeMidi(notes)).notes;
    expect(read.find((n) => n.key === 60)!.program).toBe(10);
    expect(read.find((n) => n.key === 62)!.program).toBe(20);
    expect(read.find((n) => n.key === 36)!.program).toBeUndefined();
  });

  it('puts the end of the track at endS, so a player renders up to there', () => {
    const bytes = writeMidi([{ channel: 0, key: 60, velocity: 64, startS: 0, durationS: 1 }], { endS: 7.5 });
    // The track ends with a 2-byte delta (the 6.5 s after the note-off) and the end-of-track meta event.
    const tail = bytes.subarray(bytes.length - 5);
    expect([...tail.subarray(2)]).toEqual([0xff, 0x2f, 0x00]);
    expect(((tail[0]! & 0x7f) << 7) | tail[1]!).toBe(6.5 * 960);
  });

  it('rejects notes MIDI cannot carry', () => {
    const ok: MidiNote = { channel: 0, key: 60, velocity: 64, startS: 0, durationS: 1 };
    expect(() => writeMidi([{ ...ok, channel: 16 }])).toThrow(RangeError);
    expect(() => writeMidi([{ ...ok, velocity: 0 }])).toThrow(RangeError);
    expect(() => writeMidi([{ ...ok, key: 128 }])).toThrow(RangeError);
    expect(() => writeMidi([{ ...ok, startS: -1 }])).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('generalMidiPlan', () => {
  const plan = generalMidiPlan();

  it('has 12 notes for each of the 128 programs and two for each of the 47 percussion keys', () => {
    expect(plan).toHaveLength(128 * 12 + 47 * 2);
    for (let program = 0; program < 128; program++) {
      expect(plan.filter((n) => n.program === program)).toHaveLength(12);
    }
    expect(plan.filter((n) => n.program === 'percussion')).toHaveLength(94);
  });

  it('gives unique, filesystem-safe ids under fluid-soundfont-gm/', () => {
    const ids = plan.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^fluid-soundfont-gm\/[a-z0-9][a-z0-9._-]*$/);
      expect(id).not.toContain('..');
    }
    expect(ids).toContain('fluid-soundfont-gm/acoustic-grand-piano-c4-loud-short');
    expect(ids).toContain('fluid-soundfont-gm/percussion-acoustic-bass-drum-soft');
  });

  it('plays 3 pitches in MIDI 21–108 per program, soft (48) and loud (112), short (0.4 s) and long (1.6 s)', () => {
    for (let program = 0; program < 128; program++) {
      const notes = plan.filter((n) => n.program === program);
      const keys = [...new Set(notes.map((n) => n.key))];
      expect(keys).toHaveLength(3);
      for (const key of keys) {
        expect(key).toBeGreaterThanOrEqual(21);
        expect(key).toBeLessThanOrEqual(108);
        const combos = notes.filter((n) => n.key === key).map((n) => `${n.velocity}/${n.durationS}`);
        expect(combos.sort()).toEqual(['112/0.4', '112/1.6', '48/0.4', '48/1.6']);
      }
    }
  });

  it('chooses registers by family: basses low, flutes high, sound effects include middle C', () => {
    const keysOf = (program: number) => plan.filter((n) => n.program === program).map((n) => n.key);
    for (let program = 32; program < 40; program++) expect(Math.max(...keysOf(program))).toBeLessThanOrEqual(55);
    for (let program = 72; program < 80; program++) expect(Math.min(...keysOf(program))).toBeGreaterThanOrEqual(60);
    for (let program = 120; program < 128; program++) expect(keysOf(program)).toContain(60);
    expect(new Set(keysOf(0))).toEqual(new Set([48, 60, 72]));
    expect(new Set(keysOf(33))).toEqual(new Set([36, 43, 50]));
  });

  it('hits every percussion key 35–81 once soft and once loud, short', () => {
    const drums = plan.filter((n) => n.program === 'percussion');
    for (let key = 35; key <= 81; key++) {
      const hits = drums.filter((n) => n.key === key);
      expect(hits.map((n) => n.velocity).sort((a, b) => a - b)).toEqual([48, 112]);
      for (const hit of hits) {
        expect(hit.durationS).toBe(0.4);
        expect(hit.id).toMatch(/^fluid-soundfont-gm\/percussion-[a-z0-9-]+-(soft|loud)$/);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('sliceNotes', () => {
  const rate = 16000;
  const threshold = 0.001; // −60 dBFS

  interface Tone {
    freq: number;
    amp: number;
    /** Decay time constant; Infinity for a tone that keeps sounding to the end of its slot. */
    tau: number;
    noteS: number;
    slotS: number;
  }

  /** Tones that decay from their slot's start, back to back, then `silenceS` of silence. */
  function synth(tones: Tone[], silenceS: number) {
    const starts: number[] = [];
    let t = 0;
    for (const tone of tones) {
      starts.push(t);
      t += tone.slotS;
    }
    const render = new Float32Array(Math.round((t + silenceS) * rate));
    tones.forEach((tone, k) => {
      const start = Math.round(starts[k]! * rate);
      const length = Math.round(tone.slotS * rate);
      for (let i = 0; i < length; i++) {
        const s = i / rate;
        render[start + i] = tone.amp * Math.exp(-s / tone.tau) * Math.sin(2 * Math.PI * tone.freq * s + 0.3);
      }
    });
    const slots = tones.map((tone, k) => ({ startS: starts[k]!, lengthS: tone.slotS, noteS: tone.noteS }));
    return { render, slots };
  }

  it('cuts each note from its slot start to just after its tail falls below −60 dBFS, with a fade', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const random = makeRng(seed * 7919);
      const tones: Tone[] = Array.from({ length: 6 }, () => {
        const noteS = 0.2 + random() * 1.4;
        const tau = 0.03 + random() * 0.2;
        return { freq: 80 + random() * 3000, amp: 0.3 + random() * 0.6, tau, noteS, slotS: noteS + 2 };
      });
      const { render, slots } = synth(tones, 1);
      const slices = sliceNotes(render, rate, slots);
      expect(slices).toHaveLength(tones.length);
      slices.forEach((slice, k) => {
        const tone = tones[k]!;
        const start = Math.round(slots[k]!.startS * rate);
        // The envelope reaches −60 dBFS at t60; the last sample above it is within one period before.
        const t60 = tone.tau * Math.log(tone.amp / threshold);
        const soundingS = Math.max(tone.noteS, t60);
        expect(slice.length).toBeGreaterThanOrEqual(Math.round(tone.noteS * rate));
        expect(slice.length).toBeGreaterThanOrEqual(Math.floor((t60 - 1 / tone.freq) * rate));
        expect(slice.length).toBeLessThanOrEqual(Math.ceil((soundingS + 0.02) * rate));
        expect(slice.length).toBeLessThanOrEqual(Math.round(tone.slotS * rate));
        // Identical to the render from the slot's start up to the fade.
        const unfaded = slice.length - Math.round(0.01 * rate);
        let differing = 0;
        for (let i = 0; i < unfaded; i++) if (slice[i] !== render[start + i]) differing++;
        expect(differing).toBe(0);
        expect(Math.abs(slice[slice.length - 1]!)).toBeLessThan(1e-6);
      });
    }
  });

  it('keeps the whole note even when it is quiet, and never reaches into the next slot', () => {
    const tones: Tone[] = [
      { freq: 440, amp: 0.5, tau: 0.01, noteS: 1.2, slotS: 3.2 }, // silent long before its note ends
      { freq: 220, amp: 0.5, tau: Infinity, noteS: 0.4, slotS: 2.4 }, // still loud at the end of its slot
      { freq: 990, amp: 0.9, tau: 0.1, noteS: 0.4, slotS: 2.4 },
    ];
    const { render, slots } = synth(tones, 0);
    const [quiet, sustained, last] = sliceNotes(render, rate, slots);
    expect(quiet!.length).toBe(Math.round((1.2 + 0.01) * rate));
    // Cut at the slot's end, faded there: the next slot's loud start is not in it.
    expect(sustained!.length).toBe(Math.round(2.4 * rate));
    expect(Math.abs(sustained!.at(-1)!)).toBeLessThan(1e-6);
    const fadeStart = sustained!.length - 160;
    expect(Math.abs(sustained![fadeStart + 120]!)).toBeLessThanOrEqual(0.5 * 0.25 + 1e-6);
    expect(last!.length).toBeGreaterThan(0.4 * rate);
  });

  it('pads a note the render cut short to its full length', () => {
    const render = new Float32Array(rate).fill(0.5);
    const [slice] = sliceNotes(render, rate, [{ startS: 0.5, lengthS: 2.5, noteS: 1 }]);
    expect(slice!.length).toBeGreaterThanOrEqual(rate);
    expect(slice![0]).toBe(0.5);
    expect(slice!.subarray(0.5 * rate).every((x) => x === 0)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('renderGeneralMidi errors', () => {
  it('names a soundfont that does not exist', async () => {
    const missing = join(dir, 'no-such.sf2');
    const result = renderGeneralMidi({ soundfont: missing, outDir: join(dir, 'out-missing'), programs: [0] });
    await expect(result).rejects.toBeInstanceOf(GeneralMidiError);
    await expect(result).rejects.toThrow(missing);
  });

  it('says how to install fluidsynth when it is not there', async () => {
    const fake = join(dir, 'fake.sf2');
    writeFileSync(fake, 'not a soundfont');
    const result = renderGeneralMidi({
      soundfont: fake,
      outDir: join(dir, 'out-nofluid'),
      fluidsynth: '/nonexistent/fluidsynth',
      programs: [0],
      percussion: false,
    });
    await expect(result).rejects.toBeInstanceOf(GeneralMidiError);
    await expect(result).rejects.toThrow(/fluidsynth is needed.*apt-get install fluidsynth/);
  });

  it.skipIf(!haveFluidsynth)('reports what fluidsynth said when it cannot load the soundfont', async () => {
    const fake = join(dir, 'fake2.sf2');
    writeFileSync(fake, 'not a soundfont');
    const out = join(dir, 'out-bad');
    const result = renderGeneralMidi({ soundfont: fake, outDir: out, programs: [0], percussion: false });
    await expect(result).rejects.toBeInstanceOf(GeneralMidiError);
    await expect(result).rejects.toThrow(/SoundFont/i);
    expect(existsSync(join(out, 'acoustic-grand-piano-c4-loud-short.wav'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

/** The strongest frequency (20–4000 Hz, 1 Hz steps) in 0.25 s from 50 ms into the clip, by direct DFT. */
function dominantFrequency(x: Float32Array, rate: number): number {
  const from = Math.round(0.05 * rate);
  const n = Math.round(0.25 * rate);
  let best = 0;
  let bestPower = -1;
  for (let f = 20; f <= 4000; f++) {
    let re = 0;
    let im = 0;
    const w = (2 * Math.PI * f) / rate;
    for (let i = 0; i < n; i++) {
      const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
      re += x[from + i]! * hann * Math.cos(w * i);
      im -= x[from + i]! * hann * Math.sin(w * i);
    }
    const power = re * re + im * im;
    if (power > bestPower) [best, bestPower] = [f, power];
  }
  return best;
}

describe.skipIf(!haveFluidsynth || !haveSoundfont)('renderGeneralMidi with FluidSynth', () => {
  const out = join(dir, 'render');

  it('renders notes as 16 kHz mono clips: loud louder than soft, low lower than high', async () => {
    const progress: [number, number][] = [];
    const items = await renderGeneralMidi({
      soundfont: soundfont!,
      outDir: out,
      programs: [0, 40],
      percussion: false,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(items).toHaveLength(24);
    expect(existsSync(join(out, '.render'))).toBe(false);
    const piano = items.find((i) => i.id === 'fluid-soundfont-gm/acoustic-grand-piano-c4-loud-short')!;
    expect(piano).toMatchObject({
      file: join(out, 'acoustic-grand-piano-c4-loud-short.wav'),
      source: 'fluid-soundfont-gm',
      license: 'MIT',
      labels: ['Acoustic Grand Piano', 'Piano'],
      recording: 'fluid-soundfont-gm/program-0',
    });
    expect(items.find((i) => i.id.startsWith('fluid-soundfont-gm/violin-'))!.labels).toEqual(['Violin', 'Strings']);

    const audio = new Map<string, Float32Array>();
    for (const item of items) {
      const decoded = await decodeFile(item.file);
      expect(decoded.sampleRate).toBe(16000);
      expect(decoded.channels).toHaveLength(1);
      expect(decoded.durationS).toBeGreaterThanOrEqual(0.4);
      expect(rms(decoded.channels[0]!)).toBeGreaterThan(1e-3);
      audio.set(item.id, decoded.channels[0]!);
    }
    for (const [id, loud] of audio) {
      if (!id.includes('-loud-')) continue;
      expect(rms(loud), id).toBeGreaterThan(rms(audio.get(id.replace('-loud-', '-soft-'))!));
    }
    const pianoLow = dominantFrequency(audio.get('fluid-soundfont-gm/acoustic-grand-piano-c3-loud-long')!, 16000);
    const pianoHigh = dominantFrequency(audio.get('fluid-soundfont-gm/acoustic-grand-piano-c5-loud-long')!, 16000);
    expect(pianoLow).toBeLessThan(pianoHigh);
    // C5 is 523 Hz: its strongest partial is the fundamental or a harmonic of it.
    const harmonic = pianoHigh / 523.25;
    expect(Math.abs(harmonic - Math.round(harmonic))).toBeLessThan(0.03);
  });

  it('renders nothing again when every clip is there', async () => {
    const opts = { soundfont: soundfont!, outDir: out, programs: [0, 40], percussion: false };
    const files = (await renderGeneralMidi(opts)).map((i) => i.file);
    const before = files.map((f) => statSync(f).mtimeMs);
    // A fluidsynth that would fail if it were run.
    const again = await renderGeneralMidi({ ...opts, fluidsynth: '/nonexistent/fluidsynth' });
    expect(again.map((i) => i.file)).toEqual(files);
    expect(files.map((f) => statSync(f).mtimeMs)).toEqual(before);
  });

  it('renders a program again when one of its clips is missing', async () => {
    const items = await renderGeneralMidi({ soundfont: soundfont!, outDir: out, programs: [40], percussion: false });
    rmSync(items[5]!.file);
    await renderGeneralMidi({ soundfont: soundfont!, outDir: out, programs: [40], percussion: false });
    expect(existsSync(items[5]!.file)).toBe(true);
  });
});
