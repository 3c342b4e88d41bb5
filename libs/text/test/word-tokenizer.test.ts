import { describe, expect, it } from 'vitest';

import { makeRng } from '@aurola/args';

import { CHATML_TEMPLATE, TextTokenizer, buildWordTokenizer, promptWords, splitWords } from '../src/index.js';
import { PAD, PROMPT_VOCAB, SPECIALS, UNK, WORDS, refEncode, specialId, testFiles, wordId } from './fixtures.js';

describe('buildWordTokenizer', () => {
  it('writes the documented HF tokenizer.json pieces and id layout', () => {
    const { tokenizerJson, tokenizerConfig } = testFiles();
    const j = tokenizerJson as any;
    expect(j.model.type).toBe('WordLevel');
    expect(j.model.unk_token).toBe('[UNK]');
    expect(j.normalizer).toEqual({ type: 'Lowercase' });
    expect(j.pre_tokenizer).toEqual({ type: 'BertPreTokenizer' });
    expect(j.post_processor).toBeNull();
    expect(j.decoder.type).toBe('WordPiece');
    const expectedVocab: Record<string, number> = { '[UNK]': 0, '[PAD]': 1 };
    SPECIALS.forEach((t, i) => (expectedVocab[t] = 2 + i));
    WORDS.forEach((w, i) => (expectedVocab[w] = 2 + SPECIALS.length + i));
    expect(j.model.vocab).toEqual(expectedVocab);
    expect(j.added_tokens).toEqual(
      ['[UNK]', '[PAD]', ...SPECIALS].map((content, id) => ({
        id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
      })),
    );
    const c = tokenizerConfig as any;
    expect(c.chat_template).toBe(CHATML_TEMPLATE);
    expect(c.pad_token).toBe('[PAD]');
    expect(c.eos_token).toBe('<|im_end|>');
    expect(c.unk_token).toBe('[UNK]');
    expect(c.additional_special_tokens).toEqual(SPECIALS.filter((t) => t !== '<|im_end|>'));
    expect(Object.keys(c.added_tokens_decoder)).toEqual(['0', '1', ...SPECIALS.map((_, i) => String(2 + i))]);
  });

  it('adds the ChatML tokens and custom pad/eos when not listed, lower-cases and de-duplicates words', () => {
    const { tokenizerJson, tokenizerConfig } = buildWordTokenizer({
      words: ['Dog', 'dog', 'CAT', 'yes'],
      specialTokens: ['<emb>', 'yes'],
      padToken: '<pad>',
      eosToken: '<eos>',
      chatTemplate: '{{ messages[0].content }}',
    });
    expect((tokenizerJson as any).model.vocab).toEqual({
      '[UNK]': 0, '[PAD]': 1, '<emb>': 2, yes: 3, '<|im_start|>': 4, '<|im_end|>': 5, '<pad>': 6, '<eos>': 7, dog: 8, cat: 9,
    });
    expect((tokenizerConfig as any).pad_token).toBe('<pad>');
    expect((tokenizerConfig as any).eos_token).toBe('<eos>');
    expect((tokenizerConfig as any).chat_template).toBe('{{ messages[0].content }}');
  });

  it('rejects words the pre-tokenizer would split, and non-strings', () => {
    expect(() => buildWordTokenizer({ words: ["don't"], specialTokens: [] })).toThrow(/"don't".*"don", "'", "t"/);
    expect(() => buildWordTokenizer({ words: ['two words'], specialTokens: [] })).toThrow(/two words/);
    expect(() => buildWordTokenizer({ words: [''], specialTokens: [] })).toThrow(/nothing/);
    expect(() => buildWordTokenizer({ words: ['ok'], specialTokens: [''] })).toThrow(TypeError);
    expect(() => buildWordTokenizer({ words: [3 as unknown as string], specialTokens: [] })).toThrow(TypeError);
  });

  it('@huggingface/tokenizers loads it exactly as intended: random sentences give the reference lookup ids', () => {
    const tok = TextTokenizer.fromJson(testFiles().tokenizerJson, testFiles().tokenizerConfig);
    const r = makeRng(7);
    const pool = [...WORDS, ...SPECIALS, 'Unknownword', 'zebra', 'DOG', 'Barks', '...', "it's", 'x-y', 'ümlaut'];
    const seps = [' ', '  ', '\n', '\t', '', ' \n '];
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(r() * 25);
      let text = '';
      for (let i = 0; i < n; i++) {
        text += pool[Math.floor(r() * pool.length)] + (seps[Math.floor(r() * seps.length)] as string);
      }
      expect(tok.encode(text), JSON.stringify(text)).toEqual(refEncode(text));
    }
  });

  it('maps unknown words to [UNK] and keeps known ones', () => {
    const tok = TextTokenizer.fromJson(testFiles().tokenizerJson, testFiles().tokenizerConfig);
    expect(tok.encode('A zebra barks!')).toEqual([wordId('a'), UNK, wordId('barks'), wordId('!')]);
    expect(tok.encode('qwerty asdf')).toEqual([UNK, UNK]);
  });

  it('encodes special tokens as single ids, also glued to words', () => {
    const tok = TextTokenizer.fromJson(testFiles().tokenizerJson, testFiles().tokenizerConfig);
    for (const t of SPECIALS) expect(tok.encode(t)).toEqual([specialId(t)]);
    expect(tok.encode('dog<emb>.')).toEqual([wordId('dog'), specialId('<emb>'), wordId('.')]);
    expect(tok.encode('<|audio_bos|><|AUDIO|><|audio_eos|>\nsound')).toEqual([
      specialId('<|audio_bos|>'), specialId('<|AUDIO|>'), specialId('<|audio_eos|>'), wordId('sound'),
    ]);
    // Special tokens match verbatim (case-sensitive, before lower-casing): '<', 'emb' and '>' are not words here.
    expect(tok.encode('a <EMB>')).toEqual([wordId('a'), UNK, UNK, UNK]);
  });

  it('decodes back to the (lower-cased) text with spaces before punctuation removed', () => {
    const tok = TextTokenizer.fromJson(testFiles().tokenizerJson, testFiles().tokenizerConfig);
    for (const s of ['a dog barks, then a car passes.', 'birds chirp loudly!', 'is it rain?']) {
      expect(tok.decode(tok.encode(s))).toBe(s.replace('is ', '[UNK] '));
    }
    expect(tok.decode([])).toBe('');
    expect(tok.decode([specialId('<emb>'), wordId('dog')])).toBe('<emb> dog');
  });

  it('splitWords mirrors the tokenizer (lower-case, whitespace and single punctuation characters)', () => {
    expect(splitWords("  A Dog's bark--loud!\n3 times ")).toEqual(['a', 'dog', "'", 's', 'bark', '-', '-', 'loud', '!', '3', 'times']);
    expect(splitWords('')).toEqual([]);
  });

  it('promptWords() is the prompt vocabulary written out by hand', () => {
    expect(new Set(promptWords())).toEqual(new Set(PROMPT_VOCAB));
    expect(promptWords().length).toBe(PROMPT_VOCAB.length);
    expect(PAD).toBe(1);
  });
});
