// General MIDI instrument notes: every program of the GM 1 sound set (and the channel-10 drum kit) rendered from
// fluid-soundfont-gm (FluidR3_GM.sf2, MIT) with FluidSynth, one short clip per note. Each program is written as
// one MIDI file that plays its notes one after another, each in its own slot (the note, then 2 s for the release
// tail, so no note bleeds into the next); FluidSynth renders it in one run, and the render is cut back into notes.
// A clip ends once its tail falls below −60 dBFS. Commands run through execFile (no shell).
import { execFile } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { decodeFile, encodeWav, prepareAudio, toMono } from '@aurola/audio';

import { GM_FAMILIES, GM_PERCUSSION } from '../annotate/vocabulary/gm.js';
import { fileExists, writeFileAtomic } from '../fs.js';
import { idPiece, type SourceItem } from './item.js';

export const GENERAL_MIDI_SOURCE = 'fluid-soundfont-gm';
/** FluidSynth's master gain: the loudest note of the whole set (Pad 6, loud) peaks near −1.3 dBFS. */
export const GENERAL_MIDI_GAIN = 1.5;

const SAMPLE_RATE = 16000;
/** Time after each note's release before the next slot, so its tail dies away inside its own slot. */
const TAIL_S = 2;
const VELOCITIES = { soft: 48, loud: 112 } as const;
const DURATIONS = { short: 0.4, long: 1.6 } as const;
const PERCUSSION_CHANNEL = 9; // channel 10, counted from 1
const MELODIC_CHANNEL = 0;

