// The ONNX runner on tiny random model directories built at test time: embeddings and yes/no scores against the
// float64 reference forward of the same weights, independence from batching and padding, and the errors of a
// directory that breaks the contract.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LogMelExtractor, parseLogMelConfig } from '@aurola/audio';
import { PromptEncoder, TextTokenizer } from '@aurola/text';

import { ModelDirectoryError, modelFingerprint, OnnxMllmBackbone } from '../src/index.js';
import { referenceAudioEncoder, referenceDecoder, referenceEmbed } from '../src/reference.js';
import { randomModel, writeModelDirectory, type ModelFiles } from '../src/write-model.js';

const WORDS = 'a dog barks twice then car passes in the rain bell rings loudly quiet birds sing morning'.split(' ');
const root = mkdtempSync(join(tmpdir(), 'aurola-backbone-'));
let model: ModelFiles;
let dir: string;
let backbone: OnnxMllmBackbone;
let prompts: PromptEncoder;
let embId: number;

beforeAll(async () => {
  model = randomModel({ seed: Math.floor(Math.random() * 1e6), words: WORDS, hiddenSize: 24, numHeads: 3 });
  dir = join(root, 'model');
  await writeModelDirectory(dir, model);
  backbone = await OnnxMllmBackbone.load(dir, { threads: 1, maxBatch: 3 });
  const tokenizer = await TextTokenizer.fromDirectory(dir);
  prompts = new PromptEncoder(tokenizer, model.config.tokens, model.config.maxTextTokens);
  embId = tokenizer.tokenId('<emb>');
});
afterAll(async () => {
  await backbone?.close();
  rmSync(root, { recursive: true, force: true });
});

