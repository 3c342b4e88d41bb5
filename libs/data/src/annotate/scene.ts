// What a caption is about, worked out once per clip from its tags and descriptor words (the subject, its class,
// a broader category, the action when the sound is something a source does, the speaker and quote for speech),
// and the phrase makers the templates write with. Every choice between synonyms draws from the seeded generator,
// so that the same seed gives the same caption.
import type { DescriptorAspect, DescriptorWord, DescriptorWords } from './descriptors.js';
import { durationInWords } from './descriptors.js';
import { capitalize, counted, isMass, isPlural, listJoin, withArticle } from './english.js';
import { chance, pick, type Rng } from './rng.js';
import { hypernymsOf, isA, isTerm, soundClassOf } from './taxonomy.js';
import { EVENT_VERBS, GENERIC_EVENTS, type SoundClass } from './vocabulary/terms.js';

/** A noun phrase and how it agrees. */
export interface Np {
  text: string;
  plural: boolean;
  mass: boolean;
}

/** A verb in the singular and plural present, and its -ing form: ["rings out", "ring out", "ringing out"]. */
type Verb = readonly [singular: string, plural: string, ing: string];

export interface Scene {
  cls: SoundClass | 'generic';
  head: string;
  /** Noun phrases for the sound, most specific first ("open cymbal", "cymbal"). */
  subjects: string[];
  /** A broader term for the sound, from its tags ("percussion"). */
  category: string | undefined;
  /** When the sound is what a source does: "a dog barks". */
  action: { source: string; verb: readonly [string, string] } | undefined;
  /** For speech: who speaks ("a woman") and the words, ready to quote. */
  speech: { speakers: string[]; quote: string } | undefined;
  words: DescriptorWords;
}

const HUMAN_SPEAKERS: Readonly<Record<string, string[]>> = {
  woman: ['a woman', "a woman's voice", 'a female voice'],
  man: ['a man', "a man's voice", 'a male voice'],
  child: ['a child', "a child's voice"],
};

/** Reads the tags (most specific first) into a scene; `transcript` makes it speech. */
export function makeScene(tags: readonly string[], words: DescriptorWords, transcript: string | undefined): Scene {
  const head = tags.find(isTerm) ?? (tags[0] !== undefined ? `${tags[0]} sound` : 'sound');
  const cls = transcript !== undefined ? 'speech' : (soundClassOf(head) ?? 'generic');
  const action = actionOf(head, tags);
  const subjects = [...tags.filter((t) => t !== head && containsWords(t, head)), head].map((t) =>
    // A person's sound is theirs: "a woman's cough", not "a woman cough".
    action && isA(action.source, 'person') && t === `${action.source} ${head}` ? `${action.source}'s ${head}` : t,
  );
  // The nearest broader term among the tags that the sound's name does not already say ("dog bark" is an animal sound).
  const category = hypernymsOf(head).find((t) => tags.includes(t) && !containsWords(subjects[0]!, t));
  return { cls, head, subjects, category, action, speech: speechOf(tags, transcript), words };
}

const containsWords = (phrase: string, words: string): boolean => ` ${phrase} `.includes(` ${words} `);
const lastWord = (phrase: string): string => phrase.slice(phrase.lastIndexOf(' ') + 1);

/** What can be the subject of a sound's verb: "a dog barks", "a woman coughs", "a door creaks", "a telephone rings". */
const ACTORS = ['animal', 'person', 'door', 'telephone'];

/**
 * "dog bark" → a dog barks. The source is the word before the action, or else the nearest broader term among the
 * tags that can act; people's sounds without a named person are made by "someone".
 */
function actionOf(head: string, tags: readonly string[]): Scene['action'] {
  const event = lastWord(head);
  const verb = EVENT_VERBS[event];
  if (!verb) return undefined;
  // The source written with the sound, in the head ("bird tweet") or in the tag that joins them ("dog bark").
  const joined = [head, ...tags].find((t) => t.endsWith(` ${event}`) && isTerm(t.slice(0, -event.length - 1)));
  const written = joined?.slice(0, -event.length - 1);
  const source =
    written ??
    hypernymsOf(head).find((t) => tags.includes(t) && ACTORS.some((a) => isA(t, a))) ??
    (isA(head, 'human sound') ? (tags.find((t) => isA(t, 'person') && t !== 'person') ?? 'someone') : undefined);
  return source === undefined ? undefined : { source, verb };
}

