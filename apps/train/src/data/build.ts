// `data build`: sources → base clips (decoded, measured, captioned, written as 16 kHz WAV, in worker threads) →
// splits by recording, with whole categories held out for test → mixtures drawn within each split → tag clusters
// → manifest.jsonl (atomic) + report.html + build.json. Every finished clip is journaled, so a build killed at any
// point resumes where it stopped (failed items are tried again); the manifest is written only at the end, and whole.
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';

import {
  assignSplits,
  assignTagClusters,
  buildReport,
  checkSplitInvariant,
  clusterTags,
  DEBIAN_SOURCE_NAMES,
  drawHeldOutCategories,
  fileExists,
  importDebianSource,
  importFolder,
  planMixtures,
  SPLITS,
  writeManifest,
  type BuiltClip,
  type ClipRecord,
  type MixturePlan,
  type SourceItem,
  type Split,
} from '@aurola/data';
import { formatDuration, Progress, WorkerPool } from '@aurola/jobs';

import { Journal } from './journal.js';
import type { BuildJob, BuildJobResult } from './worker.js';

export interface FolderSource {
  path: string;
  /** Licence of files without a sidecar licence. */
  license?: string;
}

export interface DataBuildOptions {
  outDir: string;
  /** Downloaded packages and intermediate files; default `<outDir>/.cache`. */
  cacheDir?: string;
  /** Debian sources by name (DEBIAN_SOURCE_NAMES); default all. */
  sources?: string[];
  folders?: FolderSource[];
  /** Default: the machine's parallelism. */
  workers?: number;
  seed?: number | string;
  maxDurationS?: number;
  /** Clips per split including mixtures; mixtures fill what the base clips leave. */
  targets?: Record<Split, number>;
  /** Split of the base clips (held-out categories go to test on top). */
  fractions?: Record<Split, number>;
  /** Share of the base clips whose categories are held out for test. */
  heldOutShare?: number;
  /** k of the tag-cluster k-means. */
  tagClusters?: number;
  log?: (line: string) => void;
}

export const DEFAULT_TARGETS: Record<Split, number> = { train: 22000, validation: 1600, test: 1800 };
export const DEFAULT_FRACTIONS: Record<Split, number> = { train: 0.8, validation: 0.1, test: 0.1 };

export interface DataBuildSummary {
  manifest: string;
  report: string;
  counts: Record<Split, { base: number; mixtures: number }>;
  heldOutCategories: string[];
  failed: { id: string; error: string }[];
  seconds: number;
}

type BaseEntry = { id: string; clip?: BuiltClip; error?: string };
type MixtureEntry = { id: string; plan: MixturePlan; record?: ClipRecord; error?: string };

