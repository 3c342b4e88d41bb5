// General MIDI names (GM 1 sound set), as FluidSynth renders of fluid-soundfont-gm are labelled: the 16 instrument
// families of 8 programs each, in program order, and the percussion key map of channel 10. Every name reads as
// tags through the taxonomy (test/annotate-tags.test.ts checks this).

export interface GmFamily {
  /** The family's name in the GM specification. */
  name: string;
  /** The taxonomy term that stands for the family. */
  term: string;
  /** Its 8 programs; program number = 8 × family index + position. */
  programs: readonly string[];
}

export const GM_FAMILIES: readonly GmFamily[] = [
  {
    name: 'Piano',
    term: 'piano',
    programs: [
      'Acoustic Grand Piano', 'Bright Acoustic Piano', 'Electric Grand Piano', 'Honky-tonk Piano', 'Electric Piano 1',
      'Electric Piano 2', 'Harpsichord', 'Clavinet',
    ],
  },
  {
    name: 'Chromatic Percussion',
    term: 'chromatic percussion',
    programs: [
      'Celesta', 'Glockenspiel', 'Music Box', 'Vibraphone', 'Marimba', 'Xylophone', 'Tubular Bells', 'Dulcimer',
    ],
  },
  {
    name: 'Organ',
    term: 'organ',
    programs: [
      'Drawbar Organ', 'Percussive Organ', 'Rock Organ', 'Church Organ', 'Reed Organ', 'Accordion', 'Harmonica',
      'Tango Accordion',
    ],
  },
  {
    name: 'Guitar',
    term: 'guitar',
    programs: [
      'Acoustic Guitar (nylon)', 'Acoustic Guitar (steel)', 'Electric Guitar (jazz)', 'Electric Guitar (clean)',
      'Electric Guitar (muted)', 'Overdriven Guitar', 'Distortion Guitar', 'Guitar Harmonics',
    ],
  },
  {
    name: 'Bass',
    term: 'bass',
    programs: [
      'Acoustic Bass', 'Electric Bass (finger)', 'Electric Bass (pick)', 'Fretless Bass', 'Slap Bass 1', 'Slap Bass 2',
      'Synth Bass 1', 'Synth Bass 2',
    ],
  },
  {
    name: 'Strings',
    term: 'strings',
    programs: [
      'Violin', 'Viola', 'Cello', 'Contrabass', 'Tremolo Strings', 'Pizzicato Strings', 'Orchestral Harp', 'Timpani',
    ],
  },
  {
    name: 'Ensemble',
    term: 'ensemble',
    programs: [
      'String Ensemble 1', 'String Ensemble 2', 'Synth Strings 1', 'Synth Strings 2', 'Choir Aahs', 'Voice Oohs',
      'Synth Voice', 'Orchestra Hit',
    ],
  },
  {
    name: 'Brass',
    term: 'brass',
    programs: [
      'Trumpet', 'Trombone', 'Tuba', 'Muted Trumpet', 'French Horn', 'Brass Section', 'Synth Brass 1', 'Synth Brass 2',
    ],
  },
  {
    name: 'Reed',
    term: 'reed instrument',
    programs: ['Soprano Sax', 'Alto Sax', 'Tenor Sax', 'Baritone Sax', 'Oboe', 'English Horn', 'Bassoon', 'Clarinet'],
  },
  {
    name: 'Pipe',
    term: 'flute',
    programs: ['Piccolo', 'Flute', 'Recorder', 'Pan Flute', 'Blown Bottle', 'Shakuhachi', 'Whistle', 'Ocarina'],
  },
  {
    name: 'Synth Lead',
    term: 'synth lead',
    programs: [
      'Lead 1 (square)', 'Lead 2 (sawtooth)', 'Lead 3 (calliope)', 'Lead 4 (chiff)', 'Lead 5 (charang)',
      'Lead 6 (voice)', 'Lead 7 (fifths)', 'Lead 8 (bass + lead)',
    ],
  },
  {
    name: 'Synth Pad',
    term: 'synth pad',
    programs: [
      'Pad 1 (new age)', 'Pad 2 (warm)', 'Pad 3 (polysynth)', 'Pad 4 (choir)', 'Pad 5 (bowed)', 'Pad 6 (metallic)',
      'Pad 7 (halo)', 'Pad 8 (sweep)',
    ],
  },
  {
    name: 'Synth Effects',
    term: 'synth effect',
    programs: [
      'FX 1 (rain)', 'FX 2 (soundtrack)', 'FX 3 (crystal)', 'FX 4 (atmosphere)', 'FX 5 (brightness)', 'FX 6 (goblins)',
      'FX 7 (echoes)', 'FX 8 (sci-fi)',
    ],
  },
  {
    name: 'Ethnic',
    term: 'folk instrument',
    programs: ['Sitar', 'Banjo', 'Shamisen', 'Koto', 'Kalimba', 'Bagpipe', 'Fiddle', 'Shanai'],
  },
  {
    name: 'Percussive',
    term: 'percussion',
    programs: [
      'Tinkle Bell', 'Agogo', 'Steel Drums', 'Woodblock', 'Taiko Drum', 'Melodic Tom', 'Synth Drum', 'Reverse Cymbal',
    ],
  },
  {
    name: 'Sound Effects',
    term: 'sound effect',
    programs: [
      'Guitar Fret Noise', 'Breath Noise', 'Seashore', 'Bird Tweet', 'Telephone Ring', 'Helicopter', 'Applause',
      'Gunshot',
    ],
  },
];

/** GM percussion (channel 10): MIDI key → name. */
export const GM_PERCUSSION: Readonly<Record<number, string>> = {
  35: 'Acoustic Bass Drum', 36: 'Bass Drum 1', 37: 'Side Stick', 38: 'Acoustic Snare', 39: 'Hand Clap',
  40: 'Electric Snare', 41: 'Low Floor Tom', 42: 'Closed Hi Hat', 43: 'High Floor Tom', 44: 'Pedal Hi-Hat',
  45: 'Low Tom', 46: 'Open Hi-Hat', 47: 'Low-Mid Tom', 48: 'Hi-Mid Tom', 49: 'Crash Cymbal 1', 50: 'High Tom',
  51: 'Ride Cymbal 1', 52: 'Chinese Cymbal', 53: 'Ride Bell', 54: 'Tambourine', 55: 'Splash Cymbal', 56: 'Cowbell',
  57: 'Crash Cymbal 2', 58: 'Vibraslap', 59: 'Ride Cymbal 2', 60: 'Hi Bongo', 61: 'Low Bongo', 62: 'Mute Hi Conga',
  63: 'Open Hi Conga', 64: 'Low Conga', 65: 'High Timbale', 66: 'Low Timbale', 67: 'High Agogo', 68: 'Low Agogo',
  69: 'Cabasa', 70: 'Maracas', 71: 'Short Whistle', 72: 'Long Whistle', 73: 'Short Guiro', 74: 'Long Guiro',
  75: 'Claves', 76: 'Hi Wood Block', 77: 'Low Wood Block', 78: 'Mute Cuica', 79: 'Open Cuica', 80: 'Mute Triangle',
  81: 'Open Triangle',
};
