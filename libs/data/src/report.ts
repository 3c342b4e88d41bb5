// The HTML report of a data build: one self-contained page (inline CSS, inline SVG drawn here, no scripts, no
// external resources) that summarises a manifest, so a build can be reviewed at a glance and archived beside it.
// Every bar and bin carries data-label / data-count, so tests and scripts read plotted values without geometry.
import { SPLITS, type ClipRecord, type Split } from './manifest.js';

export interface ReportOptions {
  /** Page title; default 'Data build report'. */
  title?: string;
  /** Build facts shown in a table: e.g. { 'build time': '41 min', seed: 1 } */
  facts?: Record<string, string | number>;
  /** Categories held out of training, listed in their own section when given. */
  heldOutCategories?: string[];
  /** How many of the most frequent tags to show; default 40. */
  topTags?: number;
}

/** The `source` of mixed clips. */
const MIXTURE_SOURCE = 'mixture';
const DURATION_BINS = 20;
/** Integer histograms widen their bins past this many, so a long caption cannot make hundreds of slivers. */
const MAX_INTEGER_BINS = 40;
const DEFAULT_TOP_TAGS = 40;
const SPLIT_COLOURS: Record<Split, string> = { train: '#4e79a7', validation: '#f28e2b', test: '#59a14f' };
const CLIPS_COLOURS = { clips: '#4e79a7' };
/** Chart labels longer than this are cut (the full text stays in the tooltip and data-label). */
const MAX_LABEL_CHARS = 32;
const CHAR_W = 7; // rough width of a 12px character, for sizing label margins

/** Builds the report page for a set of clips. */
export function buildReport(records: readonly ClipRecord[], opts: ReportOptions = {}): string {
  const title = opts.title ?? 'Data build report';
  const parts = [`<h1>${esc(title)}</h1>`, factsSection(records, opts.facts ?? {})];
  if (records.length === 0) parts.push('<p class="empty">This build has no clips.</p>');
  else
    parts.push(
      sourcesSection(records),
      licencesSection(records),
      durationSection(records),
      captionSection(records),
      tagsSection(records, topTagCount(opts.topTags)),
    );
  if (opts.heldOutCategories) parts.push(heldOutSection(opts.heldOutCategories));
  if (records.length > 0) parts.push(mixturesSection(records));
  return page(title, parts.join('\n'));
}

// ---------------------------------------------------------------------------------------------------- sections

function factsSection(records: readonly ClipRecord[], facts: Record<string, string | number>): string {
  const rows: Cell[][] = [
    ['clips', records.length],
    ['total duration', formatHoursMinutes(sumOf(records.map((r) => r.durationS)))],
    ['distinct tags', new Set(records.flatMap((r) => r.tags)).size],
    ['distinct tag clusters', new Set(records.flatMap((r) => r.tagClusters)).size],
    ...Object.entries(facts).map(([k, v]): Cell[] => [k, String(v)]),
  ];
  return table({ id: 'facts', rows });
}

function sourcesSection(records: readonly ClipRecord[]): string {
  const sorted = [...countBySplit(records, (r) => r.source)].sort(byTotalThenName);
  const rows = sorted.map(([source, c]) => splitRow(source, c));
  const bars = sorted.map(([label, c]) => ({ label, segments: SPLITS.map((s) => ({ series: s, value: c[s] })) }));
  const title = 'Clips per source and split';
  return section(title, [
    table({ id: 'sources-by-split', head: ['source', ...SPLITS, 'total'], rows, foot: totalsRow(records) }),
    barChart(bars, { id: 'chart-sources', title, xLabel: 'clips', colours: SPLIT_COLOURS }),
    legend(SPLIT_COLOURS),
  ]);
}

/** The licence identifiers an SPDX-style expression names ("(MIT OR Apache-2.0) AND CC0-1.0" → three). */
function licencesIn(expression: string): string[] {
  const ids = expression.split(/\s+(?:AND|OR|WITH)\s+|[()]/).map((id) => id.trim());
  return [...new Set(ids.filter((id) => id !== ''))];
}

