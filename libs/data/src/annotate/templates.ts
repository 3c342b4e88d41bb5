// Caption templates. Each writes one way of saying what a clip holds, drawing its words from a Writer (which picks
// synonyms and records what was mentioned), or returns undefined where it does not fit the clip (a count of hits
// for a continuous sound, a category sentence without a category). Long templates write 1–2 sentences ending with
// a full stop, and the captioner adds detail sentences after them; short templates write a lower-case phrase.
import { capitalize, counted, pluralize, withArticle } from './english.js';
import { opt, sentence, type Mention, type Writer } from './scene.js';

export type Template = (w: Writer) => string | undefined;

/** Long descriptions of any sound but speech. The first fits every clip. */
export const LONG_TEMPLATES: readonly Template[] = [
  (w) => {
    const s = w.np(1);
    return sentence(`${w.a(s)} ${w.verb(s)} ${w.timing()}${opt(', ', w.character())}.`);
  },
  (w) => {
    const s = w.np(2);
    return sentence(`there ${w.be(s)} ${w.a(s)} here, ${w.participle()} ${w.timing()}${opt(' and ', w.envelope())}.`);
  },
  (w) => {
    const s = w.np(0);
    const p = w.predicate();
    const then = opt(` ${w.pronoun(s)} sounds `, p, '.');
    return `This recording contains ${w.a(s)} that ${w.verb(s)} ${w.timing()}.${then}`;
  },
  (w) => {
    const s = w.np(1);
    return `You can hear ${w.a(s)} ${w.timing()}${opt(', ', w.envelope())}.`;
  },
  (w) => {
    const s = w.np(2);
    const how = w.envelope() || w.continuity();
    return how ? sentence(`${w.a(s)} ${w.be(s)} heard ${w.timing()}, ${how}.`) : undefined;
  },
  (w) => {
    const c = w.categorySound();
    const s = w.np(1);
    return c && sentence(`${c}: ${w.a(s)} ${w.verb(s)} ${w.timing()}.`);
  },
  (w) => {
    const s = w.np(1);
    return `The clip consists of ${w.a(s)}, ${w.participle()} ${w.timing()}${opt(' ', w.level())}.`;
  },
  (w) => {
    const { cls } = w.scene;
    if (cls !== 'percussion' && cls !== 'instrument') return undefined;
    const s = w.np(0);
    const verb = cls === 'percussion' ? w.pick(['strikes', 'hits', 'taps']) : 'plays';
    return `Someone ${verb} ${w.a(s)} ${w.timing()}${opt(', ', w.character())}.`;
  },
  (w) => {
    const s = w.np(0);
    return sentence(`${w.duration()} of ${s.text}${opt(' that sounds ', w.predicate())}.`);
  },
  (w) => {
    const s = w.np(1);
    const p = w.predicate();
    return `In this clip, ${w.a(s)} ${w.verb(s)} ${w.timing()}.${opt(` ${w.possessive(s)} tone is `, p, '.')}`;
  },
  (w) => {
    const s = w.np(1);
    return `What you hear is ${w.a(s)}${opt(', ', w.character())}, lasting ${w.duration()}.`;
  },
  (w) => {
    const p = w.predicate();
    const s = w.np(0);
    return p.includes(' ') ? sentence(`${w.a(s)} — ${p} — ${w.verb(s)} ${w.timing()}.`) : undefined;
  },
  (w) => {
    if (w.events !== 1 || w.scene.cls !== 'percussion') return undefined;
    const s = w.np(0);
    w.mentioned.add('rhythm');
    return `A single ${w.pick(['hit', 'stroke'])} on ${w.a(s)}${opt(', ', w.envelope())}.`;
  },
  (w) => {
    const count = eventCount(w);
    const steady = w.word('rhythm')?.adjective === 'rhythmic' ? ', in a steady rhythm' : '';
    return count && sentence(`${count.events} come${count.from}${steady}.`);
  },
  (w) => {
    const env = w.word('envelope')?.adjective;
    const end =
      env === 'percussive'
        ? w.pick(['dies away quickly', 'fades fast', 'decays almost at once'])
        : env === 'sustained'
          ? w.pick(['holds steady', 'lingers', 'carries on evenly'])
          : undefined;
    if (!end) return undefined;
    w.mentioned.add('envelope');
    const s = w.np(1);
    return sentence(`${w.a(s)} ${w.verb(s)} ${w.timing()}, and the sound ${end}.`);
  },
  (w) => {
    const s = w.np(0);
    const verb = w.verb(s);
    const when =
      w.events === 1 ? w.pick(['It happens only once', 'It is heard just once']) : `It is heard ${w.timing()}`;
    w.mentioned.add(w.events === 1 ? 'rhythm' : 'duration');
    return sentence(`${w.a(s)} ${verb}. ${when} in the clip.`);
  },
  (w) => {
    const p = w.predicate();
    const s = w.np(0);
    return p.includes(' ') ? `${capitalize(p)}, ${w.a(s)} ${w.verb(s)} ${w.timing()}.` : undefined;
  },
  (w) => {
    const long = w.scene.words.durationS >= 5;
    w.mentioned.add('duration');
    const s = w.np(1);
    return `A ${long ? 'long' : w.pick(['short', 'brief'])} clip in which ${w.a(s)} ${w.verb(s)} ${w.timing()}.`;
  },
  (w) => {
    const c = w.categoryNoun();
    const s = w.np(1);
    return c && sentence(`${w.a(s)}, a kind of ${c}, ${w.verb(s)} ${w.timing()}.`);
  },
  (w) => {
    const c = w.word('continuity')?.adjective;
    const after =
      c === 'isolated'
        ? w.pick(['the rest of the clip is silent', 'silence surrounds it'])
        : c === 'intermittent'
          ? w.pick(['there are pauses between the sounds', 'short silences separate them'])
          : c === 'continuous'
            ? w.pick(['the sound never breaks off', 'there are no pauses'])
            : undefined;
    if (!after) return undefined;
    w.mentioned.add('continuity');
    const s = w.np(1);
    return sentence(`${w.a(s)} ${w.verb(s)} ${w.timing()}; ${after}.`);
  },
  (w) => {
    const s = w.np(0);
    return `We hear ${w.a(s)} ${w.timing()}${opt(' ', w.level())}.`;
  },
  (w) => {
    const s = w.np(1);
    const p = w.predicate();
    return sentence(`${w.a(s)} ${w.verb(s)} ${w.timing()}. The sound${opt(' is ', p, ' and')} lasts ${w.duration()}.`);
  },
  (w) => {
    const s = w.np(2);
    return `It is ${w.a(s)}, ${w.participle()} ${w.timing()}${opt(' ', w.level())}.`;
  },
  (w) => {
    const ing = w.ing();
    const s = w.np(0);
    if (!ing || s.text.endsWith('sound')) return undefined;
    return `The sound of ${w.a(s)} ${ing} ${w.timing()}${opt(', ', w.character())}.`;
  },
  // A sound that is something its source does: "a dog barks".
  (w) => {
    const act = w.scene.action;
    return act && sentence(`${source(act.source)} ${act.verb[0]} ${w.timing()}${opt(', ', w.adverb())}.`);
  },
  (w) => {
    const act = w.scene.action;
    return act && `You can hear ${source(act.source)} ${act.verb[1]} ${w.timing()}${opt(', ', w.character())}.`;
  },
  (w) => {
    const act = w.scene.action;
    if (!act || w.word('continuity')?.adjective !== 'isolated') return undefined;
    w.mentioned.add('continuity');
    return sentence(`${source(act.source)} ${act.verb[0]} ${w.timing()} and then all is quiet.`);
  },
];

