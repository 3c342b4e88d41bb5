// The ONNX runner of the model-directory contract (DESIGN.md §3): three sessions (audio encoder, token embedding,
// decoder) and the prompts of libs/text. An audio placeholder token is expanded to one position per audio
// embedding and those positions take the audio encoder's output; the decoder runs once per batch; the embedding is
// the last hidden state just before `<emb>`, the re-rank score p(Yes) = softmax(logit Yes, logit No) at the answer
// position. Inputs are batched by length (sorted, then cut into batches under a token budget) so padding stays
// small; results do not depend on how inputs are batched.
import { fitDuration, LogMelExtractor, parseLogMelConfig } from '@aurola/audio';
import { toF16 } from '@aurola/kernels';
import { padBatch, positionIds, PromptEncoder, TextTokenizer, type EncodedPrompt } from '@aurola/text';
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';

import { checkPositiveInt, show } from '@aurola/args';

import type { Backbone, EmbedOptions, Embeddings, RerankDirection, ScorePair } from './backbone.js';
import type { ModelConfig } from './config.js';
import { GRAPH_IO, MODEL_FILES, ModelDirectoryError, modelFingerprint, readModelDirectory } from './model-directory.js';

export interface LoadOptions {
  /** 'cpu' (default) or 'cuda' (needs an onnxruntime-node build with CUDA). */
  device?: 'cpu' | 'cuda';
  /** Intra-op threads; default onnxruntime's choice (all cores). */
  threads?: number;
  /** Most sequences in one decoder run. Default 32. */
  maxBatch?: number;
  /** Most tokens (batch × padded length) in one decoder run. Default 8192. */
  maxBatchTokens?: number;
}

/** A prompt ready for the decoder: ids, where audio embeddings go, and the position to read. */
interface Sequence {
  ids: number[];
  /** Audio embeddings to place at [audioAt, audioAt + audio.rows). */
  audio?: { at: number; data: Float32Array; rows: number };
  /** Position whose hidden state (embedding) or logits (score) is read. */
  readAt: number;
}

function checkClip(name: string, clip: unknown): Float32Array {
  if (!(clip instanceof Float32Array)) throw new TypeError(`${name} must be a Float32Array of 16 kHz PCM, got ${show(clip)}`);
  if (clip.length === 0) throw new RangeError(`${name} is empty (0 samples)`);
  return clip;
}

function normalizeRows(data: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += data[r * cols + c]! ** 2;
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let c = 0; c < cols; c++) data[r * cols + c]! *= inv;
  }
}

