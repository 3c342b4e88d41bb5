// Queries over the hypernym taxonomy (vocabulary/terms.ts).
import { HYPERNYMS, TERM_CLASSES, type SoundClass } from './vocabulary/terms.js';

export const isTerm = (word: string): boolean => Object.hasOwn(HYPERNYMS, word);

const ancestorCache = new Map<string, readonly string[]>();

/**
 * The broader terms of a term, nearest first (breadth-first, each once): "kick drum" → bass drum, drum,
 * percussion. Empty for roots and for words outside the taxonomy.
 */
export function hypernymsOf(term: string): readonly string[] {
  const cached = ancestorCache.get(term);
  if (cached) return cached;
  const out: string[] = [];
  const seen = new Set([term]);
  for (let level = HYPERNYMS[term] ?? []; level.length > 0; ) {
    const next: string[] = [];
    for (const parent of level) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      out.push(parent);
      next.push(...(HYPERNYMS[parent] ?? []));
    }
    level = next;
  }
  ancestorCache.set(term, out);
  return out;
}

/** The class of the nearest classed ancestor-or-self, or undefined for words outside the taxonomy. */
export function soundClassOf(term: string): SoundClass | undefined {
  for (const t of [term, ...hypernymsOf(term)]) {
    const cls = TERM_CLASSES[t];
    if (cls) return cls;
  }
  return undefined;
}

/** Whether `term` is `ancestor` or descends from it. */
export const isA = (term: string, ancestor: string): boolean =>
  term === ancestor || hypernymsOf(term).includes(ancestor);
