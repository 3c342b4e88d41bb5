// The HTML report of a data build: the numbers it tables and plots are checked against counts made here from random
// manifests, its text is escaped, and it stays a well-formed page even for no clips at all.
import { describe, expect, it } from 'vitest';

import { makeRng, pick, shuffle, type Rng } from '../src/annotate/rng.js';
import { SPLITS, type ClipRecord, type Split } from '../src/manifest.js';
import { buildReport } from '../src/report.js';

const SOURCES = ['sonic-pi-samples', 'lmms-common', 'folder:/data/sfx', 'rock & roll', 'mixture'];
const LICENCES = ['CC0-1.0', 'GPL-2.0-or-later', 'CC-BY-4.0'];
const WORDS = ['dog', 'bark', 'rain', 'car', 'door', 'bell', 'piano', 'kick', 'soft', 'loud', 'a', 'the'];
const TAGS = ['dog', 'rain', 'bell', 'piano', 'kick', 'snare', 'car', 'door', 'bird', 'wind', 'speech', 'siren'];
const GAPS = [' ', ' ', ' ', '  ', '\t', '\n', ' \n '];

/** `n` words joined by assorted whitespace (with some at the ends), so its word count is `n` by construction. */
function caption(rng: Rng, n: number): string {
  const words = Array.from({ length: n }, () => pick(rng, WORDS));
  const lead = rng() < 0.2 ? ' ' : '';
  const trail = rng() < 0.2 ? '\n' : '';
  return lead + words.map((w, i) => (i === 0 ? w : pick(rng, GAPS) + w)).join('') + trail;
}

interface Made {
  record: ClipRecord;
  longWords: number;
  shortWords: number;
  distinctTags: number;
}

/** A valid random clip, plus the lengths it was built with. */
function makeClip(rng: Rng, i: number, over: Partial<ClipRecord> = {}, tagPool = TAGS, maxLongWords = 25): Made {
  const longWords = 1 + Math.floor(rng() * maxLongWords);
  const shortWords = 1 + Math.floor(rng() * 6);
  const distinctTags = Math.floor(rng() * Math.min(6, tagPool.length + 1));
  const tags = shuffle(rng, tagPool).slice(0, distinctTags);
  if (tags.length > 0 && rng() < 0.2) tags.push(tags[0]!); // a repeated tag counts once
  const record: ClipRecord = {
    id: `clip-${i}`,
    audio: `audio/${i}.flac`,
    durationS: 0.05 + rng() * 30,
    source: pick(rng, SOURCES),
    license: pick(rng, LICENCES),
    captionLong: caption(rng, longWords),
    captionShort: caption(rng, shortWords),
    tags,
    tagClusters: tags.map(() => Math.floor(rng() * 20)),
    split: pick(rng, SPLITS),
    ...over,
  };
  return { record, longWords, shortWords, distinctTags };
}

const corpus = (seed: number, n: number, tagPool = TAGS, maxLongWords = 25): Made[] => {
  const rng = makeRng(seed);
  return Array.from({ length: n }, (_, i) => makeClip(rng, i, {}, tagPool, maxLongWords));
};

// ----------------------------------------------------------------------------------------------- page reading

const unescape = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

const textOf = (html: string): string => unescape(html.replace(/<[^>]*>/g, '')).trim();

/** The part of the page from `<tag id="id"` to its closing tag (tables and SVGs do not nest in themselves here). */
function element(html: string, tag: string, id: string): string {
  const start = html.indexOf(`<${tag} id="${id}"`);
  expect(start, `no <${tag} id="${id}">`).toBeGreaterThanOrEqual(0);
  const end = html.indexOf(`</${tag}>`, start);
  return html.slice(start, end + tag.length + 3);
}

/** Cell texts of a table's head, body and foot rows. */
function tableRows(html: string, id: string): { head: string[][]; body: string[][]; foot: string[][] } {
  const t = element(html, 'table', id);
  const rows = (part: string): string[][] => {
    const m = new RegExp(`<${part}>([\\s\\S]*?)</${part}>`).exec(t);
    if (!m) return [];
    return [...m[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => textOf(c[1]!)),
    );
  };
  return { head: rows('thead'), body: rows('tbody'), foot: rows('tfoot') };
}

const int = (s: string): number => Number(s.replace(/,/g, ''));

const attrs = (tag: string): Record<string, string> =>
  Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));

/** Attributes of the bars or bins (`<g class="bar|bin" …>`) of one chart, in order. */
function marks(html: string, svgId: string): Record<string, string>[] {
  const svg = element(html, 'svg', svgId);
  return [...svg.matchAll(/<g class="(?:bar|bin)"[^>]*>/g)].map((m) => attrs(m[0]));
}

