// AuroLA's prompts (DESIGN.md §2) as chat turns, and their encoding into ids with the positions the runner reads.
import { checkPositiveInt, show } from '@aurola/args';
import type { ChatMessage, TextTokenizer } from './tokenizer.js';
import { CHATML_TEMPLATE, COMPACT_TEMPLATE, splitWords } from './word-tokenizer.js';

/** The special tokens the prompts use (a structural subset of @aurola/backbone's SpecialTokens). */
export interface PromptTokens {
  /** Whose hidden state just before it is the embedding. */
  emb: string;
  /** The one audio placeholder the runner expands into the audio embeddings. */
  audio: string;
  /** Around the placeholder; empty strings when the model has none. */
  audioStart: string;
  audioEnd: string;
  yes?: string;
  no?: string;
}

/** The wording of DESIGN.md §2, verbatim: the default of every model, which config.json's `prompts` can override. */
export const PROMPTS = Object.freeze({
  /** Text embedding, user turn: `${text}` + this. */
  textEmbeddingSuffix: '\nSummarize above sentence in one word: ',
  /** Audio embedding, user turn: audio segment + this. */
  audioEmbeddingSuffix: '\nSummarize above audio in one word: ',
  /** Embedding prompts, assistant turn: the emb token + this. */
  embAnswerSuffix: '.',
  /** Re-ranking, start of the user turn. */
  rerankInstruction:
    "I will provide you with a query and a candidate. Please evaluate whether the candidate matches the query. If it does, respond with 'Yes'; if it doesn't, respond with 'No'.",
  /** A2T re-ranking query, after the audio segment. */
  rerankA2TQuery: 'Find a caption describing the sound events in the given audio.',
  /** T2A re-ranking query, before the caption. */
  rerankT2AQuery: 'Find an audio containing the sound events in the following caption: ',
  /** Re-ranking labels: the user turn is instruction + '\n' + queryLabel + query + '\n' + candidateLabel + candidate. */
  queryLabel: 'Query: ',
  candidateLabel: 'Candidate: ',
});

/** The wording of every prompt (PROMPTS' keys). */
export type PromptWording = { readonly [K in keyof typeof PROMPTS]: string };

/** PROMPTS with `overrides` in place; unknown keys and non-string values are errors naming them. */
export function promptWording(overrides: Readonly<Partial<PromptWording>> = {}): PromptWording {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new TypeError(`prompt wording must be an object, got ${show(overrides)}`);
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in PROMPTS)) throw new RangeError(`prompts.${key} is not a prompt (known: ${Object.keys(PROMPTS).join(', ')})`);
    if (typeof value !== 'string') throw new TypeError(`prompts.${key} must be a string, got ${show(value)}`);
  }
  return Object.freeze({ ...PROMPTS, ...overrides });
}

/**
 * The compact embedding prompts of aurola's own small models: no instruction words, so that a text query runs its
 * own tokens and one more. With COMPACT_TEMPLATE a text prompt is `${text}<|im_end|><emb><|im_end|>` and the
 * embedding is read at the `<|im_end|>` after the text (an audio prompt likewise after the audio segment). A model
 * trained from scratch learns no meaning from the instruction words; they only cost ≈ 10 positions a query.
 */
const COMPACT_WORDING: Readonly<Partial<PromptWording>> = Object.freeze({
  textEmbeddingSuffix: '',
  audioEmbeddingSuffix: '',
  embAnswerSuffix: '',
});

/**
 * The bare prompts: the compact embedding prompts, and re-ranking without any words — the query turn, then the
 * candidate turn: a2t `${audio}<|im_end|>${text}<|im_end|>`, t2a `${text}<|im_end|>${audio}<|im_end|>`, the answer
 * read at the last `<|im_end|>`. The query turn is its own embedding prompt's start, so with causal attention the
 * query's end holds exactly the query's embedding, for a small judge to compare the candidate with.
 */
const BARE_WORDING: Readonly<Partial<PromptWording>> = Object.freeze({
  ...COMPACT_WORDING,
  rerankInstruction: '',
  rerankA2TQuery: '',
  rerankT2AQuery: '',
  queryLabel: '',
  candidateLabel: '',
});

/**
 * How aurola's own models are prompted: `chat` is DESIGN.md §2's (ChatML turns, the reference wording), `compact`
 * the embedding prompts above (re-ranking keeps the reference wording, without the chat turns), `bare` the compact
 * embedding prompts and wordless re-ranking. A model directory carries its style as the tokenizer's chat template
 * and config.json's `prompts` (the wording overrides).
 */
