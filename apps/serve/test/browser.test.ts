/// <reference lib="dom" />
// The page end to end in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): the real server
// on an ephemeral port over a real tiny index; type a query, see results, play one; drop in audio; see an error.
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { launchChromium, type Chromium } from '../scripts/chromium.js';
import { buildServer } from '../src/index.js';
import { makeFixture, type Fixture } from './fixture.js';

let fx: Fixture;
let app: FastifyInstance;
let base: string;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium({ width: 1000, height: 900 });
  fx = await makeFixture();
  app = buildServer({ index: fx.index, searcher: fx.searcher, modelName: fx.backbone.name });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
  base = `http://127.0.0.1:${address.port}`;
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await fx?.close();
});

describe('the search page', () => {
  it('loads with no console errors and no requests to other origins', async () => {
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) problems.push(`request to ${r.url()}`);
    });
    await page.goto(`${base}/`);
    await expect.poll(() => page.textContent('#index-info')).toMatch(/6 clips indexed/);
    expect(await page.getAttribute('#q', 'placeholder')).toMatch(/Describe a sound/);
    expect(problems).toEqual([]);
  });

  it('type a query, see result rows with scores, tags and captions, and play one', async () => {
    await page.fill('#q', 'a steady tone');
    await page.press('#q', 'Enter');
    const rows = page.locator('#results li.result');
    await expect.poll(() => rows.count()).toBe(6);
    await expect.poll(() => page.textContent('#status')).toMatch(/6 results for “a steady tone”/);
    const first = rows.first();
    expect(await first.locator('.score').textContent()).toMatch(/^score -?\d\.\d{3}$/);
    expect(await first.locator('.tags li').count()).toBeGreaterThan(0);
    expect((await first.locator('.caption').textContent())!.length).toBeGreaterThan(3);

    await first.locator('button.play').click();
    await page.waitForFunction(
      () => {
        const audio = document.querySelector<HTMLAudioElement>('#results li.result audio');
        return audio !== null && !audio.paused && audio.currentTime > 0;
      },
      null,
      { timeout: 20_000 },
    );
    const state = await first.evaluate((li) => {
      const audio = li.querySelector('audio')!;
      return { src: audio.currentSrc, paused: audio.paused, pressed: li.querySelector('button.play')!.getAttribute('aria-pressed') };
    });
    expect(state.src).toMatch(/\/v1\/clips\/[^/]+\/audio$/);
    expect(state.paused).toBe(false);
    expect(state.pressed).toBe('true');

    await first.locator('button.play').click();
    await page.waitForFunction(() => document.querySelector<HTMLAudioElement>('#results li.result audio')!.paused);
  });

  it('runs a linked search (/?q=…) on load', async () => {
    await page.goto(`${base}/?q=${encodeURIComponent('a low rumble')}`);
    await expect.poll(() => page.textContent('#status')).toMatch(/6 results for “a low rumble”/);
    expect(await page.inputValue('#q')).toBe('a low rumble');
  });

  it('filters by source and re-ranks on request', async () => {
    await page.fill('#source', 'synth-noise');
    await page.check('#rerank');
    await page.fill('#q', 'white noise');
    await page.press('#q', 'Enter');
    await expect.poll(() => page.textContent('#status')).toMatch(/3 results for “white noise”.*top 20 re-ranked/);
    const metas = await page.locator('#results li.result .meta').allTextContents();
    expect(metas).toHaveLength(3);
    for (const m of metas) expect(m).toMatch(/synth-noise.*p\(yes\) \d\.\d{3}/);
    await page.fill('#source', '');
    await page.uncheck('#rerank');
  });

  it('a dropped-in audio file finds its clip and shows captions for it', async () => {
    await page.setInputFiles('#audio-file', { name: 'clicks.wav', mimeType: 'audio/wav', buffer: Buffer.from(fx.wav.get('noise/clicks')!) });
    await expect.poll(() => page.textContent('#status')).toMatch(/results for clicks\.wav/);
    expect(await page.locator('#results li.result .clip-id').first().textContent()).toBe('noise/clicks');
    expect(await page.isVisible('#captions-section')).toBe(true);
    expect(await page.locator('#captions li').count()).toBeGreaterThan(0);
  });

  it('shows the server’s message when an upload is not audio', async () => {
    await page.setInputFiles('#audio-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some text') });
    await expect.poll(() => page.textContent('#error')).toMatch(/Search failed: .*not audio/);
    expect(await page.isVisible('#error')).toBe(true);
    // and the page still works afterwards
    await page.fill('#q', 'clicks');
    await page.press('#q', 'Enter');
    await expect.poll(() => page.isVisible('#error')).toBe(false);
    await expect.poll(() => page.locator('#results li.result').count()).toBe(6);
  });
});