/** Short captions of any sound but speech. */
export const SHORT_TEMPLATES: readonly Template[] = [
  (w) => w.a(w.np(2)),
  (w) => {
    const noun = w.scene.cls === 'percussion' ? 'hit' : w.scene.cls === 'instrument' ? 'note' : undefined;
    const s = w.np(1);
    // "an open cymbal hit", not "a bass hit hit" or "a maracas hit"
    const countable = !s.plural && !s.mass && !w.isEvent(s.text);
    return noun && countable ? withArticle(`${s.text} ${noun}`) : undefined;
  },
  (w) => {
    const s = w.np(1);
    return `${w.a(s)} ${w.verb(s)} ${w.timing()}`;
  },
  (w) => {
    const ing = w.ing();
    return ing ? `${w.a(w.np(1))} ${ing}` : undefined;
  },
  (w) => {
    const count = eventCount(w);
    return count && `${count.events}${count.from}`;
  },
  (w) => {
    const s = w.np(1);
    return s.text.endsWith('sound') ? undefined : `the sound of ${w.a(s)}`;
  },
  (w) => {
    const s = w.np(1);
    return `${w.a(s)} ${w.participle()} ${w.timing()}`;
  },
  (w) => {
    const p = w.predicate();
    return p ? `${w.np(0).text}, ${p}` : undefined;
  },
  (w) => {
    const after = w.word('rhythm')?.adjective === 'rhythmic' ? 'in a steady rhythm' : w.continuity();
    return after ? `${w.a(w.np(1))} ${after}` : undefined;
  },
  (w) => {
    const c = w.categorySound();
    return c && `${c} from ${w.a(w.np(0))}`;
  },
  (w) => `${w.a(w.np(0))} lasting ${w.duration()}`,
  (w) => {
    const act = w.scene.action;
    return act && `${source(act.source)} ${act.verb[0]}${opt(' ', w.adverb())}`;
  },
  (w) => {
    const act = w.scene.action;
    return act && `${source(act.source)} ${act.verb[1]} ${w.timing()}`;
  },
];

