// buildServer's options, the limits with their defaults, and the context every route plugin receives.
import type { FastifyServerOptions } from 'fastify';

import type { ServeIndex, ServeSearcher } from './deps.js';
import type { ServerMetrics } from './metrics.js';

export interface ServeLimits {
  /** Largest JSON request body, bytes. Default 64 KiB. */
  bodyLimit: number;
  /** Largest audio upload (multipart file), bytes. Default 20 MiB. */
  uploadBytes: number;
  /** Search, decode and add operations fail with 503 "timeout" after this long. Default 15 s. */
  requestTimeoutMs: number;
  /** Largest k a search may ask for. Default 1000. */
  maxK: number;
  /** Longest text query, characters. Default 1000. */
  maxTextChars: number;
  /** Uploaded audio is cut to this many seconds. Default 30. */
  maxAudioS: number;
  /** Shortest usable uploaded audio, seconds. Default 0.05. */
  minAudioS: number;
  /** Candidates re-ranked when a search asks for `rerank: true`. Default 20. */
  rerankK: number;
  /** Largest re-rank depth a search may ask for. Default 100. */
  maxRerankK: number;
  /** Captions returned for an audio query (audio → text). Default 5. */
  captionsK: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  bodyLimit: 64 * 1024,
  uploadBytes: 20 * 1024 * 1024,
  requestTimeoutMs: 15_000,
  maxK: 1000,
  maxTextChars: 1000,
  maxAudioS: 30,
  minAudioS: 0.05,
  rerankK: 20,
  maxRerankK: 100,
  captionsK: 5,
};

export interface ServeOptions {
  index: ServeIndex;
  searcher: ServeSearcher;
  /** Key for POST/DELETE /v1/clips (the CLI reads AUROLA_API_KEY). Without one those routes answer 403. */
  apiKey?: string;
  limits?: Partial<ServeLimits>;
  /** Fastify's logger option: pino options, true for JSON logs at 'info', false (the default) for none. */
  logger?: FastifyServerOptions['logger'];
  /** Relative clip paths in the index are resolved against this folder. Default: the current directory. */
  audioRoot?: string;
  /** Where POST /v1/clips stores uploaded audio. Without one, adding clips is refused with 503. */
  uploadDir?: string;
  /** Shown by /healthz and the page: the model's name. */
  modelName?: string;
  /** Called after clips were added or removed (e.g. to persist the index). */
  onIndexChanged?: () => void | Promise<void>;
}

/** What each route plugin gets. */
export interface ServeContext {
  index: ServeIndex;
  searcher: ServeSearcher;
  limits: ServeLimits;
  metrics: ServerMetrics;
  apiKey: string | undefined;
  audioRoot: string;
  uploadDir: string | undefined;
  modelName: string | undefined;
  onIndexChanged: (() => void | Promise<void>) | undefined;
}

export function resolveLimits(partial: Partial<ServeLimits> | undefined): ServeLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(partial ?? {})) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_LIMITS)) throw new TypeError(`limits.${k} is not a known limit`);
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`limits.${k} must be a finite number > 0, got ${String(v)}`);
    (limits as Record<string, number>)[k] = v;
  }
  for (const k of ['maxK', 'maxTextChars', 'rerankK', 'maxRerankK', 'captionsK'] as const) {
    if (!Number.isInteger(limits[k])) throw new RangeError(`limits.${k} must be an integer, got ${limits[k]}`);
  }
  if (limits.rerankK > limits.maxRerankK) throw new RangeError(`limits.rerankK (${limits.rerankK}) exceeds limits.maxRerankK (${limits.maxRerankK})`);
  return limits;
}
