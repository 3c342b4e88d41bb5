// Shared test material: an explicit vocabulary (every word of the prompts, written out by hand from DESIGN.md §2,
// plus some caption words), the special tokens, and an independent reference encoder (a plain lookup in that
// vocabulary) that the expectations are computed with.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWordTokenizer } from '../src/index.js';

export const TOKENS = { emb: '<emb>', audio: '<|AUDIO|>', audioStart: '<|audio_bos|>', audioEnd: '<|audio_eos|>', yes: 'yes', no: 'no' };

export const SPECIALS = ['<|im_start|>', '<|im_end|>', '<emb>', '<|audio_bos|>', '<|AUDIO|>', '<|audio_eos|>'];

/** Every word of the prompts and of ChatML's roles, as the tokenizer splits them (lower-cased, punctuation alone). */
export const PROMPT_VOCAB = [
  'summarize', 'above', 'sentence', 'in', 'one', 'word', ':', 'audio', // embedding prompts
  '.', // the "<emb>." answer
  'i', 'will', 'provide', 'you', 'with', 'a', 'query', 'and', 'candidate', 'please', 'evaluate', 'whether', 'the',
  'matches', 'if', 'it', 'does', ',', 'respond', "'", 'yes', ';', 'doesn', 't', 'no', // re-rank instruction
  'find', 'caption', 'describing', 'sound', 'events', 'given', // A2T query
  'an', 'containing', 'following', // T2A query
  'system', 'user', 'assistant', // ChatML roles
];

export const CAPTION_VOCAB = ['dog', 'barks', 'cat', 'meows', 'car', 'passes', 'rain', 'then', 'birds', 'chirp', 'loudly',
  'water', 'runs', 'are', 'helpful', 'twice', 'engine', 'idles', '!', '?', '-', '3'];

export const WORDS = [...PROMPT_VOCAB, ...CAPTION_VOCAB];
if (new Set(WORDS).size !== WORDS.length) throw new Error('test vocabulary has duplicates');

/** Ids by the documented layout: [UNK]=0, [PAD]=1, specials 2.., words after them. */
export const UNK = 0;
export const PAD = 1;
export function specialId(t: string): number {
  const i = SPECIALS.indexOf(t);
  if (i < 0) throw new Error(`not a test special: ${t}`);
  return 2 + i;
}
export function wordId(w: string): number {
  const i = WORDS.indexOf(w);
  return i < 0 ? UNK : 2 + SPECIALS.length + i;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SPECIAL_SPLIT = new RegExp(`(${SPECIALS.map(escape).join('|')})`);

/** Reference encoding: specials verbatim, the rest lower-cased, split into letter/digit runs and single symbols. */
export function refEncode(text: string): number[] {
  const ids: number[] = [];
  for (const part of text.split(SPECIAL_SPLIT)) {
    if (part === '') continue;
    if (SPECIALS.includes(part)) ids.push(specialId(part));
    else for (const w of part.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []) ids.push(wordId(w));
  }
  return ids;
}

export function testFiles(chatTemplate?: string): ReturnType<typeof buildWordTokenizer> {
  return buildWordTokenizer({ words: WORDS, specialTokens: SPECIALS, ...(chatTemplate !== undefined ? { chatTemplate } : {}) });
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'aurola-text-'));
}

/** Writes tokenizer.json and tokenizer_config.json into a new temp dir. */
export async function writeTokenizerDir(files = testFiles()): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson, null, 2));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig, null, 2));
  return dir;
}


/** Qwen2.5's chat template without the tool branches: a default system turn when none is given. */
export const QWEN_LIKE_TEMPLATE =
  "{%- if messages[0]['role'] == 'system' %}\n" +
  "    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n" +
  '{%- else %}\n' +
  "    {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}\n" +
  '{%- endif %}\n' +
  '{%- for message in messages %}\n' +
  "    {%- if not (message.role == 'system' and loop.first) %}\n" +
  "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n" +
  '    {%- endif %}\n' +
  '{%- endfor %}\n' +
  '{%- if add_generation_prompt %}\n' +
  "    {{- '<|im_start|>assistant\\n' }}\n" +
  '{%- endif %}\n';