// Per licence identifier rather than per expression: mixtures combine their parts' licences into many distinct
// expressions, and what a user needs to know is how much of the corpus each licence touches.
function licencesSection(records: readonly ClipRecord[]): string {
  const byLicence = new Map<string, { clips: number; seconds: number }>();
  for (const r of records) {
    for (const licence of licencesIn(r.license)) {
      const e = byLicence.get(licence) ?? { clips: 0, seconds: 0 };
      e.clips++;
      e.seconds += r.durationS;
      byLicence.set(licence, e);
    }
  }
  const sorted = [...byLicence].sort((a, b) => b[1].clips - a[1].clips || compareNames(a[0], b[0]));
  const rows = sorted.map(([l, e]): Cell[] => [l, e.clips, num(formatHoursMinutes(e.seconds))]);
  const bars = sorted.map(([l, e]) => ({
    label: l,
    segments: [{ series: 'clips', value: e.clips }],
    note: `${formatInt(e.clips)} · ${formatHoursMinutes(e.seconds)}`,
  }));
  return section('Clips and duration per licence (a mixture counts under each licence of its parts)', [
    table({ id: 'licences', head: ['licence', 'clips', 'duration'], rows }),
    barChart(bars, { id: 'chart-licences', title: 'Clips per licence', xLabel: 'clips', colours: CLIPS_COLOURS }),
  ]);
}

function durationSection(records: readonly ClipRecord[]): string {
  const { bins, edges } = durationBins(records);
  const digits = edgeDigits(edges[1]! - edges[0]!);
  const ticks = edges.map((e, i) => ({ at: i, label: e.toFixed(digits) }));
  const title = 'Clip durations';
  return section(title, [
    histogram(bins, ticks, { id: 'hist-duration', title, xLabel: 'duration (s)', colours: SPLIT_COLOURS }),
    legend(SPLIT_COLOURS),
  ]);
}

function captionSection(records: readonly ClipRecord[]): string {
  const plot = (id: string, title: string, xLabel: string, values: number[]): string => {
    const bins = integerBins(values);
    const ticks = bins.map((b, i) => ({ at: i + 0.5, label: b.label }));
    return `<h3>${esc(title)}</h3>\n` + histogram(bins, ticks, { id, title, xLabel, colours: CLIPS_COLOURS });
  };
  return section('Caption lengths', [
    plot('hist-words-long', 'Words in the long caption', 'words', records.map((r) => wordCount(r.captionLong))),
    plot('hist-words-short', 'Words in the short caption', 'words', records.map((r) => wordCount(r.captionShort))),
    plot('hist-tags', 'Tags per clip', 'distinct tags', records.map((r) => new Set(r.tags).size)),
  ]);
}

function tagsSection(records: readonly ClipRecord[], n: number): string {
  const top = tagCounts(records).slice(0, n);
  const rows = top.map(([tag, c], i): Cell[] => [i + 1, tag, c, num(formatShare(c, records.length))]);
  const bars = top.map(([tag, c]) => ({ label: tag, segments: [{ series: 'clips', value: c }] }));
  return section(`The ${formatInt(top.length)} most frequent tags`, [
    table({ id: 'top-tags', head: ['rank', 'tag', 'clips', 'share of clips'], rows, rowHeader: 1 }),
    barChart(bars, { id: 'chart-tags', title: 'Clips per tag', xLabel: 'clips', colours: CLIPS_COLOURS }),
  ]);
}

function heldOutSection(categories: readonly string[]): string {
  const body =
    categories.length === 0
      ? '<p class="empty">None.</p>'
      : `<ul id="held-out">${categories.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`;
  return section('Held-out categories', [body]);
}

function mixturesSection(records: readonly ClipRecord[]): string {
  const counts = countBySplit(records, (r) => (r.source === MIXTURE_SOURCE ? 'mixtures' : 'base clips'));
  const row = (name: string): Cell[] => splitRow(name, counts.get(name) ?? { train: 0, validation: 0, test: 0 });
  const rows = [row('base clips'), row('mixtures')];
  return section('Mixtures and base clips', [
    table({ id: 'mixtures', head: ['', ...SPLITS, 'total'], rows, foot: totalsRow(records) }),
  ]);
}

