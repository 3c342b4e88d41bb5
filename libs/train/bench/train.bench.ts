// Training throughput of the engine (forward + backward + AdamW, one Hybrid-NCE step over B pairs) on the "mini"
// configuration, beside the same architecture in PyTorch CPU when /usr/bin/python3 has torch (Debian
// python3-torch), and the memory of a 512-pair step with gradient caching. Prints JSON lines, then a table.
//
//   npm run bench -w @aurola/train [-- --pairs 64 --steps 5 --no-peer --audio-strides 2,2,2]
//
// --audio-strides sets the audio encoder's three conv strides: 2,2,2 (the default: aurola-mini's
// apps/train/configs/aurola-mini.json) makes 12.5 audio tokens a second, 1,2,2 (the mini preset's own) makes 25 —
// the two ends of the token rate the design allows.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import type { PromptSequence } from '../src/batch.js';
import { MINI_ARCH } from '../src/presets.js';
import { TrainableModel } from '../src/model.js';
import { AdamW } from '../src/optimizer.js';
import { contrastiveStep } from '../src/steps.js';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '64' },
    steps: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(cpus().length) },
    'no-peer': { type: 'boolean' },
    'no-memory': { type: 'boolean' },
    'audio-strides': { type: 'string', default: '2,2,2' },
  },
});
const strides = values['audio-strides'].split(',').map(Number);
if (strides.length !== 3 || !strides.every((x) => Number.isInteger(x) && x >= 1)) throw new RangeError(`--audio-strides takes three positive integers, got "${values['audio-strides']}"`);
const B = Number(values.pairs);
const steps = Number(values.steps);
const threads = Number(values.threads);
// The PyTorch peer's shapes (libs/train/bench/torch_peer.py): 4 s clips → 400 frames → 100 audio tokens after a
// 16-token prompt; captions of 20–40 tokens; vocabulary 4096; 80 mel bands.
const VOCAB = 4096;
const N_MELS = 80;
const AUDIO_FRAMES = 400;
const AUDIO_PROMPT = 16;
const TEXT_LEN = 40;

const arch = { ...MINI_ARCH(VOCAB), audioConvs: MINI_ARCH(VOCAB).audioConvs.map((c, i) => ({ ...c, stride: strides[i]! })) };
const randomIds = (n: number) => Array.from({ length: n }, () => 2 + Math.floor(Math.random() * (VOCAB - 2)));
const features = () => Float32Array.from({ length: AUDIO_FRAMES * N_MELS }, () => Math.random() * 2 - 1);
const audioSeq = (): PromptSequence => ({ ids: randomIds(AUDIO_PROMPT), readAt: AUDIO_PROMPT - 3, audio: { at: 4, features: features(), frames: AUDIO_FRAMES } });
const textSeq = (): PromptSequence => {
  const n = TEXT_LEN / 2 + Math.floor(Math.random() * (TEXT_LEN / 2 + 1));
  return { ids: randomIds(n), readAt: n - 3 };
};

const model = TrainableModel.create(arch, N_MELS, { seed: 1, threads });
const optimizer = new AdamW(model, { schedule: { lr: 1e-4, warmupSteps: 1, totalSteps: 1000 } });
const audio = Array.from({ length: B }, audioSeq);
const text = Array.from({ length: B }, textSeq);
const tokensPerStep = B * (AUDIO_PROMPT - 1 + model.engine.audioTokens(AUDIO_FRAMES)) + text.reduce((n, t) => n + t.ids.length, 0);

async function step(a: PromptSequence[], t: PromptSequence[], microBatch: number): Promise<void> {
  await contrastiveStep(model, a, t, { padId: 0, microBatch });
  optimizer.apply();
}

await step(audio, text, 2 * B); // warm-up
const times: number[] = [];
for (let i = 0; i < steps; i++) {
  const t0 = performance.now();
  await step(audio, text, 2 * B);
  times.push((performance.now() - t0) / 1000);
}
times.sort((a, b) => a - b);
const seconds = times[Math.floor(times.length / 2)]!;
const rows: Record<string, unknown>[] = [];
const ours = {
  bench: 'train-step',
  engine: 'aurola',
  params: model.numParams,
  pairs: B,
  tokensPerStep,
  secondsPerStep: +seconds.toFixed(4),
  pairsPerS: +(B / seconds).toFixed(2),
  tokensPerS: +(tokensPerStep / seconds).toFixed(1),
  epochMinutes20k: +(20000 / (B / seconds) / 60).toFixed(1),
  gflopsApprox: +((6 * model.numParams * tokensPerStep) / seconds / 1e9).toFixed(1),
  audioTokensPerS: (100 * model.engine.audioTokens(AUDIO_FRAMES)) / AUDIO_FRAMES,
  threads,
};
rows.push(ours);

if (!values['no-peer']) {
  const script = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
  try {
    const out = execFileSync('/usr/bin/python3', [script, '--pairs', String(B), '--steps', String(steps), '--threads', String(threads), '--vocab', String(VOCAB), '--strides', strides.join(',')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const peer = JSON.parse(out.trim().split('\n').pop()!);
    rows.push({ bench: 'train-step', engine: `pytorch ${peer.torch}`, params: peer.params, pairs: peer.pairs, tokensPerStep: peer.tokensPerStep, secondsPerStep: peer.secondsPerStep, pairsPerS: peer.pairsPerS, tokensPerS: peer.tokensPerS, epochMinutes20k: +(20000 / peer.pairsPerS / 60).toFixed(1), threads: peer.threads });
    rows.push({ bench: 'speed-up', engine: 'aurola / pytorch', pairsPerS: +(ours.pairsPerS / peer.pairsPerS).toFixed(2) });
  } catch (error) {
    rows.push({ bench: 'train-step', engine: 'pytorch', note: `peer not run: ${(error as Error).message.split('\n')[0]}` });
  }
}

if (!values['no-memory']) {
  // 512 pairs in micro-batches of 64 sequences: the engine's activations stay those of one micro-batch.
  const bigA = Array.from({ length: 512 }, audioSeq);
  const bigT = Array.from({ length: 512 }, textSeq);
  const t0 = performance.now();
  await step(bigA, bigT, 64);
  rows.push({
    bench: 'memory-512-pairs',
    engine: 'aurola',
    microBatch: 64,
    secondsPerStep: +((performance.now() - t0) / 1000).toFixed(2),
    engineActivationMiB: +(model.engine.activationBytes() / 2 ** 20).toFixed(1),
    processPeakRssMiB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  });
}
model.close();
for (const row of rows) console.log(JSON.stringify({ ...row, cpu: cpus()[0]?.model, cores: cpus().length }));
console.table(rows);