/** A render problem: FluidSynth missing or failing, or the soundfont missing. `stderr` is FluidSynth's output. */
export class GeneralMidiError extends Error {
  constructor(
    message: string,
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'GeneralMidiError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The plan: which notes are rendered.

export interface GmNote {
  /** GM program 0–127, or the channel-10 drum kit. */
  program: number | 'percussion';
  /** MIDI key: the pitch, or the drum for percussion. */
  key: number;
  velocity: number;
  durationS: number;
  /** `fluid-soundfont-gm/<program-slug>-<note>-<soft|loud>-<short|long>`, or `…/percussion-<drum>-<soft|loud>`. */
  id: string;
}

type Pitches = readonly [number, number, number];

/** Low, middle and high pitch per family, where its instruments sound natural (MIDI 60 = middle C, C4). */
const FAMILY_PITCHES: readonly Pitches[] = [
  [48, 60, 72], // Piano
  [60, 72, 84], // Chromatic Percussion: celesta, glockenspiel and bells sit high
  [48, 60, 72], // Organ
  [48, 60, 72], // Guitar
  [36, 43, 50], // Bass
  [55, 67, 79], // Strings: the violin's register; the lower strings are below
  [48, 60, 72], // Ensemble
  [48, 60, 72], // Brass
  [55, 62, 69], // Reed: alto saxophone, oboe, clarinet
  [67, 74, 84], // Pipe: flutes
  [60, 72, 84], // Synth Lead
  [48, 60, 72], // Synth Pad
  [48, 60, 72], // Synth Effects
  [48, 60, 72], // Ethnic
  [48, 60, 72], // Percussive
  [48, 60, 72], // Sound Effects: 60 plays the effect as sampled, 48 and 72 an octave down and up
];

/** Programs whose instrument lies well away from its family's register. */
const PROGRAM_PITCHES: Readonly<Record<number, Pitches>> = {
  41: [48, 60, 72], // Viola
  42: [36, 48, 60], // Cello
  43: [36, 43, 50], // Contrabass
  47: [41, 48, 55], // Timpani
  56: [60, 67, 74], // Trumpet
  57: [43, 50, 57], // Trombone
  58: [36, 43, 50], // Tuba
  59: [60, 67, 74], // Muted Trumpet
  66: [48, 55, 62], // Tenor Sax
  67: [40, 47, 54], // Baritone Sax
  70: [40, 47, 54], // Bassoon
  72: [74, 86, 98], // Piccolo
  78: [74, 86, 98], // Whistle
  87: [36, 48, 60], // Lead 8 (bass + lead)
  108: [60, 72, 84], // Kalimba
  112: [72, 79, 86], // Tinkle Bell
  116: [36, 43, 50], // Taiko Drum
};

const NOTE_NAMES = ['c', 'cs', 'd', 'ds', 'e', 'f', 'fs', 'g', 'gs', 'a', 'as', 'b'];

/** 'c4' for 60, 'fs2' for 42: a sharp is written 's' so the name stays filesystem-safe. */
function noteName(key: number): string {
  return `${NOTE_NAMES[key % 12]}${Math.floor(key / 12) - 1}`;
}

function programName(program: number): string {
  return GM_FAMILIES[program >> 3]!.programs[program & 7]!;
}

function pitchesOf(program: number): Pitches {
  return PROGRAM_PITCHES[program] ?? FAMILY_PITCHES[program >> 3]!;
}

function melodicNotes(program: number): GmNote[] {
  const slug = idPiece(programName(program));
  const notes: GmNote[] = [];
  for (const key of pitchesOf(program)) {
    for (const [loudness, velocity] of Object.entries(VELOCITIES)) {
      for (const [length, durationS] of Object.entries(DURATIONS)) {
        const id = `${GENERAL_MIDI_SOURCE}/${slug}-${noteName(key)}-${loudness}-${length}`;
        notes.push({ program, key, velocity, durationS, id });
      }
    }
  }
  return notes;
}

function percussionNotes(): GmNote[] {
  const keys = Object.keys(GM_PERCUSSION)
    .map(Number)
    .sort((a, b) => a - b);
  return keys.flatMap((key) =>
    Object.entries(VELOCITIES).map(([loudness, velocity]) => ({
      program: 'percussion' as const,
      key,
      velocity,
      durationS: DURATIONS.short,
      id: `${GENERAL_MIDI_SOURCE}/percussion-${idPiece(GM_PERCUSSION[key]!)}-${loudness}`,
    })),
  );
}

/**
 * Every note rendered, in render order: 12 per melodic program (3 pitches × soft/loud × short/long), then each
 * percussion key soft and loud.
 */
export function generalMidiPlan(): GmNote[] {
  const melodic = Array.from({ length: 128 }, (_, program) => melodicNotes(program)).flat();
  return [...melodic, ...percussionNotes()];
}

// ---------------------------------------------------------------------------------------------------------------
// Standard MIDI File writer.

export interface MidiNote {
  /** 0–15; 9 is the GM drum channel. */
  channel: number;
  /** A program change is sent before the note when the channel is not already on this program. */
  program?: number;
  key: number;
  /** 1–127 (a note-on with velocity 0 would be a note-off). */
  velocity: number;
  startS: number;
  durationS: number;
}

const TICKS_PER_QUARTER = 480;
const MICROSECONDS_PER_QUARTER = 500_000;
const TICKS_PER_SECOND = (TICKS_PER_QUARTER * 1e6) / MICROSECONDS_PER_QUARTER; // 960

function checkInt(name: string, value: unknown, min: number, max: number): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new RangeError(`${name} must be an integer in ${min}–${max}, got ${String(value)}`);
  }
}

function checkNote(note: MidiNote, i: number): void {
  checkInt(`notes[${i}].channel`, note.channel, 0, 15);
  checkInt(`notes[${i}].key`, note.key, 0, 127);
  checkInt(`notes[${i}].velocity`, note.velocity, 1, 127);
  if (note.program !== undefined) checkInt(`notes[${i}].program`, note.program, 0, 127);
  if (!Number.isFinite(note.startS) || note.startS < 0) throw new RangeError(`notes[${i}].startS must be ≥ 0`);
  if (!Number.isFinite(note.durationS) || note.durationS <= 0) {
    throw new RangeError(`notes[${i}].durationS must be > 0`);
  }
}