/** "a dog", "someone". */
const source = (noun: string): string => (noun === 'someone' ? noun : withArticle(noun));

/**
 * A counted number of events and where they come from: "three hits", " from an open cymbal"; "two barks",
 * " from a dog". Undefined for a single event, for too many to count, and for sounds without countable events.
 */
function eventCount(w: Writer): { events: string; from: string } | undefined {
  const noun = w.eventNoun();
  if (w.events < 2 || w.events > 12 || noun === undefined) return undefined;
  w.mentioned.add('rhythm');
  if (noun !== w.scene.head) return { events: counted(w.events, noun), from: ` from ${w.a(w.np(0))}` };
  // The head is itself the event ("bark"): count it, from its source if one is known.
  const act = w.scene.action;
  return { events: counted(w.events, noun), from: act ? ` from ${source(act.source)}` : '' };
}

/** Long descriptions of speech, quoting the transcript exactly. */
export const SPEECH_LONG_TEMPLATES: readonly Template[] = [
  (w) => sentence(`${speaker(w)} says "${quote(w)}"${opt(', ', w.adverb())}.`),
  (w) => `A recorded voice says "${quote(w)}"${opt(' ', w.level())}.`,
  (w) => {
    const loudness = w.word('loudness');
    if (!loudness?.confident) return undefined;
    w.mentioned.add('loudness');
    return `In ${withArticle(loudness.adjective)} voice, someone says "${quote(w)}".`;
  },
  (w) => sentence(`${speaker(w)} speaks the words "${quote(w)}".`),
  (w) => `You can hear ${speaker(w)} saying "${quote(w)}".`,
  (w) => `This is speech: ${speaker(w)} says "${quote(w)}".`,
  (w) => sentence(`${speaker(w)} can be heard saying "${quote(w)}"${opt(', ', w.continuity())}.`),
  (w) => `A spoken message, "${quote(w)}", read by ${speaker(w)}.`,
  (w) => sentence(`${speaker(w)} reads out the words "${quote(w)}".`),
  (w) => `The recording is of ${speaker(w)} saying "${quote(w)}".`,
  (w) => `Someone speaks in ${w.pick(['this clip', 'this recording'])}; the voice says "${quote(w)}".`,
];

/** Short captions of speech; long transcripts are cut to their first words. */
export const SPEECH_SHORT_TEMPLATES: readonly Template[] = [
  (w) => `${speaker(w)} says "${quote(w, 6)}"`,
  (w) => `${speaker(w)} saying "${quote(w, 6)}"`,
  (w) => `"${quote(w, 6)}" spoken by ${speaker(w)}`,
  (w) => `${speaker(w)} reads "${quote(w, 6)}"`,
  (w) => `speech: "${quote(w, 7)}"`,
];

