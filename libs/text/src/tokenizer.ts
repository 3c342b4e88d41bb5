// TextTokenizer: a model directory's tokenizer.json + tokenizer_config.json through @huggingface/tokenizers (a pure
// JS port of HF tokenizers), and its chat template through @huggingface/jinja.
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { Template } from '@huggingface/jinja';
import { show } from '@aurola/args';
import { errorMessage, readJsonObject, readText } from './files.js';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface RenderChatOptions {
  /** Append the template's opening of an assistant turn (transformers' `add_generation_prompt`). */
  addGenerationPrompt: boolean;
}

export interface TokenizerJsonOptions {
  /** Names the tokenizer in error messages (fromDirectory passes the directory). */
  source?: string;
  /** A chat template that replaces tokenizer_config's `chat_template` (fromDirectory passes chat_template.jinja). */
  chatTemplate?: string;
}

type JsonObject = Record<string, unknown>;

// The part of @huggingface/tokenizers' Tokenizer used here. Its bundled typings use extension-less relative imports,
// which NodeNext resolution cannot follow (the class types as `any`), so the surface is declared here.
interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: (number | undefined)[]; tokens: string[] };
  decode(ids: number[]): string;
  token_to_id(token: string): number | undefined;
  model: { vocab: string[] } | null;
}
const HfTokenizerClass = Tokenizer as unknown as new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer;

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant']);

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A special-token entry of tokenizer_config.json: a string, or (older files) `{ content: string, ... }`. */
function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

const CONFIG_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

/** tokenizer_config's `chat_template`: a string, or a list of `{ name, template }` of which "default" is used. */
function configChatTemplate(config: JsonObject, source: string): string | undefined {
  const t = config.chat_template;
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.find((x) => isObject(x) && x.name === 'default');
    if (isObject(named) && typeof named.template === 'string') return named.template;
    throw new Error(`tokenizer_config.json of ${source}: chat_template is a list without a "default" template`);
  }
  throw new Error(`tokenizer_config.json of ${source}: chat_template must be a string, got ${show(t)}`);
}

/**
 * A Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) with the model's chat template.
 *
 * - `encode` adds no special tokens of its own (no BOS/EOS post-processing): the chat template writes them. Added
 *   tokens (`<emb>`, `<|im_start|>`, `<|im_end|>`, audio placeholders, …) that appear in the text encode as their
 *   single ids.
 * - A WordLevel model whose `unk_token` is only given in tokenizer.json (the Rust crate's place for it) gets it
 *   copied into the config that @huggingface/tokenizers reads (that port takes a WordLevel model's unknown token
 *   from tokenizer_config.json only).
 */
export class TextTokenizer {
  /** The directory (or the `source` label given to fromJson) that error messages name. */
  readonly source: string;
  /** The chat template as shipped (chat_template.jinja, else tokenizer_config's `chat_template`), if any. */
  readonly chatTemplate: string | undefined;
  /** The contents of the added tokens marked `special` in tokenizer.json. */
  readonly specialTokens: readonly string[];

  readonly #tokenizer: HfTokenizer;
  readonly #config: JsonObject;
  #template: Template | undefined;

  private constructor(
    tokenizer: HfTokenizer,
    config: JsonObject,
    source: string,
    chatTemplate: string | undefined,
    special: string[],
  ) {
    this.#tokenizer = tokenizer;
    this.#config = config;
    this.source = source;
    this.chatTemplate = chatTemplate;
    this.specialTokens = Object.freeze(special);
  }

  /**
   * Loads `dir/tokenizer.json` and `dir/tokenizer_config.json` (both required). When `dir/chat_template.jinja`
   * exists it is the chat template, as in transformers (which lets that file override the config's
   * `chat_template`, and writes it there when saving).
   */
  static async fromDirectory(dir: string): Promise<TextTokenizer> {
    if (typeof dir !== 'string' || dir === '') throw new TypeError(`dir must be a non-empty string, got ${show(dir)}`);
    const tokenizerJson = await readJsonObject(join(dir, 'tokenizer.json'));
    const tokenizerConfig = await readJsonObject(join(dir, 'tokenizer_config.json'));
    const jinja = await readText(join(dir, 'chat_template.jinja'), true);
    return TextTokenizer.fromJson(tokenizerJson, tokenizerConfig, {
      source: dir,
      ...(jinja !== undefined ? { chatTemplate: jinja } : {}),
    });
  }