function speechOf(tags: readonly string[], transcript: string | undefined): Scene['speech'] {
  if (transcript === undefined) return undefined;
  const who = (['woman', 'man', 'child'] as const).find((w) => tags.some((t) => isA(t, w)));
  const speakers = who ? HUMAN_SPEAKERS[who]! : ['a voice', 'a recorded voice', 'a single voice'];
  // Quoted inside a sentence: a final full stop would double the sentence's own, inner double quotes end the quote.
  const quote = transcript.trim().replace(/\s+/g, ' ').replace(/\.$/, '').replace(/"/g, "'");
  return { speakers, quote };
}

// ── verbs by class ──
const STRUCK: Verb[] = [
  ['is struck', 'are struck', 'being struck'],
  ['is hit', 'are hit', 'being hit'],
  ['sounds', 'sound', 'sounding'],
];
const RINGING: Verb[] = [
  ['rings out', 'ring out', 'ringing out'],
  ['rings', 'ring', 'ringing'],
  ['resonates', 'resonate', 'resonating'],
];
/** Passive verbs have no -ing form a caption would use ("a bark being heard"); templates that need one skip them. */
const HEARD: Verb[] = [
  ['is heard', 'are heard', ''],
  ['can be heard', 'can be heard', ''],
];
const VERBS: Readonly<Record<SoundClass | 'generic', Verb[]>> = {
  percussion: STRUCK,
  instrument: [
    ['plays', 'play', 'playing'],
    ['sounds', 'sound', 'sounding'],
    ['is played', 'are played', 'being played'],
  ],
  music: [
    ['plays', 'play', 'playing'],
    ['is playing', 'are playing', 'playing'],
  ],
  electronic: [['sounds', 'sound', 'sounding'], ['plays', 'play', 'playing'], ...HEARD],
  effect: [['sounds', 'sound', 'sounding'], ...HEARD],
  noise: HEARD,
  ambience: [['drifts along', 'drift along', 'drifting along'], ...HEARD],
  speech: HEARD,
  voice: [['sings', 'sing', 'singing'], ...HEARD],
  human: HEARD,
  crowd: HEARD,
  animal: [['calls out', 'call out', 'calling out'], ...HEARD],
  vehicle: HEARD,
  nature: HEARD,
  object: [['sounds', 'sound', 'sounding'], ...HEARD],
  alert: [
    ['sounds', 'sound', 'sounding'],
    ['goes off', 'go off', 'going off'],
    ['plays', 'play', 'playing'],
  ],
  generic: HEARD,
};
/** Classes of textures, whose onsets are part of the texture. */
const TEXTURES: readonly (SoundClass | 'generic')[] = ['ambience', 'nature', 'noise', 'crowd', 'vehicle', 'music'];
/** Classes whose names name events (a beep, a whoosh, a warning), which have a length; other names are things. */
const EVENTFUL: readonly (SoundClass | 'generic')[] = ['electronic', 'effect', 'alert', 'generic'];
/** Percussion that rings on after the stroke. */
const RINGS = ['cymbal', 'bell', 'gong', 'triangle', 'chromatic percussion'];

/** What one event of the class is called: "three hits", "two notes". */
const EVENT_NOUNS: Readonly<Partial<Record<SoundClass | 'generic', string[]>>> = {
  percussion: ['hit', 'stroke'],
  instrument: ['note'],
  electronic: ['tone', 'blip'],
  alert: ['tone', 'chime'],
  animal: ['call', 'cry'],
};

/** Descriptor adjectives a label word already covers ("soft kick drum" is not also "loud"). */
const CLASHES: Partial<Record<DescriptorAspect, readonly string[]>> = {
  loudness: ['soft', 'hard', 'loud', 'quiet', 'heavy', 'light'],
  duration: ['short', 'long'],
  brightness: ['bright', 'dark', 'muffled'],
  pitch: ['high', 'low', 'deep'],
};
const HEDGES = ['fairly', 'rather', 'somewhat'];

/** What a caption can say about a sound besides naming it: a descriptor aspect or its category. */
export type Mention = DescriptorAspect | 'category';
/** Mentions of a sound's timing and of its character: a long description should have one of each. */
export const TIMING: readonly Mention[] = ['duration', 'rhythm', 'continuity'];
export const CHARACTER: readonly Mention[] = ['loudness', 'pitch', 'brightness', 'tonality', 'envelope'];

/** Phrase makers over a scene; each records what it mentioned, so that captions can add what they left out. */
export class Writer {
  readonly mentioned = new Set<Mention>();

  constructor(
    readonly scene: Scene,
    readonly rng: Rng,
  ) {}

  pick<T>(items: readonly T[]): T {
    return pick(this.rng, items);
  }

  chance(p: number): boolean {
    return chance(this.rng, p);
  }

  word(aspect: DescriptorAspect): DescriptorWord | undefined {
    return this.scene.words.items.find((w) => w.aspect === aspect);
  }

  get events(): number {
    return this.scene.words.onsetCount;
  }

  /** Whether the sound is a texture rather than events (rain, a crowd, a loop): its onsets are not counted. */
  get continuous(): boolean {
    return TEXTURES.includes(this.scene.cls);
  }

  /** The sound's name, the most specific phrase more often than not, with up to `adjectives` descriptor words. */
  np(adjectives = 0): Np {
    const [first, ...rest] = this.scene.subjects;
    const text = rest.length > 0 && this.chance(0.35) ? this.pick(rest) : first!;
    const adjs = this.attributes(text, adjectives);
    return { text: [adjs.join(', '), text].filter(Boolean).join(' '), plural: isPlural(text), mass: isMass(text) };
  }

  /**
   * Up to n descriptor adjectives for a noun, confident ones first, in English order (length, loudness, tone).
   * Length describes events, not things or stuff: "a short burp", "a short beep", not "a long guitar", "long rain".
   */
  private attributes(noun: string, n: number): string[] {
    if (n === 0 || noun.includes("'s ")) return []; // not "a short woman's cough"
    const nounWords = noun.split(' ');
    const aspects =
      this.isEvent(noun) || EVENTFUL.includes(this.scene.cls)
        ? (['duration', 'loudness', 'brightness', 'pitch', 'tonality'] as const)
        : (['loudness', 'brightness', 'pitch', 'tonality'] as const);
    const usable = aspects
      .map((a) => this.word(a))
      .filter((w): w is DescriptorWord => w !== undefined && !this.mentioned.has(w.aspect))
      .filter((w) => w.adjective !== 'mid-pitched' && w.adjective !== 'tonal')
      .filter((w) => !(CLASHES[w.aspect] ?? []).some((c) => nounWords.includes(c)));
    const chosen = [...usable.filter((w) => w.confident), ...usable.filter((w) => !w.confident && this.chance(0.3))]
      .slice(0, this.chance(0.5) ? n : 1)
      .sort((a, b) => usable.indexOf(a) - usable.indexOf(b));
    for (const w of chosen) this.mentioned.add(w.aspect);
    return chosen.map((w) => this.hedged(w));
  }

  /** Whether a name ends in an event (a bark, a bird tweet, a bass hit) rather than a thing. */
  isEvent(name: string): boolean {
    const word = lastWord(name);
    return Object.hasOwn(EVENT_VERBS, word) || GENERIC_EVENTS.has(word);
  }

  /** The adjective, hedged when the measurement sits near a threshold ("fairly loud", never "fairly very loud"). */
  hedged(w: DescriptorWord): string {
    return w.confident ? w.adjective : `${this.pick(HEDGES)} ${w.adjective.replace(/^very /, '')}`;
  }

  /** With its determiner: "an open cymbal", "maracas", "rain". */
  a(np: Np): string {
    return np.plural || np.mass ? np.text : withArticle(np.text);
  }

  /** The class's verb agreeing with the subject. */
  verb(np: Np): string {
    const v = this.verbs();
    return np.plural ? this.pick(v)[1] : this.pick(v)[0];
  }

  /** An -ing form ("ringing out"), or '' where the class has only passive verbs. */
  ing(): string {
    const active = this.verbs().filter((v) => v[2] !== '');
    return active.length > 0 ? this.pick(active)[2] : '';
  }

  be(np: Np): string {
    return np.plural ? 'are' : 'is';
  }

  private verbs(): Verb[] {
    const { cls, head } = this.scene;
    // An event is heard, it does not itself play or call out ("a dog bark is heard"; "a dog barks" is the action's).
    if (this.isEvent(head)) return HEARD;
    if (cls === 'percussion' && (RINGS.some((r) => isA(head, r)) || this.word('envelope')?.adjective === 'sustained')) {
      return RINGING;
    }
    return VERBS[cls];
  }

  /** How the sound is made, as a past participle: "struck", "played", "heard". */
  participle(): string {
    const { cls } = this.scene;
    if (cls === 'percussion') return this.pick(['struck', 'hit']);
    return cls === 'instrument' || cls === 'music' ? 'played' : 'heard';
  }

  /** One event's name ("hit", "note"), for counting; undefined when the class has none. */
  eventNoun(): string | undefined {
    const { head } = this.scene;
    if (this.isEvent(head)) return head;
    const nouns = EVENT_NOUNS[this.scene.cls];
    return nouns ? this.pick(nouns) : undefined;
  }

  /** When and how often, as an adverbial: "once", "twice", "in a steady rhythm", "for about three seconds". */
  timing(): string {
    const rhythm = this.word('rhythm');
    const n = this.events;
    if (rhythm?.adjective === 'rhythmic') {
      this.mentioned.add('rhythm');
      return this.pick(['in a steady rhythm', 'rhythmically', 'at a steady pace', 'over and over in time']);
    }
    if (this.continuous || n === 0 || rhythm === undefined) {
      this.mentioned.add('duration');
      const d = this.scene.words.durationS;
      return d < 1.5 ? this.pick(['briefly', `for ${durationInWords(d)}`]) : `for ${durationInWords(d)}`;
    }
    this.mentioned.add('rhythm');
    if (n === 1) return this.pick(['once', 'just once', 'a single time']);
    if (n === 2) return this.pick(['twice', 'two times']);
    if (n === 3) return this.pick(['three times', 'three times in a row']);
    return this.pick(['repeatedly', 'several times', 'again and again', ...(n <= 12 ? [counted(n, 'time')] : [])]);
  }

  /** "about two seconds". */
  duration(): string {
    this.mentioned.add('duration');
    return durationInWords(this.scene.words.durationS);
  }

  /** Tone words not yet said, for a predicate: "bright and noisy", "fairly muffled"; '' if there are none. */
  predicate(): string {
    const words = this.unsaid(['brightness', 'tonality', 'pitch'])
      .filter((w) => w.adjective !== 'mid-pitched')
      .slice(0, 2);
    for (const w of words) this.mentioned.add(w.aspect);
    return listJoin(words.map((w) => this.hedged(w)));
  }

  /** A postmodifier for tone not yet said: "with a bright, crisp tone", "pitched around A4"; ''. */
  character(): string {
    const options = this.unsaid(['brightness', 'pitch', 'tonality']).filter((w) => w.confident);
    if (options.length === 0) return '';
    const w = this.pick(options);
    this.mentioned.add(w.aspect);
    return w.phrase;
  }

  private unsaid(aspects: readonly DescriptorAspect[]): DescriptorWord[] {
    return aspects
      .map((a) => this.word(a))
      .filter((w): w is DescriptorWord => w !== undefined && !this.mentioned.has(w.aspect));
  }

  /** "with a sharp attack and a quick decay", "held steadily"; '' when there is none or it was said. */
  envelope(): string {
    const w = this.unsaid(['envelope'])[0];
    if (!w) return '';
    this.mentioned.add('envelope');
    return w.phrase;
  }

  /** "with silences in between", "without a break"; '' when there is none or it was said. */
  continuity(): string {
    const w = this.unsaid(['continuity'])[0];
    if (!w) return '';
    this.mentioned.add('continuity');
    return w.phrase;
  }

  /** Loudness as a phrase ("at a high volume"); '' in the middle band, when unsure, or when said. */
  level(): string {
    const w = this.unsaid(['loudness'])[0];
    if (!w?.confident) return '';
    this.mentioned.add('loudness');
    return w.phrase;
  }

  /** Loudness as an adverb: "loudly", "quietly"; '' in the middle band, when unsure, or when said. */
  adverb(): string {
    const w = this.unsaid(['loudness'])[0];
    if (!w?.confident) return '';
    this.mentioned.add('loudness');
    return { faint: 'faintly', quiet: 'quietly', loud: 'loudly', 'very loud': 'very loudly' }[w.adjective] ?? '';
  }

  /** "a percussion sound", "an animal sound"; undefined without a category. */
  categorySound(): string | undefined {
    const c = this.scene.category;
    if (c === undefined) return undefined;
    this.mentioned.add('category');
    const sound = /(sound|noise)$/.test(c) ? c : (CATEGORY_SOUNDS[c] ?? `${c} sound`);
    return withArticle(sound);
  }

  /** The category as a noun: "percussion", "bird". */
  categoryNoun(): string | undefined {
    if (this.scene.category !== undefined) this.mentioned.add('category');
    return this.scene.category;
  }

  /** "It" or "They", for the subject in a following sentence. */
  pronoun(np: Np): string {
    return np.plural ? 'They' : 'It';
  }

  /** "Its" or "Their". */
  possessive(np: Np): string {
    return np.plural ? 'Their' : 'Its';
  }
}

/** Categories that do not read as "a … sound". */
const CATEGORY_SOUNDS: Readonly<Record<string, string>> = {
  ambience: 'ambient sound',
  music: 'musical sound',
};

/** Prefix + text, or '' when text is empty: optional clauses carry their own connectives. */
export const opt = (prefix: string, text: string | undefined, suffix = ''): string =>
  text ? `${prefix}${text}${suffix}` : '';

/** Sentence case. */
export const sentence = (text: string): string => capitalize(text.trim());