/** Problems with the page's tag structure: unclosed, stray or misnested tags, or a '<' that starts no tag. */
function structureProblems(html: string): string[] {
  const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);
  const page = html.replace(/^<!DOCTYPE html>/, '').replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  const problems: string[] = [];
  const stack: string[] = [];
  const tagRe = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"<>]*")?)*)\s*(\/?)>/g;
  for (const m of page.matchAll(tagRe)) {
    const [, close, name, , self] = m;
    if (self || VOID.has(name!)) continue;
    if (!close) stack.push(name!);
    else if (stack.pop() !== name) problems.push(`misnested </${name}> at ${m.index}`);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  if (page.replace(tagRe, '').includes('<')) problems.push('a "<" that is not a tag');
  return problems;
}

const splitCounts = (): Record<Split, number> => ({ train: 0, validation: 0, test: 0 });

// ------------------------------------------------------------------------------------------------------ tests

describe('buildReport: clips per source and split', () => {
  it.each([1, 2, 3])('tables clips per source and split, sources by total, and a totals row (seed %i)', (seed) => {
    const records = corpus(seed, 50 + seed * 97).map((m) => m.record);
    const expected = new Map<string, Record<Split, number>>();
    const totals = splitCounts();
    for (const r of records) {
      const c = expected.get(r.source) ?? splitCounts();
      c[r.split] += 1;
      totals[r.split] += 1;
      expected.set(r.source, c);
    }
    const html = buildReport(records);
    const { head, body, foot } = tableRows(html, 'sources-by-split');
    expect(head).toEqual([['source', 'train', 'validation', 'test', 'total']]);
    expect(body.map((r) => r[0]).sort()).toEqual([...expected.keys()].sort());
    for (const [source, ...cells] of body) {
      const c = expected.get(source!)!;
      expect(cells.map(int), source).toEqual([c.train, c.validation, c.test, c.train + c.validation + c.test]);
    }
    const rowTotals = body.map((r) => int(r[4]!));
    expect(rowTotals).toEqual([...rowTotals].sort((a, b) => b - a));
    expect(foot).toEqual([['total', ...[totals.train, totals.validation, totals.test, records.length].map(String)]]);
    // The chart plots the same numbers, one bar per source, one segment per split.
    const bars = marks(html, 'chart-sources');
    expect(bars.map((b) => [b['data-label'], Number(b['data-count'])])).toEqual(body.map((r) => [r[0], int(r[4]!)]));
  });

  it('counts mixtures apart from base clips, per split', () => {
    const records = corpus(7, 300).map((m) => m.record);
    const mix = splitCounts();
    const base = splitCounts();
    for (const r of records) (r.source === 'mixture' ? mix : base)[r.split] += 1;
    const { body } = tableRows(buildReport(records), 'mixtures');
    const row = (c: Record<Split, number>): number[] => [...SPLITS.map((s) => c[s]), c.train + c.validation + c.test];
    expect(body.map((r) => r[0])).toEqual(['base clips', 'mixtures']);
    expect(body.map((r) => r.slice(1).map(int))).toEqual([row(base), row(mix)]);
  });

  it('tables clips and duration per licence, and plots the clips', () => {
    const records = corpus(8, 200).map((m) => m.record);
    const clips = new Map<string, number>();
    for (const r of records) {
      const ids = new Set(r.license.replace(/[()]/g, ' ').split(/\s+(?:AND|OR)\s+/).map((s) => s.trim()));
      for (const id of ids) clips.set(id, (clips.get(id) ?? 0) + 1);
    }
    const html = buildReport(records);
    const { body } = tableRows(html, 'licences');
    expect(new Map(body.map((r) => [r[0]!, int(r[1]!)]))).toEqual(clips);
    expect(marks(html, 'chart-licences').map((b) => Number(b['data-count']))).toEqual(body.map((r) => int(r[1]!)));
  });
});