export class OnnxMllmBackbone implements Backbone {
  readonly name: string;
  readonly id: string;
  readonly dim: number;
  private readonly logMel: LogMelExtractor;
  private readonly audioToken: number;
  private readonly yesToken: number;
  private readonly noToken: number;
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly config: ModelConfig,
    private readonly prompts: PromptEncoder,
    private readonly padId: number,
    private readonly sessions: { audioEncoder: ort.InferenceSession; embedTokens: ort.InferenceSession; decoder: ort.InferenceSession },
    tokens: { audio: number; yes: number; no: number },
    private readonly maxBatch: number,
    private readonly maxBatchTokens: number,
    fingerprint: string,
    /** config.json `judge`: the model that answers scorePairs, loaded with this one. */
    private readonly judge?: OnnxMllmBackbone,
  ) {
    this.name = config.name;
    this.id = `${config.name}@${fingerprint}`;
    this.dim = config.hiddenSize;
    this.logMel = new LogMelExtractor(parseLogMelConfig(config.audio));
    this.audioToken = tokens.audio;
    this.yesToken = tokens.yes;
    this.noToken = tokens.no;
  }

  /** Loads a model directory; throws ModelDirectoryError naming what breaks the contract. */
  static async load(dir: string, opts: LoadOptions = {}): Promise<OnnxMllmBackbone> {
    const { dir: root, config } = await readModelDirectory(dir);
    if (config.positionScheme !== '1d') {
      throw new ModelDirectoryError(root, `position scheme "${config.positionScheme}" is not supported by this runtime yet (only "1d")`);
    }
    const tokenizer = await TextTokenizer.fromDirectory(root);
    const tokenId = (key: keyof ModelConfig['tokens']): number => {
      try {
        return tokenizer.tokenId(config.tokens[key]);
      } catch {
        throw new ModelDirectoryError(root, `the tokenizer has no ${key} token "${config.tokens[key]}" (config.json tokens.${key})`);
      }
    };
    const tokens = { audio: tokenId('audio'), yes: tokenId('yes'), no: tokenId('no') };
    tokenId('emb');
    const prompts = new PromptEncoder(tokenizer, config.tokens, config.maxTextTokens, config.prompts);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [opts.device ?? 'cpu'],
      ...(opts.threads !== undefined ? { intraOpNumThreads: checkPositiveInt('opts.threads', opts.threads) } : {}),
      graphOptimizationLevel: 'all',
    };
    const open = async (key: keyof typeof GRAPH_IO): Promise<ort.InferenceSession> => {
      const file = join(root, MODEL_FILES[key]);
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(file, sessionOptions);
      } catch (error) {
        throw new ModelDirectoryError(root, `${MODEL_FILES[key]} does not load: ${(error as Error).message}`);
      }
      const io = GRAPH_IO[key];
      for (const [kind, expected, actual] of [
        ['inputs', io.inputs, session.inputNames],
        ['outputs', io.outputs, session.outputNames],
      ] as const) {
        const missing = expected.filter((n) => !actual.includes(n));
        if (missing.length > 0) {
          throw new ModelDirectoryError(
            root,
            `${MODEL_FILES[key]} ${kind} are [${actual.join(', ')}]; the contract needs [${expected.join(', ')}] (missing ${missing.join(', ')})`,
          );
        }
      }
      return session;
    };
    const sessions = { audioEncoder: await open('audioEncoder'), embedTokens: await open('embedTokens'), decoder: await open('decoder') };
    let judge: OnnxMllmBackbone | undefined;
    if (config.judge !== undefined) {
      judge = await OnnxMllmBackbone.load(join(root, config.judge), opts).catch(async (error: unknown) => {
        await Promise.all(Object.values(sessions).map((s) => s.release()));
        throw error;
      });
      if (judge.judge) {
        await Promise.all([judge.close(), ...Object.values(sessions).map((s) => s.release())]);
        throw new ModelDirectoryError(root, `the judge ${config.judge} names a judge of its own; a judge answers for itself`);
      }
    }
    const backbone = new OnnxMllmBackbone(
      root,
      config,
      prompts,
      tokenizer.padId,
      sessions,
      tokens,
      checkPositiveInt('opts.maxBatch', opts.maxBatch ?? 32),
      checkPositiveInt('opts.maxBatchTokens', opts.maxBatchTokens ?? 8192),
      await modelFingerprint(root),
      judge,
    );
    // The graphs must produce what config.json says: a hidden size mismatch would otherwise surface as garbage.
    const probe = await backbone.embedIds(padBatch([[tokens.yes]], tokenizer.padId));
    if (probe.dims[2] !== config.hiddenSize) {
      await backbone.close();
      throw new ModelDirectoryError(
        root,
        `${MODEL_FILES.embedTokens} returns width ${probe.dims[2]} but config.json hiddenSize is ${config.hiddenSize}`,
      );
    }
    return backbone;
  }

  async embedText(texts: readonly string[], opts: EmbedOptions = {}): Promise<Embeddings> {
    this.checkOpen();
    if (!Array.isArray(texts)) throw new TypeError(`texts must be an array of strings, got ${show(texts)}`);
    const sequences = texts.map((text, i) => {
      if (typeof text !== 'string') throw new TypeError(`texts[${i}] must be a string, got ${show(text)}`);
      return this.sequenceOf(this.prompts.textEmbedding(text));
    });
    return this.embeddings(await this.run(sequences, 'hidden'), texts.length, opts);
  }

  async embedAudio(clips: readonly Float32Array[], opts: EmbedOptions = {}): Promise<Embeddings> {
    this.checkOpen();
    if (!Array.isArray(clips)) throw new TypeError(`clips must be an array of Float32Array, got ${show(clips)}`);
    const audio = await this.encodeAudio(clips.map((c, i) => checkClip(`clips[${i}]`, c)));
    const sequences = audio.map((a) => this.sequenceOf(this.prompts.audioEmbedding(), a));
    return this.embeddings(await this.run(sequences, 'hidden'), clips.length, opts);
  }

  async scorePairs(pairs: readonly ScorePair[], direction: RerankDirection): Promise<Float32Array> {
    this.checkOpen();
    if (this.judge) return this.judge.scorePairs(pairs, direction);
    if (direction !== 't2a' && direction !== 'a2t') throw new TypeError(`direction must be 't2a' or 'a2t', got ${show(direction)}`);
    if (!Array.isArray(pairs)) throw new TypeError(`pairs must be an array of { text, audio }, got ${show(pairs)}`);
    pairs.forEach((p, i) => {
      if (typeof p?.text !== 'string') throw new TypeError(`pairs[${i}].text must be a string, got ${show(p?.text)}`);
      checkClip(`pairs[${i}].audio`, p.audio);
    });
    const audio = await this.encodeAudio(pairs.map((p) => p.audio));
    const sequences = pairs.map((p, i) => this.sequenceOf(this.prompts.rerank(direction, p.text), audio[i]));
    const logits = await this.run(sequences, 'yes-no');
    const scores = new Float32Array(pairs.length);
    // p(Yes) of the two-way softmax over the Yes and No logits, computed stably as a logistic.
    for (let i = 0; i < pairs.length; i++) scores[i] = 1 / (1 + Math.exp(logits[2 * i + 1]! - logits[2 * i]!));
    return scores;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...Object.values(this.sessions).map((s) => s.release()), this.judge?.close()]);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`backbone ${this.name} is closed`);
  }

  /** Ids with the audio placeholder expanded to one token per audio embedding; the read position shifted with it. */
  private sequenceOf(prompt: EncodedPrompt, audio?: { data: Float32Array; rows: number }): Sequence {
    const readAt = prompt.embPosition ?? prompt.ids.length - 1;
    if (prompt.audioPosition === undefined || !audio) return { ids: prompt.ids, readAt };
    const at = prompt.audioPosition;
    const ids = [...prompt.ids.slice(0, at), ...new Array<number>(audio.rows).fill(this.audioToken), ...prompt.ids.slice(at + 1)];
    return { ids, audio: { at, data: audio.data, rows: audio.rows }, readAt: readAt > at ? readAt + audio.rows - 1 : readAt };
  }

  /** Log-mel features of each clip (cut to the model's maximum duration), encoded in groups of equal length. */
  private async encodeAudio(clips: Float32Array[]): Promise<{ data: Float32Array; rows: number }[]> {
    const { sampleRate, maxDurationS } = this.config.audio;
    const features = clips.map((clip) => this.logMel.compute(fitDuration(clip, sampleRate, { maxS: maxDurationS })));
    // Different lengths are never padded together: a conv stack over padding would change the last tokens.
    const byFrames = new Map<number, number[]>();
    features.forEach((f, i) => byFrames.set(f.frames, [...(byFrames.get(f.frames) ?? []), i]));
    const out: { data: Float32Array; rows: number }[] = new Array(clips.length);
    for (const [frames, members] of byFrames) {
      for (let start = 0; start < members.length; start += this.maxBatch) {
        const group = members.slice(start, start + this.maxBatch);
        const nMels = features[group[0]!]!.nMels;
        const input = new Float32Array(group.length * frames * nMels);
        group.forEach((i, b) => input.set(features[i]!.data, b * frames * nMels));
        const result = await this.sessions.audioEncoder.run({
          input_features: new ort.Tensor('float32', input, [group.length, frames, nMels]),
        });
        const embeds = result.audio_embeds!;
        const [, tokens, width] = embeds.dims as [number, number, number];
        if (width !== this.dim) {
          throw new ModelDirectoryError(this.dir, `${MODEL_FILES.audioEncoder} returns width ${width} but hiddenSize is ${this.dim}`);
        }
        const data = embeds.data as Float32Array;
        group.forEach((i, b) => {
          out[i] = { data: data.slice(b * tokens * width, (b + 1) * tokens * width), rows: tokens };
        });
      }
    }
    return out;
  }

  private async embedIds(batch: ReturnType<typeof padBatch>): Promise<ort.Tensor> {
    const result = await this.sessions.embedTokens.run({
      input_ids: new ort.Tensor('int64', batch.ids, [batch.batch, batch.length]),
    });
    return result.inputs_embeds!;
  }

  /**
   * Runs the decoder over all sequences in length-sorted batches and returns, per sequence in input order, the
   * hidden state at its read position ('hidden': dim floats each) or the Yes and No logits there ('yes-no': 2 each).
   */
  private async run(all: Sequence[], read: 'hidden' | 'yes-no'): Promise<Float32Array> {
    // The decoder is causal: tokens after the read position cannot change what is read there (for an embedding,
    // the <emb> token and the end of the turn), so they are not run.
    const sequences = all.map((s) => (s.ids.length > s.readAt + 1 ? { ...s, ids: s.ids.slice(0, s.readAt + 1) } : s));
    const width = read === 'hidden' ? this.dim : 2;
    const out = new Float32Array(sequences.length * width);
    const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.ids.length - sequences[b]!.ids.length);
    let start = 0;
    while (start < order.length) {
      // Sorted by length, a batch's padded length is its last member's: grow it while the token budget allows.
      let end = start + 1;
      while (
        end < order.length &&
        end - start < this.maxBatch &&
        (end - start + 1) * sequences[order[end]!]!.ids.length <= this.maxBatchTokens
      ) {
        end++;
      }
      const members = order.slice(start, end).map((i) => sequences[i]!);
      const hidden = await this.decode(members, read);
      order.slice(start, end).forEach((i, b) => out.set(hidden.subarray(b * width, (b + 1) * width), i * width));
      start = end;
    }
    return out;
  }

  private async decode(members: Sequence[], read: 'hidden' | 'yes-no'): Promise<Float32Array> {
    const padded = padBatch(
      members.map((m) => m.ids),
      this.padId,
    );
    const embeds = await this.embedIds(padded);
    const [batch, length, dim] = embeds.dims as [number, number, number];
    const data = embeds.data as Float32Array;
    members.forEach((m, b) => {
      if (m.audio) data.set(m.audio.data, (b * length + m.audio.at) * dim);
    });
    const fetched = await this.sessions.decoder.run(
      {
        inputs_embeds: new ort.Tensor('float32', data, [batch, length, dim]),
        attention_mask: new ort.Tensor('int64', padded.attentionMask, [batch, length]),
        position_ids: new ort.Tensor('int64', positionIds(padded.attentionMask, batch, length), [batch, length]),
      },
      // Only the output read: onnxruntime then skips the LM head for embeddings.
      [read === 'hidden' ? 'last_hidden_state' : 'logits'],
    );
    // onnxruntime-node 1.23 returns a single fetched output under the graph's first output name
    // (microsoft/onnxruntime#26865, fixed in later releases): take the one value, whatever its key.
    const [output] = Object.values(fetched);
    if (!output || Object.keys(fetched).length !== 1) throw new Error(`${MODEL_FILES.decoder} returned ${Object.keys(fetched).length} outputs for one fetched`);
    if (read === 'hidden') {
      const hidden = output.data as Float32Array;
      const out = new Float32Array(batch * dim);
      members.forEach((m, b) => out.set(hidden.subarray((b * length + m.readAt) * dim, (b * length + m.readAt + 1) * dim), b * dim));
      return out;
    }
    const logits = output;
    const vocab = logits.dims[2]!;
    const values = logits.data as Float32Array;
    const out = new Float32Array(batch * 2);
    members.forEach((m, b) => {
      const row = (b * length + m.readAt) * vocab;
      out[2 * b] = values[row + this.yesToken]!;
      out[2 * b + 1] = values[row + this.noToken]!;
    });
    return out;
  }

  private embeddings(hidden: Float32Array, rows: number, opts: EmbedOptions): Embeddings {
    normalizeRows(hidden, rows, this.dim);
    const dtype = opts.dtype ?? 'f32';
    if (dtype === 'f16') return { data: toF16(hidden), rows, cols: this.dim, dtype };
    if (dtype !== 'f32') throw new TypeError(`opts.dtype must be 'f32' or 'f16', got ${show(dtype)}`);
    return { data: hidden, rows, cols: this.dim, dtype };
  }
}