export async function runDataBuild(options: DataBuildOptions): Promise<DataBuildSummary> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const outDir = resolve(options.outDir);
  const cacheDir = resolve(options.cacheDir ?? join(outDir, '.cache'));
  const seed = options.seed ?? 1;
  const maxDurationS = options.maxDurationS ?? 10;
  const targets = options.targets ?? DEFAULT_TARGETS;
  const sources = options.sources ?? [...DEBIAN_SOURCE_NAMES];
  const unknown = sources.filter((s) => !DEBIAN_SOURCE_NAMES.includes(s));
  if (unknown.length > 0) throw new RangeError(`unknown sources: ${unknown.join(', ')} (known: ${DEBIAN_SOURCE_NAMES.join(', ')})`);

  // 1. Items from every source.
  const items: SourceItem[] = [];
  for (const name of sources) {
    const t0 = Date.now();
    let progress: Progress | undefined; // only sources that render (General MIDI) report progress
    const found = await importDebianSource(name, cacheDir, (_done, total) =>
      (progress ??= new Progress(`  ${name}`, total, { unit: 'steps' })).tick(),
    );
    log(`source ${name}: ${found.length} files (${formatDuration((Date.now() - t0) / 1000)})`);
    items.push(...found);
  }
  for (const folder of options.folders ?? []) {
    const found = await importFolder(folder.path, folder.license ? { license: folder.license } : {});
    log(`folder ${folder.path}: ${found.length} audio files`);
    items.push(...found);
  }
  const duplicate = items.find((item, i) => items.findIndex((other) => other.id === item.id) !== i);
  if (duplicate) throw new Error(`two sources produce the clip id ${duplicate.id}`);
  if (items.length === 0) throw new Error('no audio found in the selected sources');

  const pool = new WorkerPool<BuildJob, BuildJobResult>(
    new URL('./worker.ts', import.meta.url),
    options.workers ?? availableParallelism(),
  );
  try {
    // 2. Base clips, resumable.
    const baseJournal = await Journal.open<BaseEntry>(join(outDir, '.build', 'base.jsonl'));
    const todo: SourceItem[] = [];
    for (const item of items) {
      const done = baseJournal.entries.get(item.id);
      // Built clips whose audio is still there are kept; failures are tried again (the cause may be fixed).
      if (done?.clip && (await fileExists(join(outDir, done.clip.audio)))) continue;
      todo.push(item);
    }
    log(`base clips: ${items.length - todo.length} done before, ${todo.length} to build with ${pool.size} workers`);
    const baseProgress = new Progress('base clips', todo.length, { unit: 'clips' });
    await Promise.all(
      todo.map(async (item) => {
        const job: BuildJob = { kind: 'clip', item, outDir, maxDurationS, seed };
        try {
          const clip = (await pool.run(job)) as BuiltClip;
          await baseJournal.add({ id: item.id, clip });
          baseProgress.tick();
        } catch (error) {
          await baseJournal.add({ id: item.id, error: `${(error as Error).name}: ${(error as Error).message}` });
          baseProgress.tick(false);
        }
      }),
    );
    const wanted = new Set(items.map((i) => i.id));
    const base: ClipRecord[] = [];
    const failed: { id: string; error: string }[] = [];
    for (const entry of baseJournal.entries.values()) {
      if (!wanted.has(entry.id)) continue;
      if (entry.clip) base.push({ ...entry.clip, split: 'train', tagClusters: [] });
      else failed.push({ id: entry.id, error: entry.error! });
    }
    base.sort((a, b) => (a.id < b.id ? -1 : 1));

    // 3. Splits by recording, whole categories held out.
    // No held-out category may be bigger than the whole held-out share.
    const heldOutShare = options.heldOutShare ?? 0.05;
    const heldOut = drawHeldOutCategories(base, { seed, share: heldOutShare, maxCategoryShare: heldOutShare });
    const splitSummary = assignSplits(base, {
      seed,
      fractions: options.fractions ?? DEFAULT_FRACTIONS,
      heldOutCategories: heldOut,
    });
    log(
      `splits of ${base.length} base clips: ${SPLITS.map((s) => `${s} ${splitSummary.counts[s]}`).join(', ')}; ` +
        `${heldOut.length} categories held out for test`,
    );

    // 4. Mixtures within each split, resumable (a journaled mixture is reused only if its plan is unchanged).
    const mixJournal = await Journal.open<MixtureEntry>(join(outDir, '.build', 'mixtures.jsonl'));
    const byId = new Map(base.map((r) => [r.id, r]));
    const plans: MixturePlan[] = [];
    for (const split of SPLITS) {
      const ofSplit = base.filter((r) => r.split === split);
      const count = Math.max(0, targets[split] - ofSplit.length);
      if (count > 0 && ofSplit.length >= 2) {
        plans.push(...planMixtures(ofSplit, { count, seed: `${seed}/${split}`, maxDurationS, idPrefix: 'mix' }));
      }
    }
    const mixTodo = [];
    for (const plan of plans) {
      const done = mixJournal.entries.get(plan.id);
      const same = done && JSON.stringify(done.plan) === JSON.stringify(plan);
      if (same && done.record && (await fileExists(join(outDir, done.record.audio)))) continue;
      mixTodo.push(plan);
    }
    log(`mixtures: ${plans.length - mixTodo.length} done before, ${mixTodo.length} to render`);
    const mixProgress = new Progress('mixtures', mixTodo.length, { unit: 'clips' });
    await Promise.all(
      mixTodo.map(async (plan) => {
        const parts = plan.parts.map((p) => byId.get(p.clip)!);
        try {
          const record = (await pool.run({ kind: 'mixture', plan, parts, outDir, seed })) as ClipRecord;
          await mixJournal.add({ id: plan.id, plan, record });
          mixProgress.tick();
        } catch (error) {
          await mixJournal.add({ id: plan.id, plan, error: `${(error as Error).name}: ${(error as Error).message}` });
          mixProgress.tick(false);
        }
      }),
    );
    const mixtures: ClipRecord[] = [];
    for (const plan of plans) {
      const entry = mixJournal.entries.get(plan.id)!;
      if (entry.record) mixtures.push(entry.record);
      else failed.push({ id: plan.id, error: entry.error! });
    }

    // 5. Tag clusters over the whole vocabulary, then the manifest, checked before it is written.
    const records = [...base, ...mixtures];
    const vocabulary = new Set(records.flatMap((r) => r.tags));
    const k = Math.min(options.tagClusters ?? 256, vocabulary.size);
    assignTagClusters(records, clusterTags(vocabulary, k, seed));
    const violations = checkSplitInvariant(records);
    if (violations.length > 0) {
      throw new Error(`split invariant broken for ${violations.length} recordings, e.g. ${JSON.stringify(violations[0])}`);
    }
    const manifest = join(outDir, 'manifest.jsonl');
    await writeManifest(manifest, records);

    const counts = Object.fromEntries(
      SPLITS.map((s) => [
        s,
        { base: base.filter((r) => r.split === s).length, mixtures: mixtures.filter((r) => r.split === s).length },
      ]),
    ) as DataBuildSummary['counts'];
    const seconds = (Date.now() - started) / 1000;
    const report = join(outDir, 'report.html');
    await writeFile(
      report,
      buildReport(records, {
        title: `aurola data build — ${outDir}`,
        facts: {
          'build time (this run)': formatDuration(seconds),
          seed: String(seed),
          sources: [...sources, ...(options.folders ?? []).map((f) => f.path)].join(', '),
          'failed or refused items': failed.length,
          'tag clusters (k)': k,
        },
        heldOutCategories: heldOut,
      }),
    );
    const summary: DataBuildSummary = { manifest, report, counts, heldOutCategories: heldOut, failed, seconds };
    await writeFile(join(outDir, 'build.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    await pool.close();
  }
}
