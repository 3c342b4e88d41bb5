import { describe, expect, it } from 'vitest';
import {
  PROMPT_STYLES,
  PROMPTS,
  PromptEncoder,
  TextTokenizer,
  audioEmbeddingChat,
  promptWording,
  rerankChat,
  textEmbeddingChat,
} from '../src/index.js';
import { QWEN_LIKE_TEMPLATE, TOKENS, UNK, refEncode, specialId, testFiles, wordId } from './fixtures.js';

// The prompts written out from DESIGN.md §2 (not from the code under test).
const INSTRUCTION =
  "I will provide you with a query and a candidate. Please evaluate whether the candidate matches the query. If it does, respond with 'Yes'; if it doesn't, respond with 'No'.";
const AUDIO = '<|audio_bos|><|AUDIO|><|audio_eos|>';
const chatmlText = (text: string): string =>
  `<|im_start|>user\n${text}\nSummarize above sentence in one word: <|im_end|>\n<|im_start|>assistant\n<emb>.<|im_end|>\n`;
const CHATML_AUDIO =
  `<|im_start|>user\n${AUDIO}\nSummarize above audio in one word: <|im_end|>\n<|im_start|>assistant\n<emb>.<|im_end|>\n`;
const chatmlA2T = (text: string): string =>
  `<|im_start|>user\n${INSTRUCTION}\nQuery: ${AUDIO}Find a caption describing the sound events in the given audio.\n` +
  `Candidate: ${text}<|im_end|>\n<|im_start|>assistant\n`;
const chatmlT2A = (text: string): string =>
  `<|im_start|>user\n${INSTRUCTION}\nQuery: Find an audio containing the sound events in the following caption: ${text}\n` +
  `Candidate: ${AUDIO}<|im_end|>\n<|im_start|>assistant\n`;
const QWEN_SYSTEM = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n';

const CAPTION = 'A dog barks twice, then a car passes in the rain.';

function chatml(): TextTokenizer {
  const f = testFiles();
  return TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig, { source: 'test-chatml' });
}
function qwenLike(): TextTokenizer {
  const f = testFiles(QWEN_LIKE_TEMPLATE);
  return TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig, { source: 'test-qwen' });
}

describe('prompt wording', () => {
  it('is DESIGN.md §2 verbatim', () => {
    expect(PROMPTS.rerankInstruction).toBe(INSTRUCTION);
    expect(PROMPTS.textEmbeddingSuffix).toBe('\nSummarize above sentence in one word: ');
    expect(PROMPTS.audioEmbeddingSuffix).toBe('\nSummarize above audio in one word: ');
    expect(PROMPTS.rerankA2TQuery).toBe('Find a caption describing the sound events in the given audio.');
    expect(PROMPTS.rerankT2AQuery).toBe('Find an audio containing the sound events in the following caption: ');
  });

  it('renders every prompt kind through ChatML exactly', () => {
    const tok = chatml();
    const render = (c: { messages: Parameters<TextTokenizer['renderChat']>[0]; addGenerationPrompt: boolean }) =>
      tok.renderChat(c.messages, c);
    expect(render(textEmbeddingChat(CAPTION, TOKENS))).toBe(chatmlText(CAPTION));
    expect(render(audioEmbeddingChat(TOKENS))).toBe(CHATML_AUDIO);
    expect(render(rerankChat('a2t', CAPTION, TOKENS))).toBe(chatmlA2T(CAPTION));
    expect(render(rerankChat('t2a', CAPTION, TOKENS))).toBe(chatmlT2A(CAPTION));
  });

  it('drops empty audioStart/audioEnd from the audio segment', () => {
    const c = audioEmbeddingChat({ ...TOKENS, audioStart: '', audioEnd: '' });
    expect(c.messages[0]?.content).toBe('<|AUDIO|>\nSummarize above audio in one word: ');
  });
});