// -------------------------------------------------------------------------------------------------- statistics

type SplitCounts = Record<Split, number>;

function countBySplit(records: readonly ClipRecord[], key: (r: ClipRecord) => string): Map<string, SplitCounts> {
  const out = new Map<string, SplitCounts>();
  for (const r of records) {
    const k = key(r);
    const c = out.get(k) ?? { train: 0, validation: 0, test: 0 };
    c[r.split]++;
    out.set(k, c);
  }
  return out;
}

const total = (c: SplitCounts): number => c.train + c.validation + c.test;
const splitRow = (name: string, c: SplitCounts): Cell[] => [name, ...SPLITS.map((s) => c[s]), total(c)];
const totalsRow = (records: readonly ClipRecord[]): Cell[] =>
  splitRow('total', countBySplit(records, () => 'total').get('total')!);
const byTotalThenName = (a: [string, SplitCounts], b: [string, SplitCounts]): number =>
  total(b[1]) - total(a[1]) || compareNames(a[0], b[0]);

/** Code-unit order, so the ranking does not depend on the machine's locale. */
const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Clips per tag (a tag listed twice by one clip counts once), most frequent first, ties by name. */
function tagCounts(records: readonly ClipRecord[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of records) for (const t of new Set(r.tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || compareNames(a[0], b[0]));
}

const wordCount = (s: string): number => s.split(/\s+/).filter((w) => w !== '').length;

/** DURATION_BINS equal bins from 0 to the longest clip, per split; the longest clip falls in the last bin. */
function durationBins(records: readonly ClipRecord[]): { bins: Bin[]; edges: number[] } {
  const max = maxOf(records.map((r) => r.durationS));
  const edges = Array.from({ length: DURATION_BINS + 1 }, (_, i) => (max * i) / DURATION_BINS);
  const counts = Array.from({ length: DURATION_BINS }, () => ({ train: 0, validation: 0, test: 0 }));
  for (const r of records) counts[binOf(r.durationS, edges)]![r.split]++;
  const digits = edgeDigits(max / DURATION_BINS);
  const bins = counts.map((c, i) => ({
    lo: edges[i]!,
    hi: edges[i + 1]!,
    label: `${edges[i]!.toFixed(digits)}–${edges[i + 1]!.toFixed(digits)} s`,
    segments: SPLITS.map((s) => ({ series: s, value: c[s] })),
  }));
  return { bins, edges };
}

/** The bin [edges[i], edges[i+1]) holding v (the last bin is closed); checked against the edges themselves so the
 * bin agrees with the data-lo / data-hi printed, whatever the rounding of v / max. */
function binOf(v: number, edges: readonly number[]): number {
  const n = edges.length - 1;
  const max = edges[n]!;
  let i = max > 0 ? Math.min(n - 1, Math.max(0, Math.floor((v / max) * n))) : 0;
  while (i > 0 && v < edges[i]!) i--;
  while (i < n - 1 && v >= edges[i + 1]!) i++;
  return i;
}

/** Integer bins [lo, hi) from the smallest value to the largest, one integer wide unless that makes too many. */
function integerBins(values: readonly number[]): Bin[] {
  if (values.length === 0) return [];
  const min = minOf(values);
  const max = maxOf(values);
  const width = Math.max(1, Math.ceil((max - min + 1) / MAX_INTEGER_BINS));
  const counts = new Array<number>(Math.floor((max - min) / width) + 1).fill(0);
  for (const v of values) counts[Math.floor((v - min) / width)]!++;
  return counts.map((c, i) => {
    const lo = min + i * width;
    return {
      lo,
      hi: lo + width,
      label: width === 1 ? String(lo) : `${lo}–${lo + width - 1}`,
      segments: [{ series: 'clips', value: c }],
    };
  });
}

/** Decimals for bin edges of a given width: enough to tell neighbouring edges apart. */
const edgeDigits = (width: number): number =>
  width >= 10 || !(width > 0) ? 0 : Math.min(4, Math.max(0, Math.ceil(-Math.log10(width))) + 1);

// Loops, not Math.max(...xs): a manifest of a few hundred thousand clips would overflow the argument list.
const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const maxOf = (xs: readonly number[]): number => xs.reduce((a, b) => (b > a ? b : a), xs.length ? xs[0]! : 0);
const minOf = (xs: readonly number[]): number => xs.reduce((a, b) => (b < a ? b : a), xs.length ? xs[0]! : 0);

const topTagCount = (n: number | undefined): number =>
  n === undefined || !Number.isFinite(n) ? DEFAULT_TOP_TAGS : Math.max(0, Math.floor(n));

// ------------------------------------------------------------------------------------------------- formatting

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);
}