/** A variable-length quantity: 7 bits a byte, most significant first, the high bit set on all but the last. */
function vlq(value: number): number[] {
  if (value > 0x0fffffff) throw new RangeError(`MIDI delta time too large: ${value} ticks`);
  const bytes = [value & 0x7f];
  for (let v = value >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
  return bytes;
}

interface TimedEvent {
  tick: number;
  /** At one tick, note-offs go first, so a key struck again right after its release is not cut. */
  rank: 0 | 1;
  note: number;
}

function timedEvents(notes: MidiNote[]): TimedEvent[] {
  const events: TimedEvent[] = [];
  notes.forEach((n, note) => {
    const on = Math.round(n.startS * TICKS_PER_SECOND);
    const off = Math.max(on + 1, Math.round((n.startS + n.durationS) * TICKS_PER_SECOND));
    events.push({ tick: on, rank: 1, note }, { tick: off, rank: 0, note });
  });
  return events.sort((a, b) => a.tick - b.tick || a.rank - b.rank || a.note - b.note);
}

function trackEvents(notes: MidiNote[], endTick: number): number[] {
  const out = [0x00, 0xff, 0x51, 0x03, ...[16, 8, 0].map((s) => (MICROSECONDS_PER_QUARTER >> s) & 0xff)];
  const programs = new Map<number, number>();
  let last = 0;
  const emit = (tick: number, bytes: number[]) => {
    out.push(...vlq(tick - last), ...bytes);
    last = tick;
  };
  for (const { tick, rank, note } of timedEvents(notes)) {
    const n = notes[note]!;
    if (rank === 0) {
      emit(tick, [0x80 | n.channel, n.key, 0x40]);
      continue;
    }
    // Sent right before its note-on, so notes of one tick on one channel each get their own program.
    if (n.program !== undefined && programs.get(n.channel) !== n.program) {
      emit(tick, [0xc0 | n.channel, n.program]);
      programs.set(n.channel, n.program);
    }
    emit(tick, [0x90 | n.channel, n.key, n.velocity]);
  }
  emit(Math.max(last, endTick), [0xff, 0x2f, 0x00]);
  return out;
}

/**
 * A Standard MIDI File (format 0, one track, 480 ticks per quarter at 500 000 µs per quarter: 1 tick = 1/960 s)
 * playing `notes`. The end-of-track event comes at `opts.endS` when that is after the last note-off, so a player
 * renders the silence (and release tails) up to it.
 */
export function writeMidi(notes: MidiNote[], opts: { endS?: number } = {}): Uint8Array {
  notes.forEach(checkNote);
  const endTick = Math.round(Math.max(0, opts.endS ?? 0) * TICKS_PER_SECOND);
  const track = trackEvents(notes, endTick);
  const u32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  const u16 = (v: number) => [(v >>> 8) & 0xff, v & 0xff];
  const header = [...ascii('MThd'), ...u32(6), ...u16(0), ...u16(1), ...u16(TICKS_PER_QUARTER)];
  return Uint8Array.from([...header, ...ascii('MTrk'), ...u32(track.length), ...track]);
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

// ---------------------------------------------------------------------------------------------------------------
// Cutting a render into notes.

export interface NoteSlot {
  /** Where the slot (and its note) starts in the render. */
  startS: number;
  /** The whole slot: the note and its release tail; nothing after it belongs to this note. */
  lengthS: number;
  /** The note itself, kept even where it is quieter than −60 dBFS. Default 0. */
  noteS?: number;
}

/** −60 dBFS as a sample magnitude. */
const SILENCE = 10 ** (-60 / 20);
const FADE_S = 0.01;

function lastAbove(x: Float32Array, threshold: number): number {
  for (let i = x.length - 1; i >= 0; i--) if (Math.abs(x[i]!) >= threshold) return i;
  return -1;
}

function checkSlot(slot: NoteSlot, i: number): void {
  const ok = (v: number) => Number.isFinite(v) && v >= 0;
  if (!ok(slot.startS) || !ok(slot.lengthS) || !ok(slot.noteS ?? 0)) {
    throw new RangeError(`slots[${i}]: startS, lengthS and noteS must be finite and ≥ 0`);
  }
  if ((slot.noteS ?? 0) > slot.lengthS) throw new RangeError(`slots[${i}]: noteS exceeds lengthS`);
}

function sliceSlot(render: Float32Array, rate: number, slot: NoteSlot): Float32Array {
  // The end is rounded from the end time (not start + length), so it meets the next slot's rounded start exactly.
  const start = Math.round(slot.startS * rate);
  const slotLength = Math.round((slot.startS + slot.lengthS) * rate) - start;
  const window = render.subarray(Math.min(start, render.length), Math.min(start + slotLength, render.length));
  const fade = Math.round(FADE_S * rate);
  const sounding = Math.max(Math.round((slot.noteS ?? 0) * rate), lastAbove(window, SILENCE) + 1);
  // The cut falls after the last sound, and the fade over the (quiet) samples after it avoids a click.
  const length = Math.min(slotLength, sounding + fade);
  const out = new Float32Array(length); // zeros where the render ended early
  out.set(window.subarray(0, length));
  fadeOut(out, Math.min(fade, length));
  return out;
}

/** A linear fade over the last `n` samples, down to exactly 0 at the last one. */
function fadeOut(x: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) x[x.length - n + i]! *= (n - 1 - i) / n;
}

/**
 * Cuts each slot out of a mono render: from the slot's start to where its sound has stayed below −60 dBFS
 * (never shorter than the note, never past the slot's end), ending in a 10 ms fade-out.
 */
export function sliceNotes(render: Float32Array, sampleRate: number, slots: NoteSlot[]): Float32Array[] {
  if (!(render instanceof Float32Array)) throw new TypeError('render must be a Float32Array');
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new RangeError('sampleRate must be > 0');
  slots.forEach(checkSlot);
  return slots.map((slot) => sliceSlot(render, sampleRate, slot));
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering.

export interface RenderGeneralMidiOptions {
  /** FluidR3_GM.sf2 (Debian: fluid-soundfont-gm, /usr/share/sounds/sf2/FluidR3_GM.sf2). */
  soundfont: string;
  /** Where the note clips go, one WAV per note. */
  outDir: string;
  /** The FluidSynth command. Default 'fluidsynth'. */
  fluidsynth?: string;
  /** Only these melodic programs (0–127). Default all. */
  programs?: number[];
  /** Render the drum kit too. Default true. */
  percussion?: boolean;
  /** FluidSynth master gain. Default GENERAL_MIDI_GAIN. */
  gain?: number;
  /** Called after each program (rendered or already there) with how many of `total` are done. */
  onProgress?: (done: number, total: number) => void;
}

/** The notes one FluidSynth run renders: one program, or the drum kit. */
interface RenderGroup {
  /** File stem of the temporary renders. */
  name: string;
  channel: number;
  program?: number;
  notes: GmNote[];
}

function groupsOf(plan: GmNote[], programs: number[], percussion: boolean): RenderGroup[] {
  const groups: RenderGroup[] = programs.map((program) => ({
    name: `program-${program}`,
    channel: MELODIC_CHANNEL,
    program,
    notes: plan.filter((n) => n.program === program),
  }));
  if (percussion) {
    const notes = plan.filter((n) => n.program === 'percussion');
    groups.push({ name: 'percussion', channel: PERCUSSION_CHANNEL, notes });
  }
  return groups;
}

function clipFile(outDir: string, note: GmNote): string {
  return join(outDir, `${note.id.slice(GENERAL_MIDI_SOURCE.length + 1)}.wav`);
}

function itemOf(outDir: string, note: GmNote): SourceItem {
  const base = { id: note.id, file: clipFile(outDir, note), source: GENERAL_MIDI_SOURCE, license: 'MIT' };
  if (note.program === 'percussion') {
    const recording = `${GENERAL_MIDI_SOURCE}/percussion-${note.key}`;
    return { ...base, labels: [GM_PERCUSSION[note.key]!, 'drum kit'], recording };
  }
  const labels = [programName(note.program), GM_FAMILIES[note.program >> 3]!.name];
  return { ...base, labels, recording: `${GENERAL_MIDI_SOURCE}/program-${note.program}` };
}

/** Each note in its own slot, one after another: the note, then TAIL_S of room for its release. */
function slotsOf(notes: GmNote[]): NoteSlot[] {
  let t = 0;
  return notes.map((n) => {
    const slot = { startS: t, lengthS: n.durationS + TAIL_S, noteS: n.durationS };
    t += slot.lengthS;
    return slot;
  });
}

// FluidSynth exits 0 even when it could not load a file it was given; it says so on stderr.
const FLUIDSYNTH_FAILED = /fluidsynth: (error|panic)|not a SoundFont or MIDI file/i;

function runFluidsynth(command: string, args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const options = { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } };
    execFile(command, args, options, (error, _stdout, stderr) => {
      const text = String(stderr ?? '').trim();
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        const why = `fluidsynth is needed to render General MIDI notes, but ${command} was not found`;
        fail(new GeneralMidiError(`${why}; install it with \`apt-get install fluidsynth\``));
      } else if (error || FLUIDSYNTH_FAILED.test(text)) {
        const detail = text || error?.message || 'no error output';
        fail(new GeneralMidiError(`${command} ${args.join(' ')} failed: ${detail}`, text));
      } else {
        done();
      }
    });
  });
}