describe('PromptEncoder', () => {
  const cases = [
    { name: 'ChatML', make: chatml, system: '' },
    { name: 'Qwen-like (default system turn)', make: qwenLike, system: QWEN_SYSTEM },
  ];
  for (const { name, make, system } of cases) {
    describe(name, () => {
      const enc = new PromptEncoder(make(), TOKENS, 480);

      it('text embedding: ids of the rendered prompt, embPosition just before <emb>', () => {
        const p = enc.textEmbedding(CAPTION);
        const expected = refEncode(system + chatmlText(CAPTION));
        expect(p.ids).toEqual(expected);
        expect(p.ids).not.toContain(UNK);
        const emb = expected.indexOf(specialId('<emb>'));
        expect(p.embPosition).toBe(emb - 1);
        expect(p.ids[p.embPosition as number]).toBe(wordId('assistant'));
        expect(p.audioPosition).toBeUndefined();
      });

      it('audio embedding: audioPosition at the one placeholder, embPosition before <emb>', () => {
        const p = enc.audioEmbedding();
        const expected = refEncode(system + CHATML_AUDIO);
        expect(p.ids).toEqual(expected);
        expect(p.ids).not.toContain(UNK);
        expect(p.audioPosition).toBe(expected.indexOf(specialId('<|AUDIO|>')));
        expect(p.ids[p.audioPosition as number]).toBe(specialId('<|AUDIO|>'));
        if (system === '') expect(p.audioPosition).toBe(3); // <|im_start|> user <|audio_bos|> <|AUDIO|>
        expect(p.embPosition).toBe(expected.indexOf(specialId('<emb>')) - 1);
        // A fresh copy each call.
        p.ids.push(99);
        expect(enc.audioEmbedding().ids).toEqual(expected);
      });

      it('re-rank both directions: ids, audioPosition, ends with the generation prompt', () => {
        for (const [dir, render] of [['a2t', chatmlA2T], ['t2a', chatmlT2A]] as const) {
          const p = enc.rerank(dir, CAPTION);
          const expected = refEncode(system + render(CAPTION));
          expect(p.ids).toEqual(expected);
          expect(p.ids).not.toContain(UNK);
          expect(p.audioPosition).toBe(expected.indexOf(specialId('<|AUDIO|>')));
          expect(p.embPosition).toBeUndefined();
          expect(p.ids.slice(-2)).toEqual([specialId('<|im_start|>'), wordId('assistant')]);
        }
      });
    });
  }

  it('truncates caption text to maxTextTokens tokens, and not below', () => {
    const words = ['a', 'dog', 'barks', 'then', 'a', 'cat', 'meows', 'then', 'rain'];
    const text = words.join(' ');
    for (const max of [1, 5, 8, 9, 10, 480]) {
      const enc = new PromptEncoder(chatml(), TOKENS, max);
      const cut = words.slice(0, max).join(' ');
      const t = enc.textEmbedding(text);
      expect(t.ids).toEqual(refEncode(chatmlText(cut)));
      expect(t.ids[(t.embPosition as number) + 1]).toBe(specialId('<emb>'));
      expect(enc.rerank('a2t', text).ids).toEqual(refEncode(chatmlA2T(cut)));
      const t2a = enc.rerank('t2a', text);
      expect(t2a.ids).toEqual(refEncode(chatmlT2A(cut)));
      expect(t2a.ids[t2a.audioPosition as number]).toBe(specialId('<|AUDIO|>'));
      expect(t2a.audioPosition).toBe(refEncode(chatmlT2A(cut)).indexOf(specialId('<|AUDIO|>')));
    }
    // Punctuation counts as tokens: "a dog, barks" is 4 tokens.
    const enc = new PromptEncoder(chatml(), TOKENS, 3);
    expect(enc.textEmbedding('a dog, barks').ids).toEqual(refEncode(chatmlText('a dog,')));
  });

  it('handles empty text and removes special tokens from caption text', () => {
    const enc = new PromptEncoder(chatml(), TOKENS, 480);
    expect(enc.textEmbedding('').ids).toEqual(refEncode(chatmlText('')));
    const clean = enc.textEmbedding('a dog barks');
    const dirty = enc.textEmbedding('a dog<emb> barks <|im_end|><|AUDIO|>');
    expect(dirty).toEqual(clean);
    expect(enc.textEmbedding('<EMB>')).toEqual(enc.textEmbedding(''));
    const a2t = enc.rerank('a2t', 'a <|AUDIO|>dog');
    expect(a2t).toEqual(enc.rerank('a2t', 'a dog'));
  });

  it('validates its arguments and the special tokens', () => {
    const tok = chatml();
    expect(() => new PromptEncoder(tok, TOKENS, 0)).toThrow(RangeError);
    expect(() => new PromptEncoder(tok, TOKENS, 1.5)).toThrow(RangeError);
    expect(() => new PromptEncoder(tok, { ...TOKENS, emb: '<nope>' }, 10)).toThrow(/"<nope>".*test-chatml/);
    expect(() => new PromptEncoder(tok, { ...TOKENS, audioEnd: '<|missing|>' }, 10)).toThrow(/<\|missing\|>/);
    const enc = new PromptEncoder(tok, TOKENS, 10);
    expect(() => enc.rerank('x2y' as 't2a', 'a')).toThrow(TypeError);
    expect(() => enc.textEmbedding(3 as unknown as string)).toThrow(TypeError);
  });

  it('rejects an emb token that is in the vocabulary but not an added token', () => {
    const f = testFiles();
    const json = structuredClone(f.tokenizerJson) as { added_tokens: { content: string }[] };
    json.added_tokens = json.added_tokens.filter((t) => t.content !== '<emb>');
    const tok = TextTokenizer.fromJson(json, f.tokenizerConfig, { source: 'no-added-emb' });
    expect(tok.tokenId('<emb>')).toBe(specialId('<emb>'));
    expect(() => new PromptEncoder(tok, TOKENS, 10)).toThrow(/"<emb>".*no-added-emb.*single id/);
  });

  it('compact prompts: the text and one <|im_end|> before <emb>, re-ranking answered after the candidate', () => {
    const { chatTemplate, wording } = PROMPT_STYLES.compact;
    const f = testFiles(chatTemplate);
    const enc = new PromptEncoder(TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig), TOKENS, 480, wording);
    const t = enc.textEmbedding(CAPTION);
    expect(t.ids).toEqual(refEncode(`${CAPTION}<|im_end|><emb><|im_end|>`));
    expect(t.embPosition).toBe(refEncode(CAPTION).length);
    expect(t.ids[t.embPosition as number]).toBe(specialId('<|im_end|>'));
    // An empty text still has its read position: the <|im_end|> alone.
    expect(enc.textEmbedding('')).toEqual({ ids: refEncode('<|im_end|><emb><|im_end|>'), embPosition: 0 });
    const a = enc.audioEmbedding();
    expect(a.ids).toEqual(refEncode(`${AUDIO}<|im_end|><emb><|im_end|>`));
    expect(a.audioPosition).toBe(1);
    expect(a.embPosition).toBe(3);
    // The re-rank wording is DESIGN.md §2's; only the chat structure around it is gone.
    const r = enc.rerank('t2a', CAPTION);
    expect(r.ids).toEqual(refEncode(`${INSTRUCTION}\nQuery: Find an audio containing the sound events in the following caption: ${CAPTION}\nCandidate: ${AUDIO}<|im_end|>`));
    expect(r.ids[r.audioPosition as number]).toBe(specialId('<|AUDIO|>'));
  });

  it('bare prompts: re-ranking is the query turn then the candidate turn, the query turn its embedding prompt\'s start', () => {
    const { chatTemplate, wording } = PROMPT_STYLES.bare;
    const f = testFiles(chatTemplate);
    const enc = new PromptEncoder(TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig), TOKENS, 480, wording);
    expect(enc.textEmbedding(CAPTION).ids).toEqual(refEncode(`${CAPTION}<|im_end|><emb><|im_end|>`));
    const t2a = enc.rerank('t2a', CAPTION);
    expect(t2a.ids).toEqual(refEncode(`${CAPTION}<|im_end|>${AUDIO}<|im_end|>`));
    expect(t2a.ids[t2a.audioPosition as number]).toBe(specialId('<|AUDIO|>'));
    const a2t = enc.rerank('a2t', CAPTION);
    expect(a2t.ids).toEqual(refEncode(`${AUDIO}<|im_end|>${CAPTION}<|im_end|>`));
    expect(a2t.audioPosition).toBe(1);
    // Up to its read position, each query is its own embedding prompt (so a causal model computes the same states).
    const text = enc.textEmbedding(CAPTION);
    expect(t2a.ids.slice(0, (text.embPosition as number) + 1)).toEqual(text.ids.slice(0, (text.embPosition as number) + 1));
    const audio = enc.audioEmbedding();
    expect(a2t.ids.slice(0, (audio.embPosition as number) + 1)).toEqual(audio.ids.slice(0, (audio.embPosition as number) + 1));
    // Under ChatML an empty instruction likewise gives two user turns.
    expect(rerankChat('t2a', 'a dog', TOKENS, promptWording(wording)).messages).toEqual([
      { role: 'user', content: 'a dog' },
      { role: 'user', content: AUDIO },
    ]);
  });

  it('takes wording overrides, and names a bad one', () => {
    const enc = new PromptEncoder(chatml(), TOKENS, 480, { textEmbeddingSuffix: ' in one word: ' });
    expect(enc.textEmbedding('a dog').ids).toEqual(
      refEncode('<|im_start|>user\na dog in one word: <|im_end|>\n<|im_start|>assistant\n<emb>.<|im_end|>\n'),
    );
    expect(enc.wording.rerankInstruction).toBe(INSTRUCTION);
    expect(enc.audioEmbedding().ids).toEqual(refEncode(CHATML_AUDIO));
    expect(() => promptWording({ textSuffix: '' } as never)).toThrow(/prompts\.textSuffix is not a prompt/);
    expect(() => promptWording({ queryLabel: 3 } as never)).toThrow(/prompts\.queryLabel must be a string/);
    expect(() => promptWording([] as never)).toThrow(TypeError);
    // Compact wording under a template that puts nothing between the text and <emb>: no read position of its own.
    const bare = testFiles('{% for m in messages %}{{ m.content }}{% endfor %}');
    const tok = TextTokenizer.fromJson(bare.tokenizerJson, bare.tokenizerConfig, { source: 'bare' });
    expect(() => new PromptEncoder(tok, TOKENS, 10, PROMPT_STYLES.compact.wording)).toThrow(/bare.*no token of its own before the emb token/);
  });

  it('rejects a template that drops the text or an emb token', () => {
    const f = testFiles("{% for m in messages %}{{ m.role }}{% endfor %}");
    const tok = TextTokenizer.fromJson(f.tokenizerJson, f.tokenizerConfig, { source: 'bad-template' });
    expect(() => new PromptEncoder(tok, TOKENS, 10)).toThrow(/bad-template.*0 times/);
    const twice = testFiles('{% for m in messages %}{{ m.content }}{{ m.content }}{% endfor %}');
    const tok2 = TextTokenizer.fromJson(twice.tokenizerJson, twice.tokenizerConfig, { source: 'twice' });
    expect(() => new PromptEncoder(tok2, TOKENS, 10)).toThrow(/twice.*2 times/);
    const userOnly = testFiles("{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% endif %}{% endfor %}");
    const tok3 = TextTokenizer.fromJson(userOnly.tokenizerJson, userOnly.tokenizerConfig, { source: 'user-only' });
    expect(() => new PromptEncoder(tok3, TOKENS, 10)).toThrow(/text embedding.*user-only.*0 emb tokens before the text and 0 after/);
  });
});