const formatInt = (n: number): string => n.toLocaleString('en-US');

function formatHoursMinutes(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes === 0 && seconds > 0) return `${seconds.toFixed(1)} s`; // "0 h 00 min" would hide a short build
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

const formatShare = (part: number, whole: number): string =>
  whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '–';

/** SVG coordinates with one decimal, which keeps the page small. */
const px = (v: number): string => String(Math.round(v * 10) / 10);

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

// ----------------------------------------------------------------------------------------------------- tables

/** A table cell: a number (right-aligned, grouped), text, or pre-formatted numeric text (right-aligned). */
type Cell = string | number | { num: string };
const num = (text: string): Cell => ({ num: text });

interface TableSpec {
  id: string;
  head?: string[];
  rows: Cell[][];
  foot?: Cell[];
  /** Index of the cell that names the row (a <th>); default 0. */
  rowHeader?: number;
}

function table(spec: TableSpec): string {
  const h = spec.rowHeader ?? 0;
  const row = (cells: Cell[]): string => `<tr>${cells.map((c, i) => cell(c, i === h)).join('')}</tr>`;
  const headCells = (spec.head ?? []).map((t) => `<th scope="col">${esc(t)}</th>`).join('');
  const head = spec.head ? `<thead><tr>${headCells}</tr></thead>` : '';
  const foot = spec.foot ? `<tfoot>${row(spec.foot)}</tfoot>` : '';
  return `<table id="${esc(spec.id)}">${head}<tbody>${spec.rows.map(row).join('')}</tbody>${foot}</table>`;
}

function cell(c: Cell, header: boolean): string {
  const tag = header ? 'th' : 'td';
  const scope = header ? ' scope="row"' : '';
  if (typeof c === 'number') return `<${tag}${scope} class="num">${formatInt(c)}</${tag}>`;
  if (typeof c === 'object') return `<${tag}${scope} class="num">${esc(c.num)}</${tag}>`;
  return `<${tag}${scope}>${esc(c)}</${tag}>`;
}

// ----------------------------------------------------------------------------------------------------- charts

interface Segment {
  series: string;
  value: number;
}
interface Bar {
  label: string;
  segments: Segment[];
  /** Text after the bar; default the bar's total. */
  note?: string;
}
interface Bin extends Bar {
  lo: number;
  hi: number;
}
interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  colours: Record<string, string>;
}
/** An x-axis tick of a histogram: `at` counts bins from the left edge (0.5 is the middle of the first bin). */
interface Tick {
  at: number;
  label: string;
}

const barTotal = (b: Bar): number => sumOf(b.segments.map((s) => s.value));

