// buildWordTokenizer: the tokenizer files of aurola's own small models (the test models, aurola-mini) — a
// whole-word vocabulary in Hugging Face's tokenizer.json format, readable by @huggingface/tokenizers here and by
// the Rust `tokenizers` crate / transformers' PreTrainedTokenizerFast elsewhere.
import { show } from '@aurola/args';

/** ChatML: `<|im_start|>{role}\n{content}<|im_end|>\n` per message, `<|im_start|>assistant\n` as generation prompt. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The compact template (with COMPACT_WORDING): each message's content and `<|im_end|>`, no roles and no generation
 * prompt — the fewest fixed tokens that still leave a read position of the template's own after the text.
 */
export const COMPACT_TEMPLATE = "{% for message in messages %}{{ message['content'] + '<|im_end|>' }}{% endfor %}";

export const UNK_TOKEN = '[UNK]';
export const PAD_TOKEN = '[PAD]';
export const CHATML_START = '<|im_start|>';
export const CHATML_END = '<|im_end|>';

// Rust's BertPreTokenizer: whitespace separates (and is dropped), every punctuation character (Unicode P* or ASCII
// punctuation, which includes symbols such as $ + < = > ^ ` | ~) is a token of its own.
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const WORD_PATTERN = new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu');

/**
 * The words a buildWordTokenizer tokenizer sees in `text` (outside added tokens): lower-cased, split on whitespace,
 * each punctuation character its own word — the tokenizer's Lowercase normalizer and BertPreTokenizer. Use it to
 * collect a vocabulary from a corpus.
 */
export function splitWords(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${show(text)}`);
  return text.toLowerCase().match(WORD_PATTERN) ?? [];
}

export interface WordTokenizerSpec {
  /**
   * The vocabulary, in id order after the special tokens. Lower-cased (the normalizer lower-cases all text) and
   * de-duplicated, first occurrence kept; each must be one word under splitWords (a run of non-space,
   * non-punctuation characters, or one punctuation character), else it could never be produced: an Error says so.
   */
  words: readonly string[];
  /**
   * Added tokens, matched verbatim in the text before normalisation (so `<emb>` stays one token and keeps its case)
   * and marked special. Delimit them (`<emb>`, `<|AUDIO|>`): an added token matches inside words too.
   */
  specialTokens: readonly string[];
  /** Jinja chat template; ChatML (CHATML_TEMPLATE) by default. */
  chatTemplate?: string;
  /** tokenizer_config's pad_token; `[PAD]` by default. */
  padToken?: string;
  /** tokenizer_config's eos_token; `<|im_end|>` by default. */
  eosToken?: string;
}

export interface WordTokenizerFiles {
  /** The contents of tokenizer.json. */
  tokenizerJson: Record<string, unknown>;
  /** The contents of tokenizer_config.json. */
  tokenizerConfig: Record<string, unknown>;
}

/**
 * Writes a complete whole-word tokenizer: tokenizer.json (WordLevel model with unknown token `[UNK]`, Lowercase
 * normalizer, BertPreTokenizer, no post-processor, a WordPiece decoder that joins words with spaces and cleans the
 * space before punctuation) and tokenizer_config.json (the chat template, `[UNK]`/pad/eos tokens, no BOS).
 *
 * Id layout (stable, so callers can rely on it):
 *   0 `[UNK]`, 1 `[PAD]`, then `specialTokens` in the order given, then whichever of `<|im_start|>`, `<|im_end|>`,
 *   padToken, eosToken were not listed yet, then `words` (lower-cased, de-duplicated, skipping any equal to a
 *   special token) in the order given.
 * Every special token is both in the model vocabulary and in `added_tokens` with the same id (special: true,
 * normalized: false), so the Rust crate assigns the same ids as @huggingface/tokenizers.
 *
 * Text maps to ids as: added tokens found verbatim, then the rest lower-cased and split by splitWords, each word
 * looked up, `[UNK]` when absent. Decoding joins words with single spaces (so whitespace is not restored exactly).
 */
export function buildWordTokenizer(spec: WordTokenizerSpec): WordTokenizerFiles {
  if (typeof spec !== 'object' || spec === null) throw new TypeError(`spec must be an object, got ${show(spec)}`);
  const { words, specialTokens, chatTemplate = CHATML_TEMPLATE, padToken = PAD_TOKEN, eosToken = CHATML_END } = spec;
  if (!Array.isArray(words)) throw new TypeError(`spec.words must be an array of strings, got ${show(words)}`);
  if (!Array.isArray(specialTokens)) throw new TypeError(`spec.specialTokens must be an array of strings, got ${show(specialTokens)}`);
  if (typeof chatTemplate !== 'string') throw new TypeError(`spec.chatTemplate must be a string, got ${show(chatTemplate)}`);
  for (const [name, v] of [['padToken', padToken], ['eosToken', eosToken]] as const) {
    if (typeof v !== 'string' || v === '') throw new TypeError(`spec.${name} must be a non-empty string, got ${show(v)}`);
  }

  const vocab = new Map<string, number>();
  const add = (token: string): void => {
    if (!vocab.has(token)) vocab.set(token, vocab.size);
  };
  add(UNK_TOKEN);
  add(PAD_TOKEN);
  specialTokens.forEach((t, i) => {
    if (typeof t !== 'string' || t === '') throw new TypeError(`spec.specialTokens[${i}] must be a non-empty string, got ${show(t)}`);
    add(t);
  });
  for (const t of [CHATML_START, CHATML_END, padToken, eosToken]) add(t);
  const special = [...vocab.keys()];

  words.forEach((w, i) => {
    if (typeof w !== 'string') throw new TypeError(`spec.words[${i}] must be a string, got ${show(w)}`);
    const lower = w.toLowerCase();
    const pieces = splitWords(lower);
    if (pieces.length !== 1 || pieces[0] !== lower) {
      throw new Error(
        `spec.words[${i}] ${JSON.stringify(w)} is not one word for this tokenizer (it splits into ` +
          `${pieces.length === 0 ? 'nothing' : pieces.map((p) => JSON.stringify(p)).join(', ')}); list the pieces instead`,
      );
    }
    add(lower);
  });

  const addedTokens = special.map((content) => ({
    id: vocab.get(content) as number,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordLevel', vocab: Object.fromEntries(vocab), unk_token: UNK_TOKEN },
  };
  const namedTokens = new Set([UNK_TOKEN, padToken, eosToken]);
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    added_tokens_decoder: Object.fromEntries(addedTokens.map(({ id, ...rest }) => [String(id), rest])),
    additional_special_tokens: special.filter((t) => !namedTokens.has(t)),
    bos_token: null,
    eos_token: eosToken,
    pad_token: padToken,
    unk_token: UNK_TOKEN,
    clean_up_tokenization_spaces: false,
    chat_template: chatTemplate,
  };
  return { tokenizerJson, tokenizerConfig };
}
