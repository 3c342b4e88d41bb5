// Log-mel throughput of the audio front end (the first epoch of training computes it once per clip):
// milliseconds per clip at Whisper's settings (n_fft 400, hop 160), 80 and 128 bands, after a warm-up.
//
//   npm run bench -w @aurola/audio
import { LogMelExtractor, parseLogMelConfig } from '../src/index.js';

const rows = [];
for (const [seconds, nMels] of [[3.6, 80], [10, 80], [30, 128]] as const) {
  const extractor = new LogMelExtractor(parseLogMelConfig({ sampleRate: 16000, nFft: 400, hopLength: 160, nMels, maxDurationS: 30 }));
  const clip = Float32Array.from({ length: Math.round(seconds * 16000) }, () => Math.random() - 0.5);
  for (let i = 0; i < 5; i++) extractor.compute(clip);
  const repeats = Math.max(5, Math.round(100 / seconds));
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) extractor.compute(clip);
  const ms = (performance.now() - t0) / repeats;
  rows.push({ bench: 'log-mel', seconds, nMels, msPerClip: +ms.toFixed(2), audioSecondsPerS: Math.round((1000 * seconds) / ms) });
}
for (const row of rows) console.log(JSON.stringify(row));
console.table(rows);