const randomSentence = () =>
  Array.from({ length: 1 + Math.floor(Math.random() * 12) }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(' ');
const randomClip = (seconds: number) => Float32Array.from({ length: Math.round(seconds * 16000) }, () => (Math.random() - 0.5) * 0.4);

/** The reference pipeline: ids (+ audio embeddings spliced in) → float64 decoder → hidden state / logits at `at`. */
function referenceAt(ids: number[], at: number, audio?: { at: number; rows: Float64Array; count: number }, files: ModelFiles = model) {
  const arch = files.config.decoder!;
  const d = arch.hiddenSize;
  const embeds = referenceEmbed(arch, files.weights, ids, 1, ids.length);
  if (audio) embeds.data.set(audio.rows, audio.at * d);
  const out = referenceDecoder(arch, files.weights, {
    batch: 1,
    sequence: ids.length,
    inputsEmbeds: embeds.data,
    attentionMask: new Array<number>(ids.length).fill(1),
    positionIds: ids.map((_, i) => i),
  });
  const hidden = out.lastHiddenState.data.slice(at * d, (at + 1) * d);
  const logits = out.logits.data.slice(at * arch.vocabSize, (at + 1) * arch.vocabSize);
  return { hidden, logits };
}

function referenceAudio(clip: Float32Array, files: ModelFiles = model) {
  const extractor = new LogMelExtractor(parseLogMelConfig(files.config.audio));
  const feats = extractor.compute(clip);
  const out = referenceAudioEncoder(files.config.decoder!, files.weights, feats.data, 1, feats.frames);
  return { rows: out.data, count: out.shape[1]! };
}

function expand(ids: number[], at: number, count: number, token: number): number[] {
  return [...ids.slice(0, at), ...new Array<number>(count).fill(token), ...ids.slice(at + 1)];
}

const normalized = (v: Float64Array) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return Array.from(v, (x) => x / n);
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('OnnxMllmBackbone', () => {
  it('embeds text as the normalised hidden state just before <emb>, matching the reference', async () => {
    const texts = Array.from({ length: 7 }, randomSentence);
    const got = await backbone.embedText(texts);
    expect([got.rows, got.cols, got.dtype]).toEqual([7, 24, 'f32']);
    texts.forEach((text, i) => {
      const prompt = prompts.textEmbedding(text);
      expect(prompt.ids.indexOf(embId)).toBe(prompt.embPosition! + 1); // read right before the first <emb>
      const ref = normalized(referenceAt(prompt.ids, prompt.embPosition!).hidden);
      const row = got.data.subarray(i * 24, (i + 1) * 24) as Float32Array;
      expect(maxDiff(row, ref)).toBeLessThan(1e-4);
      expect(Math.abs(row.reduce((s, x) => s + x * x, 0) - 1)).toBeLessThan(1e-5);
    });
  });

  it('embeds audio with the placeholder expanded to the encoder tokens, matching the reference', async () => {
    const clips = [randomClip(0.7), randomClip(1.3), randomClip(0.7)];
    const got = await backbone.embedAudio(clips);
    clips.forEach((clip, i) => {
      const audio = referenceAudio(clip);
      const prompt = prompts.audioEmbedding();
      const audioToken = prompt.ids[prompt.audioPosition!]!;
      const ids = expand(prompt.ids, prompt.audioPosition!, audio.count, audioToken);
      const at = prompt.embPosition! + audio.count - 1;
      const ref = normalized(referenceAt(ids, at, { at: prompt.audioPosition!, rows: audio.rows, count: audio.count }).hidden);
      expect(maxDiff(got.data.subarray(i * 24, (i + 1) * 24) as Float32Array, ref)).toBeLessThan(1e-4);
    });
  });

  it('scores pairs with p(Yes) from the Yes and No logits at the answer position, both directions', async () => {
    const pairs = [0.5, 1.1].map((s) => ({ text: randomSentence(), audio: randomClip(s) }));
    for (const direction of ['t2a', 'a2t'] as const) {
      const got = await backbone.scorePairs(pairs, direction);
      pairs.forEach((pair, i) => {
        const audio = referenceAudio(pair.audio);
        const prompt = prompts.rerank(direction, pair.text);
        const audioToken = prompt.ids[prompt.audioPosition!]!;
        const ids = expand(prompt.ids, prompt.audioPosition!, audio.count, audioToken);
        const { logits } = referenceAt(ids, ids.length - 1, { at: prompt.audioPosition!, rows: audio.rows, count: audio.count });
        const yes = logits[backbone['yesToken']]!;
        const no = logits[backbone['noToken']]!;
        const p = Math.exp(yes) / (Math.exp(yes) + Math.exp(no));
        expect(Math.abs(got[i]! - p)).toBeLessThan(1e-4);
      });
    }
  });

  it('gives an item the same embedding alone and inside any batch (padding, order, batch size)', async () => {
    const texts = Array.from({ length: 9 }, randomSentence);
    const together = await backbone.embedText(texts);
    for (const i of [0, 4, 8]) {
      const alone = await backbone.embedText([texts[i]!]);
      expect(maxDiff(alone.data as Float32Array, together.data.subarray(i * 24, (i + 1) * 24) as Float32Array)).toBeLessThan(1e-5);
    }
    const clips = [randomClip(0.4), randomClip(2.1), randomClip(0.4), randomClip(1.0)];
    const all = await backbone.embedAudio(clips);
    const reversed = await backbone.embedAudio([...clips].reverse());
    for (let i = 0; i < clips.length; i++) {
      const j = clips.length - 1 - i;
      expect(maxDiff(all.data.subarray(i * 24, (i + 1) * 24) as Float32Array, reversed.data.subarray(j * 24, (j + 1) * 24) as Float32Array)).toBeLessThan(1e-5);
    }
  });

  it('returns f16 rows on request', async () => {
    const texts = [randomSentence(), randomSentence()];
    const f32 = await backbone.embedText(texts);
    const f16 = await backbone.embedText(texts, { dtype: 'f16' });
    expect(f16.dtype).toBe('f16');
    expect(f16.data).toBeInstanceOf(Uint16Array);
    const back = new Float32Array(f16.data.length);
    for (let i = 0; i < back.length; i++) {
      // Decode IEEE half by hand (independent of the kernels' converter).
      const h = (f16.data as Uint16Array)[i]!;
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >> 10) & 0x1f;
      const frac = h & 0x3ff;
      back[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
    }
    expect(maxDiff(back, f32.data as Float32Array)).toBeLessThan(1e-3);
  });

  it('rejects bad input by name', async () => {
    await expect(backbone.embedText([3 as never])).rejects.toThrow(/texts\[0\]/);
    await expect(backbone.embedAudio([new Float32Array(0)])).rejects.toThrow(/clips\[0\] is empty/);
    await expect(backbone.scorePairs([], 'sideways' as never)).rejects.toThrow(/direction/);
  });
});

describe('a model with compact prompts (config.json prompts + its chat template)', () => {
  it('embeds text and audio at the compact prompts\' read positions, matching the reference', async () => {
    const compact = randomModel({ seed: Math.floor(Math.random() * 1e6), words: WORDS, hiddenSize: 24, numHeads: 3, promptStyle: 'compact' });
    expect(compact.config.prompts).toEqual({ textEmbeddingSuffix: '', audioEmbeddingSuffix: '', embAnswerSuffix: '' });
    const d = join(root, 'compact');
    await writeModelDirectory(d, compact);
    const b = await OnnxMllmBackbone.load(d, { threads: 1 });
    try {
      const tokenizer = await TextTokenizer.fromDirectory(d);
      const ref = (ids: number[], at: number) => referenceAt(ids, at, undefined, compact);
      const texts = [randomSentence(), randomSentence()];
      const got = await b.embedText(texts);
      texts.forEach((text, i) => {
        // Written out, not taken from the encoder: the text's ids, <|im_end|>, then <emb>; read at the <|im_end|>.
        const textIds = tokenizer.encode(text);
        const ids = [...textIds, tokenizer.tokenId('<|im_end|>')];
        const row = got.data.subarray(i * 24, (i + 1) * 24) as Float32Array;
        expect(maxDiff(row, normalized(ref(ids, textIds.length).hidden))).toBeLessThan(1e-4);
      });
      // The chat-style embedding of the same weights is another vector: the prompts really changed.
      const chat = new PromptEncoder(tokenizer, compact.config.tokens, compact.config.maxTextTokens).textEmbedding(texts[0]!);
      const row0 = got.data.subarray(0, 24) as Float32Array;
      expect(maxDiff(row0, normalized(ref(chat.ids, chat.embPosition!).hidden))).toBeGreaterThan(1e-3);
    } finally {
      await b.close();
    }
  });
});

describe('a model with bare prompts (no re-rank wording: the query turn, then the candidate turn)', () => {
  it('scores t2a as text, <|im_end|>, audio, <|im_end|> and a2t the other way round, matching the reference', async () => {
    const bare = randomModel({ seed: Math.floor(Math.random() * 1e6), words: WORDS, hiddenSize: 24, numHeads: 3, promptStyle: 'bare' });
    const d = join(root, 'bare');
    await writeModelDirectory(d, bare);
    const b = await OnnxMllmBackbone.load(d, { threads: 1 });
    try {
      const tokenizer = await TextTokenizer.fromDirectory(d);
      const id = (token: string) => tokenizer.tokenId(token);
      const { audioStart, audio: audioToken, audioEnd } = bare.config.tokens;
      const pairs = [0.6, 1.2].map((s) => ({ text: randomSentence(), audio: randomClip(s) }));
      for (const direction of ['t2a', 'a2t'] as const) {
        const got = await b.scorePairs(pairs, direction);
        pairs.forEach((pair, i) => {
          const audio = referenceAudio(pair.audio, bare);
          // Written out, not taken from the encoder.
          const textPart = [...tokenizer.encode(pair.text), id('<|im_end|>')];
          const audioPart = [id(audioStart), ...new Array<number>(audio.count).fill(id(audioToken)), id(audioEnd), id('<|im_end|>')];
          const ids = direction === 't2a' ? [...textPart, ...audioPart] : [...audioPart, ...textPart];
          const at = direction === 't2a' ? textPart.length + 1 : 1;
          const { logits } = referenceAt(ids, ids.length - 1, { at, rows: audio.rows, count: audio.count }, bare);
          const [yes, no] = [logits[b['yesToken']]!, logits[b['noToken']]!];
          expect(Math.abs(got[i]! - 1 / (1 + Math.exp(no - yes)))).toBeLessThan(1e-4);
        });
      }
    } finally {
      await b.close();
    }
  });
});

describe('the model id', () => {
  it('is the name and a fingerprint of the files: the same for a copy, another for other weights of the same name', async () => {
    expect(backbone.id).toMatch(new RegExp(`^${model.config.name}@[0-9a-f]{16}$`));
    const copy = join(root, 'copy');
    await writeModelDirectory(copy, model);
    expect(`${model.config.name}@${await modelFingerprint(copy)}`).toBe(backbone.id);
    const retrained = join(root, 'retrained');
    const other = randomModel({ seed: 1 + Math.floor(Math.random() * 1e6), words: WORDS, hiddenSize: 24, numHeads: 3 });
    await writeModelDirectory(retrained, { ...other, config: model.config });
    expect(await modelFingerprint(retrained)).not.toBe(await modelFingerprint(copy));
    // One changed byte of a graph is another model.
    const graph = join(copy, 'onnx/decoder_model.onnx');
    const bytes = readFileSync(graph);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(graph, bytes);
    expect(`${model.config.name}@${await modelFingerprint(copy)}`).not.toBe(backbone.id);
  });
});

describe('a model directory with a judge of its own (config.json judge)', () => {
  it('embeds with its own weights and scores pairs with the judge\'s, matching the reference of each', async () => {
    const withJudge = join(root, 'with-judge');
    const judgeFiles = randomModel({ seed: 1 + Math.floor(Math.random() * 1e6), words: WORDS, hiddenSize: 24, numHeads: 3 });
    await writeModelDirectory(join(withJudge, 'judge'), judgeFiles);
    await writeModelDirectory(withJudge, { ...model, config: { ...model.config, judge: 'judge' } });
    const both = await OnnxMllmBackbone.load(withJudge, { threads: 1 });
    try {
      const text = randomSentence();
      expect(Array.from((await both.embedText([text])).data)).toEqual(Array.from((await backbone.embedText([text])).data));
      const pair = { text, audio: randomClip(0.7) };
      const audio = referenceAudio(pair.audio, judgeFiles);
      const prompt = prompts.rerank('t2a', pair.text);
      const ids = expand(prompt.ids, prompt.audioPosition!, audio.count, prompt.ids[prompt.audioPosition!]!);
      const { logits } = referenceAt(ids, ids.length - 1, { at: prompt.audioPosition!, rows: audio.rows, count: audio.count }, judgeFiles);
      const p = 1 / (1 + Math.exp(logits[both['noToken']]! - logits[both['yesToken']]!));
      const [got] = await both.scorePairs([pair], 't2a');
      expect(Math.abs(got! - p)).toBeLessThan(1e-4);
      expect(Math.abs(got! - (await backbone.scorePairs([pair], 't2a'))[0]!)).toBeGreaterThan(1e-6);
    } finally {
      await both.close();
    }
  });

  it('refuses a judge outside the directory, a missing one, and a judge with a judge', async () => {
    const load = (d: string) => OnnxMllmBackbone.load(d).then((b) => b.close(), (e: unknown) => e as Error);
    const named = async (name: string, judge: string) => {
      const d = join(root, name);
      await writeModelDirectory(d, { ...model, config: { ...model.config, judge } });
      return d;
    };
    await expect(named('judge-up', '../model')).rejects.toThrow(/judge must be a directory inside the model directory, got "\.\.\/model"/);
    await expect(named('judge-abs', dir)).rejects.toThrow(/judge must be a directory inside the model directory/);
    expect(((await load(await named('judge-missing', 'judge'))) as Error).message).toMatch(/judge.*config\.json is missing/);
    const nested = await named('judge-nested', 'judge');
    await writeModelDirectory(join(nested, 'judge'), { ...model, config: { ...model.config, judge: 'inner' } });
    await writeModelDirectory(join(nested, 'judge', 'inner'), model);
    expect(((await load(nested)) as Error).message).toMatch(/the judge judge names a judge of its own/);
  });
});

describe('a directory that breaks the contract', () => {
  const broken = async (name: string, change: (d: string) => void) => {
    const d = join(root, name);
    await writeModelDirectory(d, model);
    change(d);
    return OnnxMllmBackbone.load(d).then(
      async (b) => {
        await b.close();
        return undefined;
      },
      (e: unknown) => e as Error,
    );
  };
  const editConfig = (d: string, edit: (c: Record<string, any>) => void) => {
    const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    edit(c);
    writeFileSync(join(d, 'config.json'), JSON.stringify(c));
  };

  it('names a missing file', async () => {
    const e = await broken('no-decoder', (d) => rmSync(join(d, 'onnx/decoder_model.onnx')));
    expect(e).toBeInstanceOf(ModelDirectoryError);
    expect(e!.message).toContain('onnx/decoder_model.onnx is missing');
  });

  it('names a special token the tokenizer lacks', async () => {
    const e = await broken('no-emb', (d) => editConfig(d, (c) => (c.tokens.emb = '<embedding>')));
    expect(e!.message).toMatch(/emb token "<embedding>"/);
  });

  it('names a hidden size that differs from the graphs', async () => {
    const e = await broken('width', (d) => editConfig(d, (c) => ((c.hiddenSize = 48), (c.decoder.hiddenSize = 48))));
    expect(e!.message).toMatch(/width 24 but config.json hiddenSize is 48/);
  });

  it('names graph inputs that differ from the contract', async () => {
    const e = await broken('io', (d) => copyFileSync(join(d, 'onnx/embed_tokens.onnx'), join(d, 'onnx/decoder_model.onnx')));
    expect(e!.message).toMatch(/decoder_model.onnx inputs are \[input_ids\].*missing inputs_embeds/);
  });

  it('names a bad config field', async () => {
    const e = await broken('cfg', (d) => editConfig(d, (c) => (c.maxTextTokens = -1)));
    expect(e!.message).toMatch(/maxTextTokens must be a positive integer/);
    const p = await broken('prompts', (d) => editConfig(d, (c) => (c.prompts = { textSuffix: '' })));
    expect(p).toBeInstanceOf(ModelDirectoryError);
    expect(p!.message).toMatch(/config.json: prompts.textSuffix is not a prompt/);
  });
});