/** The render as 16 kHz mono. */
async function readRender(wav: string): Promise<Float32Array> {
  const audio = await decodeFile(wav);
  const mono = toMono(audio);
  if (audio.sampleRate === SAMPLE_RATE) return mono;
  const maxS = mono.length / audio.sampleRate + 1; // the whole render, not the default 30 s
  return prepareAudio([mono], audio.sampleRate, { targetRate: SAMPLE_RATE, maxS });
}

interface RenderContext {
  soundfont: string;
  outDir: string;
  fluidsynth: string;
  gain: number;
}

async function renderGroup(ctx: RenderContext, group: RenderGroup): Promise<void> {
  const slots = slotsOf(group.notes);
  const endS = slots.reduce((end, s) => Math.max(end, s.startS + s.lengthS), 0);
  const midiNotes = group.notes.map((n, i) => ({
    channel: group.channel,
    program: group.program,
    key: n.key,
    velocity: n.velocity,
    startS: slots[i]!.startS,
    durationS: n.durationS,
  }));
  const renderDir = join(ctx.outDir, '.render');
  const mid = join(renderDir, `${group.name}.mid`);
  const wav = join(renderDir, `${group.name}.wav`);
  await mkdir(renderDir, { recursive: true });
  try {
    await writeFile(mid, writeMidi(midiNotes, { endS }));
    // -n: no MIDI input driver, -i: no interactive shell, -q: no banner; reverb and chorus off keep notes dry.
    const args = ['-ni', '-q', '-r', String(SAMPLE_RATE), '-g', String(ctx.gain)];
    args.push('-o', 'synth.reverb.active=0', '-o', 'synth.chorus.active=0', '-F', wav, ctx.soundfont, mid);
    await runFluidsynth(ctx.fluidsynth, args);
    const clips = sliceNotes(await readRender(wav), SAMPLE_RATE, slots);
    for (const [i, note] of group.notes.entries()) {
      await writeFileAtomic(clipFile(ctx.outDir, note), encodeWav([clips[i]!], SAMPLE_RATE));
    }
  } finally {
    await rm(mid, { force: true });
    await rm(wav, { force: true });
  }
}