export type PromptStyle = 'chat' | 'compact' | 'bare';
export const PROMPT_STYLES: Readonly<Record<PromptStyle, { chatTemplate: string; wording: Readonly<Partial<PromptWording>> }>> = Object.freeze({
  chat: { chatTemplate: CHATML_TEMPLATE, wording: {} },
  compact: { chatTemplate: COMPACT_TEMPLATE, wording: COMPACT_WORDING },
  bare: { chatTemplate: COMPACT_TEMPLATE, wording: BARE_WORDING },
});

export type RerankDirection = 't2a' | 'a2t';

/** A prompt as chat turns, for TextTokenizer.renderChat. */
export interface PromptChat {
  messages: ChatMessage[];
  addGenerationPrompt: boolean;
}

/** The audio segment: audioStart + audio + audioEnd — one placeholder token, expanded by the runner. */
export function audioSegment(tokens: PromptTokens): string {
  return tokens.audioStart + tokens.audio + tokens.audioEnd;
}

/** Text embedding: user = `${text}\nSummarize above sentence in one word: `, assistant = `${emb}.`. */
export function textEmbeddingChat(text: string, tokens: PromptTokens, wording: PromptWording = PROMPTS): PromptChat {
  return {
    messages: [
      { role: 'user', content: text + wording.textEmbeddingSuffix },
      { role: 'assistant', content: tokens.emb + wording.embAnswerSuffix },
    ],
    addGenerationPrompt: false,
  };
}

/** Audio embedding: user = `${audioSegment}\nSummarize above audio in one word: `, assistant = `${emb}.`. */
export function audioEmbeddingChat(tokens: PromptTokens, wording: PromptWording = PROMPTS): PromptChat {
  return {
    messages: [
      { role: 'user', content: audioSegment(tokens) + wording.audioEmbeddingSuffix },
      { role: 'assistant', content: tokens.emb + wording.embAnswerSuffix },
    ],
    addGenerationPrompt: false,
  };
}

/**
 * Re-ranking, one user turn and the generation prompt (the Yes/No answer is scored at the last position):
 *   `${instruction}\nQuery: ${query}\nCandidate: ${candidate}`
 * or, when the instruction is empty, two user turns: `${queryLabel}${query}`, then `${candidateLabel}${candidate}`.
 * a2t: query = `${audioSegment}Find a caption describing the sound events in the given audio.`, candidate = text;
 * t2a: query = `Find an audio containing the sound events in the following caption: ${text}`, candidate = audio segment.
 */
export function rerankChat(direction: RerankDirection, text: string, tokens: PromptTokens, wording: PromptWording = PROMPTS): PromptChat {
  const audio = audioSegment(tokens);
  const [query, candidate] =
    direction === 'a2t' ? [audio + wording.rerankA2TQuery, text] : [wording.rerankT2AQuery + text, audio];
  const turns = [wording.queryLabel + query, wording.candidateLabel + candidate];
  // Without an instruction the query and the candidate are turns of their own. Under the compact template the
  // query turn is then the start of the query's own embedding prompt, so the judge's sequence holds the query's
  // embedding at the query's end, for the candidate and the answer to attend to.
  const messages: ChatMessage[] =
    wording.rerankInstruction === ''
      ? turns.map((content) => ({ role: 'user', content }))
      : [{ role: 'user', content: `${wording.rerankInstruction}\n${turns.join('\n')}` }];
  return { messages, addGenerationPrompt: true };
}

/**
 * The words of every prompt and of ChatML's role names, as splitWords sees them — what a whole-word vocabulary
 * (buildWordTokenizer) needs so that no prompt word becomes `[UNK]`.
 */
export function promptWords(wording: PromptWording = PROMPTS): string[] {
  const texts = [...Object.values(wording), 'system user assistant'];
  return [...new Set(texts.flatMap(splitWords))];
}

/** An encoded prompt. */
export interface EncodedPrompt {
  ids: number[];
  /** Index of the token just before the first emb token (embedding prompts). */
  embPosition?: number;
  /** Index of the audio placeholder (prompts with audio). */
  audioPosition?: number;
}

// Stands for the caption text while the template renders; never encoded.
const SENTINEL = '\u{E000}aurola-caption\u{E001}';

interface Frame {
  prefix: number[];
  suffix: number[];
  /** Index of the first emb token within the suffix. */
  embInSuffix?: number;
  audioInPrefix?: number;
  audioInSuffix?: number;
}