/** Tick values 0, step, …, ≥ max with a 1-2-5 step of at least 1 (counts are whole). */
function countTicks(max: number): number[] {
  const raw = Math.max(1, max) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = Math.max(1, (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag);
  const n = Math.max(1, Math.ceil(max / step));
  return Array.from({ length: n + 1 }, (_, i) => i * step);
}

/** The tooltip of a bar or bin: its label, total and, when stacked, each series. */
function tooltip(b: Bar): string {
  const series = b.segments.map((s) => `${s.series} ${formatInt(s.value)}`).join(', ');
  const parts = b.segments.length > 1 ? ` (${series})` : '';
  return `<title>${esc(b.label)}: ${formatInt(barTotal(b))}${parts}</title>`;
}

/** Horizontal bars, stacked by series, labelled on the left, a count axis below. */
function barChart(bars: readonly Bar[], spec: ChartSpec): string {
  if (bars.length === 0) return '<p class="empty">Nothing to plot.</p>';
  const ticks = countTicks(maxOf(bars.map(barTotal)));
  const top = ticks[ticks.length - 1]!;
  const labelW = Math.min(MAX_LABEL_CHARS * CHAR_W, Math.max(60, maxOf(bars.map((b) => b.label.length)) * CHAR_W)) + 12;
  const [W, rowH, padTop, padRight, axisH] = [760, 22, 8, 130, 40];
  const plotW = W - labelW - padRight;
  const plotBottom = padTop + bars.length * rowH;
  const H = plotBottom + axisH;
  const x = (v: number): number => labelW + (v / top) * plotW;
  const out = [svgOpen(spec, W, H)];
  for (const t of ticks) {
    out.push(`<line class="grid" x1="${px(x(t))}" x2="${px(x(t))}" y1="${padTop}" y2="${plotBottom}"/>`);
    out.push(`<text x="${px(x(t))}" y="${plotBottom + 16}" text-anchor="middle">${formatInt(t)}</text>`);
  }
  out.push(`<line class="axis" x1="${labelW}" x2="${labelW}" y1="${padTop}" y2="${plotBottom}"/>`);
  out.push(`<line class="axis" x1="${labelW}" x2="${px(x(top))}" y1="${plotBottom}" y2="${plotBottom}"/>`);
  out.push(`<text x="${px(labelW + plotW / 2)}" y="${H - 4}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  bars.forEach((b, i) => out.push(bar(b, { y0: padTop + i * rowH, rowH, labelW, x, colours: spec.colours })));
  out.push('</svg>');
  return out.join('\n');
}

interface BarLayout {
  y0: number;
  rowH: number;
  labelW: number;
  x: (v: number) => number;
  colours: Record<string, string>;
}

function bar(b: Bar, { y0, rowH, labelW, x, colours }: BarLayout): string {
  const [y, h] = [y0 + 3, rowH - 6];
  const label = esc(truncate(b.label, MAX_LABEL_CHARS));
  const out = [`<g class="bar" data-label="${esc(b.label)}" data-count="${barTotal(b)}">`, tooltip(b)];
  out.push(`<text x="${labelW - 6}" y="${px(y + h / 2 + 4)}" text-anchor="end">${label}</text>`);
  let acc = 0;
  for (const s of b.segments) {
    if (s.value > 0) out.push(segmentRect(s, x(acc), y, x(acc + s.value) - x(acc), h, colours));
    acc += s.value;
  }
  const note = b.note ?? formatInt(acc);
  out.push(`<text class="note" x="${px(x(acc) + 4)}" y="${px(y + h / 2 + 4)}">${esc(note)}</text>`);
  out.push('</g>');
  return out.join('');
}

function segmentRect(s: Segment, x: number, y: number, w: number, h: number, colours: Record<string, string>): string {
  const fill = colours[s.series] ?? '#888';
  const data = `data-series="${esc(s.series)}" data-value="${s.value}"`;
  return `<rect ${data} x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${px(h)}" fill="${fill}"/>`;
}

/** Vertical bins, stacked by series, a count axis on the left and the given ticks below. */
function histogram(bins: readonly Bin[], ticks: readonly Tick[], spec: ChartSpec): string {
  if (bins.length === 0) return '<p class="empty">Nothing to plot.</p>';
  const [W, H, left, right, top, bottom] = [760, 260, 56, 16, 10, 46];
  const [plotW, plotH] = [W - left - right, H - top - bottom];
  const bw = plotW / bins.length;
  const yTicks = countTicks(maxOf(bins.map(barTotal)));
  const yMax = yTicks[yTicks.length - 1]!;
  const y = (v: number): number => top + plotH - (v / yMax) * plotH;
  const out = [svgOpen(spec, W, H)];
  for (const t of yTicks) {
    out.push(`<line class="grid" x1="${left}" x2="${left + plotW}" y1="${px(y(t))}" y2="${px(y(t))}"/>`);
    out.push(`<text x="${left - 6}" y="${px(y(t) + 4)}" text-anchor="end">${formatInt(t)}</text>`);
  }
  bins.forEach((b, i) => out.push(bin(b, left + i * bw, bw, y, spec.colours)));
  for (const t of thinTicks(ticks, bw, 44)) {
    const tx = px(left + t.at * bw);
    out.push(`<line class="axis" x1="${tx}" x2="${tx}" y1="${top + plotH}" y2="${top + plotH + 4}"/>`);
    out.push(`<text x="${tx}" y="${top + plotH + 17}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  out.push(`<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}"/>`);
  out.push(`<line class="axis" x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}"/>`);
  out.push(`<text x="${px(left + plotW / 2)}" y="${H - 6}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${px(top + plotH / 2)}) rotate(-90)" text-anchor="middle">clips</text>`);
  out.push('</svg>');
  return out.join('\n');
}

function bin(b: Bin, x0: number, bw: number, y: (v: number) => number, colours: Record<string, string>): string {
  const attrs = `data-label="${esc(b.label)}" data-count="${barTotal(b)}" data-lo="${b.lo}" data-hi="${b.hi}"`;
  const out = [`<g class="bin" ${attrs}>`, tooltip(b)];
  const w = Math.max(0.5, bw - 1); // a pixel of gap keeps neighbouring bins apart
  let acc = 0;
  for (const s of b.segments) {
    if (s.value > 0) out.push(segmentRect(s, x0 + 0.5, y(acc + s.value), w, y(acc) - y(acc + s.value), colours));
    acc += s.value;
  }
  out.push('</g>');
  return out.join('');
}

/** Keeps ticks at least minGap pixels apart, so dense axes stay readable. */
function thinTicks(ticks: readonly Tick[], bw: number, minGap: number): Tick[] {
  const out: Tick[] = [];
  for (const t of ticks) {
    const last = out[out.length - 1];
    if (!last || (t.at - last.at) * bw >= minGap) out.push(t);
  }
  return out;
}

function svgOpen(spec: ChartSpec, w: number, h: number): string {
  const title = `${spec.id}-title`;
  return (
    `<svg id="${esc(spec.id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" ` +
    `role="img" aria-labelledby="${esc(title)}"><title id="${esc(title)}">${esc(spec.title)}</title>`
  );
}

function legend(colours: Record<string, string>): string {
  const items = Object.entries(colours).map(([name, c]) => `<span><i style="background:${c}"></i>${esc(name)}</span>`);
  return `<div class="legend">${items.join('')}</div>`;
}

// ------------------------------------------------------------------------------------------------------- page

function section(title: string, body: string[]): string {
  return `<section>\n<h2>${esc(title)}</h2>\n${body.join('\n')}\n</section>`;
}

const CSS = `
body { margin: 0; background: #f6f6f4; color: #222; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.6em; }
h2 { font-size: 1.3em; margin: 2em 0 0.6em; padding-bottom: 0.2em; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05em; margin: 1.4em 0 0.3em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 14px; }
th, td { padding: 4px 10px; border: 1px solid #ddd; text-align: left; }
thead th, tfoot th, tfoot td { background: #f3f3f1; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
svg { display: block; max-width: 100%; height: auto; margin: 0.6em 0; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
svg .note { fill: #666; }
.grid { stroke: #eee; }
.axis { stroke: #888; }
.legend { font-size: 13px; }
.legend span { margin-right: 1.2em; }
.legend i { display: inline-block; width: 0.9em; height: 0.9em; margin-right: 0.35em; vertical-align: -0.1em; }
.empty { color: #666; font-style: italic; }
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
