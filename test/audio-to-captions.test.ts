// Across packages: descriptors measured by @aurola/audio on synthetic sounds turn into the right words and
// captions in @aurola/data (the built packages, as a user's service would combine them).
import { describe, expect, it } from 'vitest';

import { describeAudio } from '@aurola/audio';
import { describeInWords, makeRng, RuleCaptioner } from '@aurola/data';

const SR = 16000;

describe('audio descriptors → words → captions', () => {
  it('a steady click train reads as rhythmic; a held low tone as tonal and low-pitched', () => {
    const beats = 6 + Math.floor(Math.random() * 4);
    const clicks = new Float32Array(4 * SR);
    for (let i = 0; i < beats; i++) clicks[Math.round((0.2 + 0.4 * i) * SR)] = 0.9;
    const clickWords = describeInWords(describeAudio(clicks, SR)).items.map((w) => w.adjective);
    expect(clickWords).toContain('rhythmic');

    const f = 80 + Math.random() * 40;
    const hum = new Float32Array(3 * SR).map((_, i) => 0.3 * Math.sin((2 * Math.PI * f * i) / SR));
    const humWords = describeInWords(describeAudio(hum, SR)).items.map((w) => w.adjective);
    expect(humWords).toContain('tonal');
    expect(humWords).toContain('low-pitched');
    expect(humWords).not.toContain('rhythmic');

    const captions = new RuleCaptioner().caption(
      { tags: ['drum', 'percussion'], words: describeInWords(describeAudio(clicks, SR)), source: 'test' },
      makeRng(beats),
    );
    expect(captions.captionLong).toMatch(/drum|percussion/i);
    expect(captions.tags).toContain('drum');
  });
});