function indexesOf(ids: readonly number[], id: number): number[] {
  const out: number[] = [];
  ids.forEach((x, i) => {
    if (x === id) out.push(i);
  });
  return out;
}

/**
 * Encodes AuroLA's prompts with a model's tokenizer and chat template.
 *
 * Caption text is cut to `maxTextTokens` tokens. To do so each prompt is rendered once, with a sentinel in place
 * of the text; the rendered string is split at the sentinel, and the prefix and suffix are encoded once (at
 * construction) while the text is encoded per call, cut, and spliced between them. A tokenizer whose merges cross
 * those boundaries (e.g. a BPE merging the template's "\n" with the text's first characters) would encode the whole
 * string slightly differently; for ChatML templates and the whole-word tokenizers the boundaries fall on
 * pre-tokenizer splits, so the ids are those of the whole string. This also assumes the template treats the
 * content as opaque text (no branching on it), true of ChatML/Qwen templates.
 *
 * The special tokens (every added token marked special, e.g. `<emb>`, `<|im_start|>`, the audio placeholder) are
 * removed from caption text, in any letter case — each occurrence becomes a space — so that a caption cannot
 * inject chat structure, an extra `<emb>` or an audio placeholder. (Any case: @huggingface/tokenizers also matches
 * an added token against a whole text section after normalisation, so "<EMB>" alone would lower-case to `<emb>`.)
 * Positions are found in the prompt's own parts, never in the text.
 *
 * The re-rank answer is scored at the last position, `ids.length - 1` (after the generation prompt).
 */
export class PromptEncoder {
  readonly tokenizer: TextTokenizer;
  readonly tokens: Readonly<PromptTokens>;
  readonly maxTextTokens: number;
  readonly wording: PromptWording;
  readonly embId: number;
  readonly audioId: number;

  readonly #text: Frame;
  readonly #audio: EncodedPrompt;
  readonly #rerank: Record<RerankDirection, Frame>;
  readonly #strip: RegExp;