describe('buildReport: the duration histogram', () => {
  it.each([4, 5, 6])('holds every clip once, each in the bin of its duration (seed %i)', (seed) => {
    const records = corpus(seed, 120 + seed * 50).map((m) => m.record);
    const bins = marks(buildReport(records), 'hist-duration').map((b) => ({
      lo: Number(b['data-lo']),
      hi: Number(b['data-hi']),
      count: Number(b['data-count']),
    }));
    const max = records.reduce((m, r) => Math.max(m, r.durationS), 0);
    expect(bins).toHaveLength(20);
    expect(bins[0]!.lo).toBe(0);
    expect(bins[19]!.hi).toBe(max);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(records.length);
    // Each bin holds exactly the clips in [lo, hi); the last also the longest clip.
    const inBin = (d: number, i: number): boolean => bins[i]!.lo <= d && (d < bins[i]!.hi || (i === 19 && d === max));
    bins.forEach((b, i) => expect(b.count, `bin ${i}`).toBe(records.filter((r) => inBin(r.durationS, i)).length));
    // A chosen clip: its bin is where its duration falls by arithmetic, and holds it.
    const chosen = records[Math.floor(records.length / 3)]!;
    const i = Math.min(19, Math.floor((chosen.durationS / max) * 20));
    expect(inBin(chosen.durationS, i)).toBe(true);
    expect(bins[i]!.count).toBeGreaterThanOrEqual(1);
  });

  it('splits each bin by split', () => {
    const records = corpus(9, 400).map((m) => m.record);
    const svg = element(buildReport(records), 'svg', 'hist-duration');
    const perSplit = splitCounts();
    for (const m of svg.matchAll(/<rect [^>]*>/g)) {
      const a = attrs(m[0]);
      perSplit[a['data-series'] as Split] += Number(a['data-value']);
    }
    const expected = splitCounts();
    for (const r of records) expected[r.split] += 1;
    expect(perSplit).toEqual(expected);
  });
});

describe('buildReport: caption-length histograms', () => {
  const check = (html: string, id: string, values: number[]): void => {
    const bins = marks(html, id).map((b) => ({
      lo: Number(b['data-lo']),
      hi: Number(b['data-hi']),
      count: Number(b['data-count']),
    }));
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(values.length);
    for (const b of bins) {
      expect(Number.isInteger(b.lo) && Number.isInteger(b.hi) && b.hi > b.lo).toBe(true);
      expect(b.count, `${id} [${b.lo}, ${b.hi})`).toBe(values.filter((v) => b.lo <= v && v < b.hi).length);
    }
  };

  it.each([10, 11])('counts words of both captions and tags per clip (seed %i)', (seed) => {
    const made = corpus(seed, 300);
    const html = buildReport(made.map((m) => m.record));
    check(html, 'hist-words-long', made.map((m) => m.longWords));
    check(html, 'hist-words-short', made.map((m) => m.shortWords));
    check(html, 'hist-tags', made.map((m) => m.distinctTags));
    // Ranges of up to 40 values (here at most 25) get one bin per integer, labelled with it.
    for (const id of ['hist-words-long', 'hist-words-short', 'hist-tags']) {
      const bins = marks(html, id);
      expect(bins.every((b) => Number(b['data-hi']) - Number(b['data-lo']) === 1), id).toBe(true);
      expect(bins.map((b) => b['data-label'])).toEqual(bins.map((b) => b['data-lo']));
    }
  });

  it('widens the integer bins when captions are long', () => {
    const made = corpus(12, 200, TAGS, 150);
    const html = buildReport(made.map((m) => m.record));
    check(html, 'hist-words-long', made.map((m) => m.longWords));
    expect(marks(html, 'hist-words-long').length).toBeLessThanOrEqual(40);
  });
});

describe('buildReport: the most frequent tags', () => {
  const pool = Array.from({ length: 60 }, (_, i) => `tag${String(i).padStart(2, '0')}`);

  it.each([
    [13, 5],
    [14, 17],
    [15, 1],
  ])('lists the top N by clips, ties by name (seed %i, N %i)', (seed, n) => {
    // Few clips over many tags, so ties are common.
    const records = corpus(seed, 40, pool.slice(0, 25)).map((m) => m.record);
    const counts = new Map<string, number>();
    for (const r of records) for (const t of new Set(r.tags)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const expected = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([tag, c], i) => [String(i + 1), tag, String(c), `${((100 * c) / records.length).toFixed(1)} %`]);
    const html = buildReport(records, { topTags: n });
    expect(tableRows(html, 'top-tags').body).toEqual(expected);
    expect(marks(html, 'chart-tags').map((b) => [b['data-label'], b['data-count']])).toEqual(
      expected.map((r) => [r[1], r[2]]),
    );
  });

  it('shows 40 tags by default', () => {
    const records = corpus(16, 400, pool).map((m) => m.record);
    expect(new Set(records.flatMap((r) => r.tags)).size).toBeGreaterThan(40);
    const html = buildReport(records);
    expect(tableRows(html, 'top-tags').body).toHaveLength(40);
    expect(marks(html, 'chart-tags')).toHaveLength(40);
  });
});