function checkPrograms(programs: number[]): number[] {
  for (const p of programs) checkInt('programs[]', p, 0, 127);
  return [...new Set(programs)];
}

/**
 * Renders the General MIDI notes of `generalMidiPlan()` (all programs and the drum kit, or those chosen) into
 * `outDir`, one 16 kHz mono 16-bit WAV per note, and returns them as source items. A program whose clips all
 * exist is not rendered again.
 */
export async function renderGeneralMidi(opts: RenderGeneralMidiOptions): Promise<SourceItem[]> {
  const ctx: RenderContext = {
    soundfont: resolve(opts.soundfont),
    outDir: resolve(opts.outDir),
    fluidsynth: opts.fluidsynth ?? 'fluidsynth',
    gain: opts.gain ?? GENERAL_MIDI_GAIN,
  };
  const programs = checkPrograms(opts.programs ?? Array.from({ length: 128 }, (_, i) => i));
  if (!(ctx.gain > 0 && ctx.gain < 10)) throw new RangeError(`gain must be in (0, 10), got ${ctx.gain}`);
  const soundfont = await stat(ctx.soundfont).catch(() => undefined);
  if (!soundfont?.isFile()) throw new GeneralMidiError(`soundfont not found: ${ctx.soundfont}`);

  const groups = groupsOf(generalMidiPlan(), programs, opts.percussion ?? true);
  await mkdir(ctx.outDir, { recursive: true });
  try {
    for (const [i, group] of groups.entries()) {
      const done = await Promise.all(group.notes.map((n) => fileExists(clipFile(ctx.outDir, n))));
      if (!done.every(Boolean)) await renderGroup(ctx, group);
      opts.onProgress?.(i + 1, groups.length);
    }
  } finally {
    await rm(join(ctx.outDir, '.render'), { recursive: true, force: true });
  }
  return groups.flatMap((g) => g.notes.map((n) => itemOf(ctx.outDir, n)));
}
