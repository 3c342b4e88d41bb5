// `aurola-train eval`: any model directory on a captioned test set — a data-build manifest's split, or a public set
// (AudioCaps, Clotho, Auto-ACD) whose audio the user has — through the ONNX runner, as users run it. Clips whose
// audio is missing or unreadable are counted and left out (partial downloads are common), never fatal.
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { decodeFile, prepareAudio } from '@aurola/audio';
import { OnnxMllmBackbone } from '@aurola/backbone';
import { loadAudioCaps, loadAutoAcd, loadClotho, readManifest, SPLITS, type Split } from '@aurola/data';
import { Progress } from '@aurola/jobs';
import { evaluateBackbone, type BackboneEvaluation, type EvalClip, type RetrievalMetrics } from '@aurola/retrieval';

export const EVAL_USAGE = `usage: aurola-train eval --model DIR --format FORMAT --captions FILE [--audio DIR] [options]

Evaluates a model directory on a captioned test set: R@1/5/10, mAP@10 and median rank for text→audio (every caption
a query) and audio→text (a hit is the best rank among the clip's captions), with chance levels; then the same after
re-ranking the top K with p(Yes), α per direction from the model directory's config.json (set on validation).

  --format   manifest | audiocaps | clotho | autoacd
  --captions the manifest.jsonl, or the set's captions CSV (AudioCaps: audiocap_id,youtube_id,start_time,caption;
             Clotho: file_name,caption_1..caption_5; Auto-ACD: youtube_id|id|ytid,caption)
  --audio    folder of the set's audio (not for manifests); AudioCaps files are <youtube_id>_<start_time>.<ext>,
             Auto-ACD files <id>.<ext>, Clotho files as named in the CSV
  --ext      audio file extension for AudioCaps / Auto-ACD (default: wav)
  --split    manifest split (default: test)
  --rerank-k N   re-rank the top N of every query (default: 10; 0: none)
  --max-clips N  evaluate every n-th clip so that at most N are used (default: all)
  --json FILE    also write the figures as JSON
`;

interface CaptionedFile {
  audio: string;
  captions: string[];
}

async function readSet(format: string, captions: string, audioDir: string | undefined, ext: string, split: Split): Promise<CaptionedFile[]> {
  if (format === 'manifest') {
    const root = dirname(resolve(captions));
    return (await readManifest(captions)).filter((r) => r.split === split).map((r) => ({ audio: resolve(root, r.audio), captions: [r.captionLong, r.captionShort] }));
  }
  if (!audioDir) throw new RangeError(`--audio is required for --format ${format}`);
  if (format === 'audiocaps') return loadAudioCaps(captions, audioDir, { fileName: (id, start) => `${id}_${start}.${ext}` });
  if (format === 'clotho') return loadClotho(captions, audioDir);
  if (format === 'autoacd') return loadAutoAcd(captions, audioDir, { fileName: (id) => `${id}.${ext}` });
  throw new RangeError(`--format must be manifest, audiocaps, clotho or autoacd, got "${format}"`);
}

function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export function formatEvaluation(e: BackboneEvaluation, skipped: number): string {
  const line = (name: string, m: RetrievalMetrics) =>
    `  ${name.padEnd(16)} R@1 ${(100 * m.r1).toFixed(1).padStart(5)}  R@5 ${(100 * m.r5).toFixed(1).padStart(5)}  R@10 ${(100 * m.r10).toFixed(1).padStart(5)}  mAP@10 ${(100 * m.mAP10).toFixed(1).padStart(5)}  median rank ${m.medianRank}  (chance R@1 ${(100 * m.chanceR1).toFixed(2)})`;
  const out = [`${e.clips} clips, ${e.captions} captions${skipped ? ` (${skipped} clips left out: audio missing or unreadable)` : ''}`, line('T2A', e.plain.t2a), line('A2T', e.plain.a2t)];
  if (e.reranked) {
    out.push(line(`T2A +rerank`, e.reranked.t2a), line(`A2T +rerank`, e.reranked.a2t));
    out.push(line('T2A judge alone', e.reranked.judgeAlone.t2a), line('A2T judge alone', e.reranked.judgeAlone.a2t));
    out.push(`  re-ranked the top ${e.reranked.k} with α t2a ${e.reranked.alpha.t2a}, a2t ${e.reranked.alpha.a2t} (from the model directory); judge alone: the top ${e.reranked.k} ordered by p(Yes) only`);
  }
  return `${out.join('\n')}\n`;
}

export async function evalCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      format: { type: 'string' },
      captions: { type: 'string' },
      audio: { type: 'string' },
      ext: { type: 'string', default: 'wav' },
      split: { type: 'string', default: 'test' },
      'rerank-k': { type: 'string' },
      'max-clips': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(EVAL_USAGE);
    return 0;
  }
  if (!values.model || !values.format || !values.captions) {
    process.stderr.write(EVAL_USAGE);
    return 2;
  }
  if (!(SPLITS as readonly string[]).includes(values.split)) throw new RangeError(`--split must be one of ${SPLITS.join(', ')}, got "${values.split}"`);
  const rerankK = count('rerank-k', values['rerank-k'], 10);
  const maxClips = count('max-clips', values['max-clips'], 0);
  let files = await readSet(values.format, values.captions, values.audio, values.ext, values.split as Split);
  if (maxClips > 0 && files.length > maxClips) files = files.filter((_, i) => i % Math.ceil(files.length / maxClips) === 0);

  const backbone = await OnnxMllmBackbone.load(values.model);
  try {
    const maxS = backbone.config.audio.maxDurationS;
    const clips: EvalClip[] = [];
    let skipped = 0;
    const reading = new Progress('  reading audio', files.length, { unit: 'clips' });
    for (const file of files) {
      try {
        const decoded = await decodeFile(file.audio);
        clips.push({ audio: prepareAudio(decoded.channels, decoded.sampleRate, { maxS }), captions: file.captions });
        reading.tick();
      } catch {
        skipped++;
        reading.tick(false);
      }
    }
    if (clips.length < 2) throw new Error(`only ${clips.length} of ${files.length} clips could be read from ${values.audio ?? values.captions}: nothing to evaluate`);
    const embedding = new Progress('  embedding', clips.length + clips.reduce((a, c) => a + c.captions.length, 0), { unit: 'items' });
    let last = 0;
    let judging: Progress | undefined;
    let judged = 0;
    const rerank = backbone.config.rerank;
    const result = await evaluateBackbone(backbone, clips, {
      rerankK,
      ...(rerank ? { alpha: { t2a: rerank.alphaT2A, a2t: rerank.alphaA2T } } : {}),
      onProgress: (done) => {
        for (; last < done; last++) embedding.tick();
      },
      onJudgeProgress: (done, total) => {
        judging ??= new Progress('  judging pairs', total, { unit: 'pairs' });
        for (; judged < done; judged++) judging.tick();
      },
    });
    process.stdout.write(formatEvaluation(result, skipped));
    if (values.json) await writeFile(values.json, `${JSON.stringify({ model: resolve(values.model), format: values.format, captionsFile: resolve(values.captions), skipped, ...result }, null, 2)}\n`);
    return 0;
  } finally {
    await backbone.close();
  }
}
