// What every importer produces: one audio file of a source with what is known about it, before decoding. The
// clip builder (../build/clip.ts) turns an item into a manifest record: it decodes, measures and captions it.

export interface SourceItem {
  /** Unique across all sources, '/'-separated and filesystem-safe: `<source>/<name>`, e.g. 'sonic-pi-samples/bd_boom'. */
  id: string;
  /** Absolute path of the audio file. */
  file: string;
  /** The manifest `source`, e.g. 'sonic-pi-samples' or 'folder:/data/sfx'. */
  source: string;
  /** SPDX-style licence of the recording. */
  license: string;
  /** Raw names for tagsFromLabels: the file stem, then folders, most specific first. */
  labels: string[];
  /** Tags given by the source (a sidecar), put before the tags read from the labels. */
  tags?: string[];
  /** The exact words spoken (speech prompts). */
  transcript?: string;
  /** Captions people wrote (sidecars, a bracketed description in a prompt list). */
  humanCaptions?: string[];
  /** The recording the file was cut from, when several items share one (e.g. notes of one instrument render). */
  recording?: string;
}

/** A file-system-safe id piece: lower-case letters, digits, '-', '_' and '.', nothing else. */
export function idPiece(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '');
}
