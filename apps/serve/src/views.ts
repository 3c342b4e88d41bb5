// What a client sees of a clip: its metadata and the URL of its audio — never its path on the server's disk.
import type { ClipRecord } from './deps.js';

export interface ClipView {
  id: string;
  durationS: number;
  source: string;
  license: string;
  captions: string[];
  tags: string[];
  contentHash: string;
  audioUrl: string;
}

export function audioUrl(id: string): string {
  return `/v1/clips/${encodeURIComponent(id)}/audio`;
}

export function clipView(clip: ClipRecord): ClipView {
  return {
    id: clip.id,
    durationS: clip.durationS,
    source: clip.source,
    license: clip.license,
    captions: clip.captions,
    tags: clip.tags,
    contentHash: clip.contentHash,
    audioUrl: audioUrl(clip.id),
  };
}
