// The Backbone: one model that embeds text and audio into the same space and judges (query, candidate) pairs with a
// yes/no answer (DESIGN.md §2). The ONNX runner implements it for any model directory that follows the contract.

/** Embeddings, one L2-normalised row per input, row-major (the shape @aurola/kernels takes). */
export interface Embeddings {
  /** Float32Array for 'f32'; IEEE half floats in a Uint16Array for 'f16'. */
  data: Float32Array | Uint16Array;
  rows: number;
  cols: number;
  dtype: 'f32' | 'f16';
}

export interface EmbedOptions {
  /** Output precision; default 'f32'. */
  dtype?: 'f32' | 'f16';
}

/** t2a: the query is a text, the candidate an audio clip; a2t: the other way round. */
export type RerankDirection = 't2a' | 'a2t';

export interface ScorePair {
  text: string;
  /** 16 kHz mono PCM. */
  audio: Float32Array;
}

export interface Backbone {
  readonly name: string;
  /**
   * The model's identity, `<name>@<fingerprint of its files>`: an index records the id of the model that filled it,
   * since two models of one name (a retrained aurola-mini) embed differently.
   */
  readonly id: string;
  /** Embedding width. */
  readonly dim: number;
  /**
   * Calls the backbone runs at the same time (a WorkerBackbone's worker threads); absent means one. A caller with
   * independent work, such as a server's micro-batches, keeps this many calls in flight.
   */
  readonly concurrency?: number;
  embedText(texts: readonly string[], opts?: EmbedOptions): Promise<Embeddings>;
  /** Clips are 16 kHz mono PCM; longer ones are cut to the model's maximum duration. */
  embedAudio(clips: readonly Float32Array[], opts?: EmbedOptions): Promise<Embeddings>;
  /** p(Yes) for each pair, asked in `direction`. */
  scorePairs(pairs: readonly ScorePair[], direction: RerankDirection): Promise<Float32Array>;
  close(): Promise<void>;
}