  /** Builds from the parsed contents of tokenizer.json and tokenizer_config.json. */
  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown, options: TokenizerJsonOptions = {}): TextTokenizer {
    const source = options.source ?? '<in-memory tokenizer>';
    if (!isObject(tokenizerJson)) {
      throw new TypeError(`tokenizer.json of ${source} must be a JSON object, got ${show(tokenizerJson)}`);
    }
    if (!isObject(tokenizerConfig)) {
      throw new TypeError(`tokenizer_config.json of ${source} must be a JSON object, got ${show(tokenizerConfig)}`);
    }
    const model = tokenizerJson.model;
    if (!isObject(model)) throw new Error(`tokenizer.json of ${source} has no "model" object`);
    const addedTokens = tokenizerJson.added_tokens ?? [];
    if (!Array.isArray(addedTokens)) throw new Error(`tokenizer.json of ${source}: "added_tokens" must be an array`);

    // The pieces the JS port requires to be present (the Rust format always writes them, null when unused).
    const json: JsonObject = {
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      ...tokenizerJson,
      added_tokens: addedTokens,
    };
    // The JS port resolves special tokens by string; older configs write them as { content, ... } objects.
    const config: JsonObject = { ...tokenizerConfig };
    for (const key of CONFIG_TOKEN_KEYS) {
      const s = tokenString(config[key]);
      if (s !== undefined) config[key] = s;
      else if (config[key] !== undefined && config[key] !== null) delete config[key];
    }
    if (config.unk_token === undefined && typeof model.unk_token === 'string') config.unk_token = model.unk_token;

    let tokenizer: HfTokenizer;
    try {
      tokenizer = new HfTokenizerClass(json, config);
    } catch (e) {
      throw new Error(`cannot build the tokenizer of ${source} from tokenizer.json: ${errorMessage(e)}`, { cause: e });
    }
    const special = addedTokens
      .filter((t): t is JsonObject => isObject(t) && t.special === true && typeof t.content === 'string')
      .map((t) => t.content as string);
    const chatTemplate = options.chatTemplate ?? configChatTemplate(tokenizerConfig, source);
    return new TextTokenizer(tokenizer, config, source, chatTemplate, special);
  }

  /** Token ids of `text`, with no special tokens added (added tokens written in the text become their ids). */
  encode(text: string): number[] {
    if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${show(text)}`);
    if (text === '') return [];
    const { ids, tokens } = this.#tokenizer.encode(text, { add_special_tokens: false });
    for (let i = 0; i < ids.length; i++) {
      if (typeof ids[i] !== 'number') {
        throw new Error(
          `token ${show(tokens[i])} of the text is not in the vocabulary of ${this.source}, which has no unknown token`,
        );
      }
    }
    return ids as number[];
  }

  /** The text of `ids` through tokenizer.json's decoder (special tokens kept). */
  decode(ids: readonly number[]): string {
    if (!Array.isArray(ids)) throw new TypeError(`ids must be an array of token ids, got ${show(ids)}`);
    if (ids.length === 0) return '';
    const n = this.vocabSize;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= n) {
        throw new RangeError(`ids[${i}] must be a token id in [0, ${n}), got ${show(id)}`);
      }
    }
    return this.#tokenizer.decode(ids as number[]);
  }

  /** The id of a token of the vocabulary (added tokens included); throws when the vocabulary lacks it. */
  tokenId(token: string): number {
    if (typeof token !== 'string') throw new TypeError(`token must be a string, got ${show(token)}`);
    const id = this.#tokenizer.token_to_id(token);
    if (id === undefined) {
      throw new Error(`token ${JSON.stringify(token)} is not in the vocabulary of the tokenizer in ${this.source}`);
    }
    return id;
  }

  /** Highest token id + 1 (added tokens included): the least embedding-table size the tokenizer needs. */
  get vocabSize(): number {
    return this.#tokenizer.model?.vocab.length ?? 0;
  }

  /** The padding id: tokenizer_config's pad_token, else its eos_token, else 0. */
  get padId(): number {
    const pad = tokenString(this.#config.pad_token);
    if (pad !== undefined) return this.tokenId(pad);
    const eos = tokenString(this.#config.eos_token);
    if (eos !== undefined) return this.tokenId(eos);
    return 0;
  }

  /**
   * Renders the chat template exactly as shipped, with transformers' context: `messages`, `add_generation_prompt`
   * and the config's special tokens (`bos_token`, `eos_token`, …) as strings.
   */
  renderChat(messages: readonly ChatMessage[], options: RenderChatOptions): string {
    if (!Array.isArray(messages)) throw new TypeError(`messages must be an array, got ${show(messages)}`);
    messages.forEach((m, i) => {
      if (!isObject(m) || !ROLES.has(m.role as string) || typeof m.content !== 'string') {
        throw new TypeError(`messages[${i}] must be { role: 'system' | 'user' | 'assistant'; content: string }`);
      }
    });
    const addGenerationPrompt = options?.addGenerationPrompt;
    if (typeof addGenerationPrompt !== 'boolean') {
      throw new TypeError(`options.addGenerationPrompt must be a boolean, got ${show(addGenerationPrompt)}`);
    }
    const template = this.#compiledTemplate();
    const context: Record<string, unknown> = {};
    for (const key of CONFIG_TOKEN_KEYS) {
      const s = tokenString(this.#config[key]);
      if (s !== undefined) context[key] = s;
    }
    context.messages = messages.map((m) => ({ role: m.role, content: m.content }));
    context.add_generation_prompt = addGenerationPrompt;
    try {
      return template.render(context);
    } catch (e) {
      throw new Error(`the chat template of ${this.source} failed to render: ${errorMessage(e)}`, { cause: e });
    }
  }

  #compiledTemplate(): Template {
    if (this.#template) return this.#template;
    if (this.chatTemplate === undefined) {
      throw new Error(
        `the tokenizer in ${this.source} has no chat template ` +
          '(no "chat_template" in tokenizer_config.json, no chat_template.jinja)',
      );
    }
    try {
      this.#template = new Template(this.chatTemplate);
    } catch (e) {
      throw new Error(`the chat template of ${this.source} does not parse: ${errorMessage(e)}`, { cause: e });
    }
    return this.#template;
  }
}
