// The curves of a training run as standalone SVG files, drawn from the stages' log.jsonl: the loss of every stage
// (a running mean, since single steps are noisy) and the validation recall measured during training, both against
// the run's overall step so that the stages follow one another left to right.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Series {
  name: string;
  points: [x: number, y: number][];
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Vertical markers (stage boundaries). */
  markers?: readonly { x: number; label: string }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 720;
const H = 360;
const PAD = { left: 60, right: 150, top: 34, bottom: 44 };

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v: number) => (Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/** An SVG line chart (no scripts, no external resources). */
export function lineChartSvg(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError(`${chart.title}: no points to plot`);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yMin = Math.min(...ys);
  const [y0, y1] = [yMin >= 0 ? 0 : yMin, Math.max(...ys)];
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${chart.title}</text>`,
  ];
  for (const t of ticks(y0, y1)) {
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${sy(t)}" y2="${sy(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1, 8)) out.push(`<text x="${sx(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  for (const m of chart.markers ?? []) {
    out.push(`<line x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#999" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${sx(m.x) + 4}" y="${PAD.top + 10}" fill="#666">${m.label}</text>`);
  }
  out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="black"/>`);
  out.push(`<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="black"/>`);
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 8}" text-anchor="middle">${chart.xLabel}</text>`);
  out.push(`<text transform="translate(14 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${chart.yLabel}</text>`);
  chart.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${path}"/>`);
    if (s.points.length <= 40) for (const [x, y] of s.points) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    const ly = PAD.top + 14 + i * 16;
    out.push(`<line x1="${W - PAD.right + 10}" x2="${W - PAD.right + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${W - PAD.right + 32}" y="${ly}">${s.name}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The mean of the last `window` values at every point. */
export function runningMean(values: readonly number[], window: number): number[] {
  let sum = 0;
  return values.map((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window]!;
    return sum / Math.min(i + 1, window);
  });
}

interface LogLine {
  step: number;
  loss?: number;
  validation?: Record<string, number>;
}

async function readLog(file: string): Promise<LogLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  // A resumed stage logs again the steps after its last checkpoint: the later line of a step wins.
  const losses = new Map<number, LogLine>();
  const validations = new Map<number, LogLine>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as LogLine;
    (parsed.validation ? validations : losses).set(parsed.step, parsed);
  }
  return [...losses.values(), ...validations.values()].sort((a, b) => a.step - b.step);
}

/** Writes <runDir>/plots/{loss,validation}.svg from the logs of the stages run so far; returns the files written. */
export async function writeTrainingPlots(runDir: string, stages: readonly string[] = ['text', 'retrieval', 'rerank']): Promise<string[]> {
  const losses: Series[] = [];
  const recall = new Map<string, Series>();
  const markers: { x: number; label: string }[] = [];
  let offset = 0;
  for (const stage of stages) {
    const lines = await readLog(join(runDir, stage, 'log.jsonl'));
    if (lines.length === 0) continue;
    markers.push({ x: offset, label: stage });
    const steps = lines.filter((l) => l.loss !== undefined);
    const mean = runningMean(steps.map((l) => l.loss!), 20);
    losses.push({ name: `${stage} loss`, points: steps.map((l, i) => [offset + l.step, mean[i]!]) });
    for (const l of lines) {
      for (const [metric, value] of Object.entries(l.validation ?? {})) {
        let series = recall.get(metric);
        if (!series) recall.set(metric, (series = { name: metric, points: [] }));
        series.points.push([offset + l.step, value]);
      }
    }
    offset += Math.max(0, ...lines.map((l) => l.step));
  }
  const dir = join(runDir, 'plots');
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  if (losses.length > 0) {
    const file = join(dir, 'loss.svg');
    await writeFile(file, lineChartSvg({ title: 'Training loss (running mean of 20 steps)', xLabel: 'step (stages in order)', yLabel: 'loss', series: losses, markers }));
    written.push(file);
  }
  if (recall.size > 0) {
    const file = join(dir, 'validation.svg');
    await writeFile(file, lineChartSvg({ title: 'Validation recall during training', xLabel: 'step (stages in order)', yLabel: 'recall', series: [...recall.values()], markers }));
    written.push(file);
  }
  return written;
}