  /** `wording`: overrides of PROMPTS (a model's config.json `prompts`). */
  constructor(tokenizer: TextTokenizer, tokens: PromptTokens, maxTextTokens: number, wording: Readonly<Partial<PromptWording>> = {}) {
    if (typeof tokens !== 'object' || tokens === null) throw new TypeError(`tokens must be an object, got ${show(tokens)}`);
    for (const key of ['emb', 'audio', 'audioStart', 'audioEnd'] as const) {
      if (typeof tokens[key] !== 'string') throw new TypeError(`tokens.${key} must be a string, got ${show(tokens[key])}`);
    }
    if (tokens.emb === '' || tokens.audio === '') throw new TypeError('tokens.emb and tokens.audio must be non-empty');
    this.tokenizer = tokenizer;
    this.tokens = Object.freeze({ ...tokens });
    this.maxTextTokens = checkPositiveInt('maxTextTokens', maxTextTokens);
    this.wording = promptWording(wording);
    for (const key of ['emb', 'audio', 'audioStart', 'audioEnd'] as const) {
      const token = tokens[key];
      if (token === '') continue;
      const id = tokenizer.tokenId(token);
      const ids = tokenizer.encode(token);
      if (ids.length !== 1 || ids[0] !== id) {
        throw new Error(
          `tokens.${key} ${JSON.stringify(token)} is in the vocabulary of ${tokenizer.source} but does not encode as ` +
            `its single id (got [${ids.join(', ')}]); it must be an added token of tokenizer.json`,
        );
      }
    }
    this.embId = tokenizer.tokenId(tokens.emb);
    this.audioId = tokenizer.tokenId(tokens.audio);
    const strip = [...new Set([...tokenizer.specialTokens, tokens.emb, tokens.audio, tokens.audioStart, tokens.audioEnd])]
      .filter((t) => t !== '')
      .sort((a, b) => b.length - a.length)
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.#strip = new RegExp(strip.join('|'), 'giu');

    this.#text = this.#frame('text embedding', textEmbeddingChat(SENTINEL, tokens, this.wording), { emb: true, audio: false });
    this.#rerank = {
      a2t: this.#frame('a2t re-rank', rerankChat('a2t', SENTINEL, tokens, this.wording), { emb: false, audio: true }),
      t2a: this.#frame('t2a re-rank', rerankChat('t2a', SENTINEL, tokens, this.wording), { emb: false, audio: true }),
    };
    const audio = audioEmbeddingChat(tokens, this.wording);
    const ids = tokenizer.encode(tokenizer.renderChat(audio.messages, audio));
    const audioAt = indexesOf(ids, this.audioId);
    if (audioAt.length !== 1) throw this.#countError('audio embedding', `${audioAt.length} audio placeholders (expected 1)`);
    const embAt = indexesOf(ids, this.embId);
    if (embAt.length === 0) throw this.#countError('audio embedding', 'no emb token');
    this.#audio = { ids, embPosition: (embAt[0] as number) - 1, audioPosition: audioAt[0] as number };
  }

  /** `${text}\nSummarize above sentence in one word: ` → `<emb>.` (in the default wording); text cut to maxTextTokens tokens. */
  textEmbedding(text: string): EncodedPrompt {
    return this.#splice(this.#text, text);
  }

  /** `${audioSegment}\nSummarize above audio in one word: ` → `<emb>.` (in the default wording). */
  audioEmbedding(): EncodedPrompt {
    const { ids, embPosition, audioPosition } = this.#audio;
    return { ids: [...ids], embPosition: embPosition as number, audioPosition: audioPosition as number };
  }

  /** The yes/no re-rank prompt for one (query, candidate) pair; `text` is the caption (cut to maxTextTokens). */
  rerank(direction: RerankDirection, text: string): EncodedPrompt {
    if (direction !== 't2a' && direction !== 'a2t') throw new TypeError(`direction must be 't2a' or 'a2t', got ${show(direction)}`);
    return this.#splice(this.#rerank[direction], text);
  }

  #splice(frame: Frame, text: string): EncodedPrompt {
    if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${show(text)}`);
    const textIds = this.tokenizer.encode(this.#stripSpecial(text)).slice(0, this.maxTextTokens);
    const ids = [...frame.prefix, ...textIds, ...frame.suffix];
    const out: EncodedPrompt = { ids };
    const afterText = frame.prefix.length + textIds.length;
    if (frame.embInSuffix !== undefined) out.embPosition = afterText + frame.embInSuffix - 1;
    if (frame.audioInPrefix !== undefined) out.audioPosition = frame.audioInPrefix;
    if (frame.audioInSuffix !== undefined) out.audioPosition = afterText + frame.audioInSuffix;
    return out;
  }

  #stripSpecial(text: string): string {
    for (;;) {
      const next = text.replace(this.#strip, ' ');
      if (next === text) return text;
      text = next;
    }
  }

  #frame(kind: string, chat: PromptChat, want: { emb: boolean; audio: boolean }): Frame {
    const rendered = this.tokenizer.renderChat(chat.messages, chat);
    const parts = rendered.split(SENTINEL);
    if (parts.length !== 2) {
      throw new Error(
        `the chat template of ${this.tokenizer.source} rendered the ${kind} prompt's text ${parts.length - 1} times, expected once`,
      );
    }
    const prefix = this.tokenizer.encode(parts[0] as string);
    const suffix = this.tokenizer.encode(parts[1] as string);
    const frame: Frame = { prefix, suffix };
    const embPre = indexesOf(prefix, this.embId);
    const embSuf = indexesOf(suffix, this.embId);
    if (want.emb) {
      if (embPre.length > 0 || embSuf.length === 0) {
        throw this.#countError(kind, `${embPre.length} emb tokens before the text and ${embSuf.length} after it (expected 0 and ≥ 1)`);
      }
      frame.embInSuffix = embSuf[0] as number;
      // An empty text must still leave a token before <emb> to read.
      if (prefix.length + frame.embInSuffix === 0) throw this.#countError(kind, 'no token of its own before the emb token (an empty text would leave nothing to read)');
    }
    const audioPre = indexesOf(prefix, this.audioId);
    const audioSuf = indexesOf(suffix, this.audioId);
    const audioCount = audioPre.length + audioSuf.length;
    if (want.audio ? audioCount !== 1 : audioCount !== 0) {
      throw this.#countError(kind, `${audioCount} audio placeholders (expected ${want.audio ? 1 : 0})`);
    }
    if (audioPre.length === 1) frame.audioInPrefix = audioPre[0] as number;
    if (audioSuf.length === 1) frame.audioInSuffix = audioSuf[0] as number;
    return frame;
  }

  #countError(kind: string, what: string): Error {
    return new Error(
      `the ${kind} prompt rendered by the chat template of ${this.tokenizer.source} holds ${what} ` +
        `(emb ${JSON.stringify(this.tokens.emb)}, audio ${JSON.stringify(this.tokens.audio)}); the template must render the turns as given`,
    );
  }
}