describe('buildReport: escaping', () => {
  it('escapes text from records and options, and the page has no script', () => {
    const rng = makeRng(17);
    const evil = '<script>alert(1)</script>';
    const records = Array.from({ length: 30 }, (_, i) =>
      makeClip(rng, i, {
        tags: i % 2 ? [evil, 'dog'] : ['dog'],
        source: i % 3 ? 'rock & roll' : 'a "quoted" source',
        license: "it's <b>free</b>",
      }),
    ).map((m) => m.record);
    const html = buildReport(records, {
      title: 'Build <1> & "two"',
      facts: { '<key>': "o'clock & <x>", seed: 1 },
      heldOutCategories: ['<img src=x onerror=alert(1)>', 'dog & cat'],
    });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img|<b>|<key>|<x>|<1>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('rock &amp; roll');
    expect(html).not.toContain('rock & roll');
    expect(html).toContain('a &quot;quoted&quot; source');
    expect(html).toContain('it&#39;s &lt;b&gt;free&lt;/b&gt;');
    expect(html).toContain('<title>Build &lt;1&gt; &amp; &quot;two&quot;</title>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // Escaped text still reads back as the original.
    expect(tableRows(html, 'facts').body).toContainEqual(['<key>', "o'clock & <x>"]);
    expect(marks(html, 'chart-tags').map((b) => b['data-label'])).toContain(evil);
    expect(structureProblems(html)).toEqual([]);
  });
});

describe('buildReport: edge cases', () => {
  it('gives a valid page for no clips, without NaN or Infinity', () => {
    for (const opts of [undefined, { facts: { seed: 1 }, heldOutCategories: ['dog'], topTags: 0 }]) {
      const html = buildReport([], opts);
      expect(html).not.toMatch(/NaN|Infinity|undefined/);
      expect(html).toMatch(/no clips/i);
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(structureProblems(html)).toEqual([]);
      expect(tableRows(html, 'facts').body.slice(0, 4)).toEqual([
        ['clips', '0'],
        ['total duration', '0 h 00 min'],
        ['distinct tags', '0'],
        ['distinct tag clusters', '0'],
      ]);
    }
  });

  it('has no NaN or Infinity for one clip, or for clips without tags', () => {
    const rng = makeRng(18);
    const one = [makeClip(rng, 0).record];
    const tagless = Array.from({ length: 5 }, (_, i) => makeClip(rng, i, { tags: [], tagClusters: [], durationS: 2 }));
    for (const records of [one, tagless.map((m) => m.record)]) {
      const html = buildReport(records);
      expect(html).not.toMatch(/NaN|Infinity|undefined/);
      expect(structureProblems(html)).toEqual([]);
      expect(marks(html, 'hist-duration').reduce((s, b) => s + Number(b['data-count']), 0)).toBe(records.length);
    }
  });
});

describe('buildReport: the page', () => {
  it('is well-formed and self-contained, with the sections in order', () => {
    const records = corpus(19, 500).map((m) => m.record);
    const opts = { title: 'Corpus v1', facts: { 'build time': '41 min' }, heldOutCategories: ['dog'] };
    const html = buildReport(records, opts);
    expect(structureProblems(html)).toEqual([]);
    const count = (re: RegExp): number => (html.match(re) ?? []).length;
    expect(count(/<svg[\s>]/g)).toBe(7);
    expect(count(/<\/svg>/g)).toBe(7);
    expect(count(/<table[\s>]/g)).toBe(5);
    expect(count(/<\/table>/g)).toBe(5);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    // Nothing fetched from elsewhere: no script, stylesheet link, image, font or url().
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(|@font-face/i);
    const headings = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual([
      'Clips per source and split',
      'Clips and duration per licence (a mixture counts under each licence of its parts)',
      'Clip durations',
      'Caption lengths',
      'The 12 most frequent tags',
      'Held-out categories',
      'Mixtures and base clips',
    ]);
    expect(tableRows(html, 'facts').body).toContainEqual(['build time', '41 min']);
    const hours = records.reduce((s, r) => s + r.durationS, 0) / 3600;
    const [, h, m] = /^(\d+) h (\d+) min$/.exec(tableRows(html, 'facts').body[1]![1]!)!;
    expect(Math.abs(Number(h) + Number(m) / 60 - hours)).toBeLessThanOrEqual(1 / 120 + 1e-9);
  });

  it('labels the axes of every chart with ticks', () => {
    const html = buildReport(corpus(20, 100).map((m) => m.record));
    for (const id of ['chart-sources', 'chart-licences', 'hist-duration', 'hist-words-long', 'chart-tags']) {
      const svg = element(html, 'svg', id).replace(/<g class="(?:bar|bin)"[\s\S]*?<\/g>/g, '');
      const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
      expect(labels.filter((l) => /^[\d,.]+$/.test(l)).length, id).toBeGreaterThanOrEqual(3);
      expect(labels, id).toContain('0');
    }
  });
});
