#!/usr/bin/env node
// aurola-serve: the HTTP service over an index and a model directory.
//   npm run serve -- --index data/index --model models/aurola-mini --port 8080 --host 127.0.0.1
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { decodeFile, prepareAudio } from '@aurola/audio';
import { WorkerBackbone } from '@aurola/backbone';
import { ClipIndex, type ClipRecord } from '@aurola/index';
import { Searcher } from '@aurola/retrieval';

import { DEFAULT_LIMITS } from './options.js';
import { buildServer } from './server.js';

export const USAGE = `usage: aurola-serve --index DIR [options]

Serves search over an index (made by 'npm run index') with the model that embedded it: the HTTP API under /v1,
the search page at /, the OpenAPI document at /docs, /healthz and /metrics.

  --index DIR          the index folder (required)
  --model DIR          model directory (default: models/aurola-mini)
  --port N             TCP port (default: 8080; 0 picks a free one)
  --host ADDR          address to listen on (default: 127.0.0.1)
  --upload-dir DIR     where POST /v1/clips stores uploaded audio (default: <index>/uploads)
  --audio-root DIR     relative clip paths are resolved against it (default: the current directory)
  --threads N          onnxruntime threads for the model, per model worker (default: all cores)
  --model-workers N    worker threads running the model, each with its own copy (default: 1); queries embed in
                       up to N batches at once. With 2 or more, give each --threads 1 (README, Load)
  --max-upload-mb N    largest audio upload (default: ${DEFAULT_LIMITS.uploadBytes / 1024 / 1024})
  --timeout-ms N       search/decoding deadline per request (default: ${DEFAULT_LIMITS.requestTimeoutMs})
  --log-level LEVEL    fatal, error, warn, info, debug, trace or silent (default: info, or AUROLA_LOG_LEVEL)

Environment: AUROLA_API_KEY (at least 8 characters) enables POST /v1/clips and DELETE /v1/clips/:id;
without it those routes answer 403. Logs are JSON lines on stdout.
`;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function positive(name: string, value: string | undefined, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new RangeError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return n;
}

/** Decodes an indexed clip's file for re-ranking (the candidate audio of text → audio queries). */
function audioLoader(audioRoot: string) {
  return async (clip: ClipRecord): Promise<Float32Array> => {
    const decoded = await decodeFile(resolve(audioRoot, clip.path));
    return prepareAudio(decoded.channels, decoded.sampleRate);
  };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      index: { type: 'string' },
      model: { type: 'string', default: 'models/aurola-mini' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      'upload-dir': { type: 'string' },
      'audio-root': { type: 'string' },
      threads: { type: 'string' },
      'model-workers': { type: 'string' },
      'max-upload-mb': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!values.index) {
    process.stderr.write(`aurola-serve: --index is required\n\n${USAGE}`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`--port must be an integer in 0..65535, got "${values.port}"`);
  const level = values['log-level'] ?? process.env.AUROLA_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level)) throw new RangeError(`--log-level must be one of ${LEVELS.join(', ')}, got "${level}"`);
  const modelDir = resolve(values.model);
  if (!existsSync(modelDir)) {
    throw new Error(`model directory ${modelDir} does not exist: train aurola-mini with 'npm run train' or pass --model DIR`);
  }
  const indexDir = resolve(values.index);
  const audioRoot = resolve(values['audio-root'] ?? '.');
  const apiKey = process.env.AUROLA_API_KEY || undefined;
  const threads = values.threads === undefined ? undefined : positive('threads', values.threads, 1);
  const workers = positive('model-workers', values['model-workers'], 1);

  // In worker threads: onnxruntime-node blocks the thread it runs on, and this one answers HTTP.
  const backbone = await WorkerBackbone.load(modelDir, { workers, ...(threads === undefined ? {} : { threads }) });
  let index: ClipIndex;
  try {
    index = ClipIndex.open(indexDir);
  } catch (e) {
    await backbone.close();
    throw e;
  }
  // The id carries a fingerprint of the model's files: a retrained model of the same name embeds differently.
  if (index.dim !== backbone.dim || index.model !== backbone.id) {
    index.close();
    await backbone.close();
    throw new Error(
      `the index at ${indexDir} holds ${index.dim}-d embeddings of model "${index.model}", but ${modelDir} is "${backbone.id}" (${backbone.dim}-d): ` +
        'serve it with the model that built it, or re-index',
    );
  }
  const searcher = new Searcher(backbone, index, { loadAudio: audioLoader(audioRoot) });
  const app = buildServer({
    index,
    searcher,
    apiKey,
    audioRoot,
    uploadDir: resolve(values['upload-dir'] ?? join(indexDir, 'uploads')),
    modelName: backbone.name,
    logger: { level },
    limits: {
      uploadBytes: Math.round(positive('max-upload-mb', values['max-upload-mb'], DEFAULT_LIMITS.uploadBytes / 1024 / 1024, false) * 1024 * 1024),
      requestTimeoutMs: positive('timeout-ms', values['timeout-ms'], DEFAULT_LIMITS.requestTimeoutMs),
    },
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    try {
      await app.close();
      await searcher.close();
      index.close();
      await backbone.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const address = await app.listen({ port, host: values.host });
  app.log.info(
    { address, index: indexDir, clips: index.size, model: backbone.name, dim: backbone.dim, modelWorkers: workers, admin: apiKey ? 'enabled' : 'disabled' },
    `aurola serving ${index.size} clips at ${address}`,
  );
  return -1; // keep running
}

const invoked = process.argv[1] && /cli\.(ts|js)$/.test(process.argv[1]);
if (invoked) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (e: unknown) => {
      process.stderr.write(`aurola-serve: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
