import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PromptEncoder, TextTokenizer, buildWordTokenizer } from '../src/index.js';
import { PAD, SPECIALS, TOKENS, WORDS, refEncode, specialId, tempDir, testFiles, wordId, writeTokenizerDir } from './fixtures.js';

const dirs: string[] = [];
async function dir(files = testFiles()): Promise<string> {
  const d = await writeTokenizerDir(files);
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('TextTokenizer.fromDirectory', () => {
  it('round-trips buildWordTokenizer files through a directory', async () => {
    const d = await dir();
    const tok = await TextTokenizer.fromDirectory(d);
    expect(tok.source).toBe(d);
    expect(tok.vocabSize).toBe(2 + SPECIALS.length + WORDS.length);
    expect(tok.padId).toBe(PAD);
    for (const t of SPECIALS) expect(tok.tokenId(t)).toBe(specialId(t));
    for (const w of WORDS) expect(tok.tokenId(w)).toBe(wordId(w));
    expect(tok.tokenId('[UNK]')).toBe(0);
    expect([...tok.specialTokens]).toEqual(['[UNK]', '[PAD]', ...SPECIALS]);
    const text = '<|im_start|>user\nA dog barks, then birds chirp!<|im_end|>';
    expect(tok.encode(text)).toEqual(refEncode(text));
    expect(tok.encode('')).toEqual([]);
    expect(tok.decode(tok.encode('a dog barks, then birds chirp!'))).toBe('a dog barks, then birds chirp!');
  });

  it('renders the chat template as shipped, with the generation prompt on request', async () => {
    const tok = await TextTokenizer.fromDirectory(await dir());
    const messages = [
      { role: 'system' as const, content: 'sys' },
      { role: 'user' as const, content: 'hello\nthere' },
      { role: 'assistant' as const, content: 'hi' },
    ];
    expect(tok.renderChat(messages, { addGenerationPrompt: false })).toBe(
      '<|im_start|>system\nsys<|im_end|>\n<|im_start|>user\nhello\nthere<|im_end|>\n<|im_start|>assistant\nhi<|im_end|>\n',
    );
    expect(tok.renderChat(messages.slice(1, 2), { addGenerationPrompt: true })).toBe(
      '<|im_start|>user\nhello\nthere<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(() => tok.renderChat([{ role: 'tool' as 'user', content: 'x' }], { addGenerationPrompt: false })).toThrow(TypeError);
    expect(() => tok.renderChat([], {} as { addGenerationPrompt: boolean })).toThrow(/addGenerationPrompt/);
  });

  it('passes the config special tokens to the template and takes chat_template.jinja over the config', async () => {
    const f = testFiles('{{ bos_token }}|{{ eos_token }}|{{ pad_token }}|{{ messages[0].content }}');
    const d = await dir(f);
    const tok = await TextTokenizer.fromDirectory(d);
    expect(tok.renderChat([{ role: 'user', content: 'x' }], { addGenerationPrompt: false })).toBe('|<|im_end|>|[PAD]|x');
    await writeFile(join(d, 'chat_template.jinja'), '[{{ messages[0].role }}:{{ messages[0].content }}]\n');
    const tok2 = await TextTokenizer.fromDirectory(d);
    expect(tok2.renderChat([{ role: 'user', content: 'x' }], { addGenerationPrompt: false })).toBe('[user:x]');
  });

  it('padId falls back to eos, then 0; accepts { content } token entries', () => {
    const f = testFiles();
    const cfg = { ...f.tokenizerConfig } as Record<string, unknown>;
    delete cfg.pad_token;
    expect(TextTokenizer.fromJson(f.tokenizerJson, cfg).padId).toBe(specialId('<|im_end|>'));
    delete cfg.eos_token;
    expect(TextTokenizer.fromJson(f.tokenizerJson, cfg).padId).toBe(0);
    cfg.pad_token = { content: '<emb>', __type: 'AddedToken' };
    expect(TextTokenizer.fromJson(f.tokenizerJson, cfg).padId).toBe(specialId('<emb>'));
  });

  it('takes a WordLevel unk_token from tokenizer.json when the config has none', () => {
    const f = testFiles();
    const cfg = { ...f.tokenizerConfig } as Record<string, unknown>;
    delete cfg.unk_token;
    expect(TextTokenizer.fromJson(f.tokenizerJson, cfg).encode('zebra dog')).toEqual([0, wordId('dog')]);
  });
});

describe('errors', () => {
  it('missing tokenizer.json / tokenizer_config.json name the path', async () => {
    const empty = await tempDir();
    dirs.push(empty);
    await expect(TextTokenizer.fromDirectory(empty)).rejects.toThrow(`${join(empty, 'tokenizer.json')} not found`);
    const d = await dir();
    await rm(join(d, 'tokenizer_config.json'));
    await expect(TextTokenizer.fromDirectory(d)).rejects.toThrow(`${join(d, 'tokenizer_config.json')} not found`);
  });

  it('invalid JSON names the path', async () => {
    const d = await dir();
    await writeFile(join(d, 'tokenizer.json'), '{"model": ');
    await expect(TextTokenizer.fromDirectory(d)).rejects.toThrow(`${join(d, 'tokenizer.json')} is not valid JSON`);
    const d2 = await dir();
    await writeFile(join(d2, 'tokenizer_config.json'), '[1, 2]');
    await expect(TextTokenizer.fromDirectory(d2)).rejects.toThrow(`${join(d2, 'tokenizer_config.json')} must hold a JSON object`);
  });

  it('a tokenizer.json without a model, or one the library rejects, names the source', async () => {
    const d = await dir({ tokenizerJson: { added_tokens: [] }, tokenizerConfig: {} });
    await expect(TextTokenizer.fromDirectory(d)).rejects.toThrow(new RegExp(`${d}.*"model"`));
    const f = testFiles();
    const bad = { ...f.tokenizerJson, normalizer: { type: 'NoSuchNormalizer' } };
    expect(() => TextTokenizer.fromJson(bad, f.tokenizerConfig, { source: 'src-x' })).toThrow(/src-x/);
  });

  it('a missing chat_template names the directory (renderChat and PromptEncoder)', async () => {
    const f = testFiles();
    const cfg = { ...f.tokenizerConfig } as Record<string, unknown>;
    delete cfg.chat_template;
    const d = await dir({ tokenizerJson: f.tokenizerJson, tokenizerConfig: cfg });
    const tok = await TextTokenizer.fromDirectory(d);
    expect(tok.chatTemplate).toBeUndefined();
    expect(() => tok.renderChat([{ role: 'user', content: 'x' }], { addGenerationPrompt: true })).toThrow(
      new RegExp(`${d}.*chat_template`),
    );
    expect(() => new PromptEncoder(tok, TOKENS, 480)).toThrow(new RegExp(`${d}.*chat_template`));
  });

  it('a chat template that does not parse names the source', () => {
    const f = testFiles('{% if %}');
    const tok = TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig, { source: 'tpl-src' });
    expect(() => tok.renderChat([], { addGenerationPrompt: false })).toThrow(/tpl-src.*does not parse/);
  });

  it('an unknown token names the token and the directory', async () => {
    const d = await dir();
    const tok = await TextTokenizer.fromDirectory(d);
    expect(() => tok.tokenId('<|not_here|>')).toThrow(`token "<|not_here|>" is not in the vocabulary of the tokenizer in ${d}`);
    expect(() => tok.tokenId('Dog')).toThrow(/"Dog"/); // the vocabulary is lower-case; tokenId is an exact lookup
  });

  it('a pad_token outside the vocabulary is reported when padId is read', () => {
    const f = buildWordTokenizer({ words: ['a'], specialTokens: [] });
    const cfg = { ...f.tokenizerConfig, pad_token: '<nope>' };
    expect(() => TextTokenizer.fromJson(f.tokenizerJson, cfg, { source: 'p' }).padId).toThrow(/"<nope>".*p/);
  });

  it('decode rejects ids outside the vocabulary', () => {
    const f = testFiles();
    const tok = TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig);
    expect(() => tok.decode([0, tok.vocabSize])).toThrow(RangeError);
    expect(() => tok.decode([-1])).toThrow(RangeError);
  });
});