const speaker = (w: Writer): string => w.pick(w.scene.speech!.speakers);

/** The transcript, or its first words and an ellipsis, `maxWords` in all. */
function quote(w: Writer, maxWords = Infinity): string {
  const words = w.scene.speech!.quote.split(' ');
  return words.length <= maxWords ? words.join(' ') : `${words.slice(0, maxWords - 1).join(' ')}…`;
}

/** A sentence the captioner may add after a long template, and what it may mention. */
export interface Detail {
  says: readonly Mention[];
  write: Template;
}

/** Detail sentences, each of six words or more, so that two of them bring any template to the minimum length. */
export const DETAILS: readonly Detail[] = [
  {
    says: ['duration'],
    write: (w) =>
      w.pick([
        `The clip lasts ${w.duration()}.`,
        `It lasts ${w.duration()} in total.`,
        `The whole recording is ${w.duration()} long.`,
      ]),
  },
  {
    says: ['rhythm'],
    write: (w) => {
      const r = w.word('rhythm');
      // Syllables are onsets too, and so are the drops of rain: only events are said to repeat.
      if (!r || w.scene.speech || (w.continuous && r.adjective !== 'rhythmic')) return undefined;
      if (r.adjective === 'rhythmic') {
        const noun = w.eventNoun();
        return noun ? `The ${pluralize(noun)} come in a steady rhythm.` : 'It repeats in a steady rhythm.';
      }
      return r.adjective === 'repeated' ? `It is heard ${r.phrase} in the clip.` : 'It happens only once in the clip.';
    },
  },
  {
    says: ['continuity'],
    write: (w) => {
      const c = w.word('continuity')?.adjective;
      if (!c) return undefined;
      if (c === 'isolated') return `There are stretches of silence around the ${noun(w)}.`;
      if (c === 'intermittent') {
        if (w.scene.speech) return 'There are short pauses between the words.';
        return 'Short gaps of silence separate the sounds.';
      }
      return `The ${noun(w)} carries on without any pause.`;
    },
  },
  {
    says: ['brightness', 'tonality'],
    write: (w) => {
      const p = w.predicate();
      return (
        p &&
        w.pick([
          `In character, the ${noun(w)} is ${p}.`,
          `Its tone comes across as ${p}.`,
          `The overall tone of the ${noun(w)} is ${p}.`,
        ])
      );
    },
  },
  {
    says: ['envelope'],
    write: (w) => {
      const e = w.word('envelope')?.adjective;
      if (!e || w.scene.speech) return undefined;
      return e === 'percussive'
        ? w.pick(['It starts sharply and dies away quickly.', 'Each sound has a sharp attack and a quick decay.'])
        : w.pick([`The ${noun(w)} is held steadily rather than struck.`, 'It is sustained, not short and sharp.']);
    },
  },
  {
    says: ['pitch'],
    write: (w) => {
      const p = w.word('pitch');
      if (!p) return undefined;
      // The phrase names the note when the pitch is steady, else the register ("in a high register").
      return p.phrase.startsWith('pitched around')
        ? `Its pitch is close to ${w.scene.words.note}.`
        : `The ${noun(w)} sits ${p.phrase}.`;
    },
  },
  {
    says: ['loudness'],
    write: (w) => {
      const l = w.word('loudness');
      if (!l) return w.pick(['It is neither very loud nor very quiet.', 'Its volume is neither high nor low.']);
      const level = w.hedged(l);
      return w.pick([`In terms of volume, the ${noun(w)} is ${level}.`, `The ${noun(w)} is ${level} in volume.`]);
    },
  },
  {
    says: ['category'],
    write: (w) => {
      const c = w.categorySound();
      return c && w.pick([`Overall, it is ${c}.`, `It can be described as ${c}.`, `In short, it is ${c}.`]);
    },
  },
];

/** What detail sentences call the sound. */
const noun = (w: Writer): string => (w.scene.speech ? 'voice' : 'sound');
