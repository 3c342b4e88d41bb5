// The load benchmark's server (a child of bench/load.ts): a synthetic index of N clips (random unit vectors of the
// model's width, metadata spread over 8 sources), the real model for the text-query embeddings, the real Searcher and
// server on 127.0.0.1. Tells the parent its port over IPC, then serves until killed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { makeRng } from '@aurola/args';
import { WorkerBackbone, randomModel, writeModelDirectory } from '@aurola/backbone';
import { ClipIndex, type NewClip } from '@aurola/index';
import { Searcher } from '@aurola/retrieval';

import { buildServer } from '../src/index.js';
import { BENCH_WORDS, SOURCES } from './words.js';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '100000' },
    model: { type: 'string' },
    threads: { type: 'string' },
    'model-workers': { type: 'string' },
  },
});

const root = mkdtempSync(join(tmpdir(), 'aurola-serve-bench-'));
const cleanup = () => rmSync(root, { recursive: true, force: true });
process.on('exit', cleanup);

async function loadModel(): Promise<{ backbone: WorkerBackbone; description: string }> {
  const threads = values.threads ? Number(values.threads) : undefined;
  const opts = { ...(threads ? { threads } : {}), workers: Number(values['model-workers'] ?? 1) };
  // The default model of the repository, wherever the bench is started from (npm run -w starts it in apps/serve).
  const wanted = values.model ?? fileURLToPath(new URL('../../../models/aurola-mini', import.meta.url));
  try {
    const backbone = await WorkerBackbone.load(resolve(wanted), opts);
    return { backbone, description: `${backbone.name} from ${wanted} (d=${backbone.dim}; ${backbone.concurrency} model worker thread(s))` };
  } catch (e) {
    if (values.model) throw e;
    // aurola-mini is not there yet: a random model of its shape (d 256, 6 layers, 4 heads, SwiGLU 704, 80 mel bands).
    const dir = join(root, 'model');
    await writeModelDirectory(
      dir,
      randomModel({ seed: 1, words: BENCH_WORDS, hiddenSize: 256, numLayers: 6, numHeads: 4, intermediateSize: 704, nMels: 80, name: 'random-mini-shape' }),
    );
    const backbone = await WorkerBackbone.load(dir, opts);
    return { backbone, description: `a random model of aurola-mini's shape (models/aurola-mini absent): d=${backbone.dim}, 6 layers` };
  }
}

function buildIndex(dim: number, model: string, n: number): ClipIndex {
  const index = ClipIndex.create(join(root, 'index'), { dim, model });
  const rng = makeRng(7);
  const gauss = () => {
    const u = Math.max(rng(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const batch = 10_000;
  for (let start = 0; start < n; start += batch) {
    const clips: NewClip[] = [];
    for (let i = start; i < Math.min(n, start + batch); i++) {
      const v = new Float32Array(dim);
      let ss = 0;
      for (let j = 0; j < dim; j++) ss += (v[j] = gauss()) ** 2;
      const inv = 1 / Math.sqrt(ss);
      for (let j = 0; j < dim; j++) v[j]! *= inv;
      const tags = [pick(BENCH_WORDS), pick(BENCH_WORDS)];
      clips.push({
        id: `synthetic/${i}`,
        vector: v,
        meta: {
          path: `/nonexistent/synthetic-${i}.wav`,
          durationS: 1 + Math.floor(rng() * 90) / 10,
          source: SOURCES[i % SOURCES.length]!,
          license: 'CC0-1.0',
          captions: [`${pick(BENCH_WORDS)} ${pick(BENCH_WORDS)} ${pick(BENCH_WORDS)}`],
          tags,
          contentHash: i.toString(16).padStart(64, '0'),
        },
      });
    }
    index.add(clips);
  }
  return index;
}

const { backbone, description } = await loadModel();
const t0 = performance.now();
const index = buildIndex(backbone.dim, backbone.name, Number(values.clips));
const buildS = (performance.now() - t0) / 1000;
// No text cache: the random texts repeat now and then, and every query is to be embedded (README, Load).
const searcher = new Searcher(backbone, index, { textCache: 0 });
const app = buildServer({ index, searcher, modelName: backbone.name, logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('no TCP address');
// The model's worker thread is stopped before the process exits (exiting under a running session aborts).
const stop = () => void app.close().then(() => backbone.close()).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.send!({ ready: true, port: address.port, model: description, clips: index.size, dim: index.dim, dtype: index.dtype, buildS });
