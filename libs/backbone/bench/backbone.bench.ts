// Throughput of the ONNX runner on a small random model of the contract (CPU): texts/s and audio seconds/s at
// batch 1 and batch 32. Prints one JSON object per line, then a table. `--threads N` sets onnxruntime's threads.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { OnnxMllmBackbone } from '../src/index.js';
import { randomModel, writeModelDirectory } from '../src/write-model.js';

const { values } = parseArgs({ options: { threads: { type: 'string' }, quick: { type: 'boolean' } } });
const threads = values.threads ? Number(values.threads) : undefined;
const WORDS = 'a dog barks twice then car passes in the rain bell rings loudly quiet birds sing morning engine idles'.split(' ');
const sentence = (i: number) => Array.from({ length: 8 + (i % 9) }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');
const clip = (seconds: number) => Float32Array.from({ length: seconds * 16000 }, () => (Math.random() - 0.5) * 0.3);

async function time(run: () => Promise<unknown>, minS: number): Promise<{ perCall: number; calls: number }> {
  await run(); // warm-up
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < minS * 1000) {
    await run();
    calls++;
  }
  return { perCall: (performance.now() - start) / 1000 / calls, calls };
}

const dir = mkdtempSync(join(tmpdir(), 'aurola-bench-model-'));
try {
  const model = randomModel({ seed: 1, words: WORDS, hiddenSize: 128, numLayers: 4, numHeads: 4, intermediateSize: 352, nMels: 80 });
  await writeModelDirectory(dir, model);
  const backbone = await OnnxMllmBackbone.load(dir, threads ? { threads } : {});
  const minS = values.quick ? 0.5 : 3;
  const rows: Record<string, unknown>[] = [];
  for (const batch of [1, 32]) {
    const texts = Array.from({ length: batch }, (_, i) => sentence(i));
    const t = await time(() => backbone.embedText(texts), minS);
    rows.push({ bench: 'embedText', model: 'random d=128 L=4', batch, textsPerS: +(batch / t.perCall).toFixed(1), msPerCall: +(t.perCall * 1000).toFixed(2) });
    const seconds = 5;
    const clips = Array.from({ length: batch }, () => clip(seconds));
    const a = await time(() => backbone.embedAudio(clips), minS);
    rows.push({ bench: 'embedAudio', model: 'random d=128 L=4', batch, clipS: seconds, audioSecondsPerS: +((batch * seconds) / a.perCall).toFixed(1), msPerCall: +(a.perCall * 1000).toFixed(2) });
  }
  await backbone.close();
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, threads: threads ?? 'default' };
  for (const row of rows) console.log(JSON.stringify({ ...row, ...machine }));
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
