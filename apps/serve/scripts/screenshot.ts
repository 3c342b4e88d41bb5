// The README's screenshot of the page: a text query against a running server (`npm start` serves the demo library
// with aurola-mini), captured in headless Chromium once its results are shown.
//   npm run screenshot -w @aurola/serve -- [--url http://127.0.0.1:8080] [--query "a deep kick drum"] [--out FILE]
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { launchChromium } from './chromium.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    query: { type: 'string', default: 'a deep kick drum' },
    out: { type: 'string', default: join(REPO, 'docs', 'screenshot.png') },
  },
});

const browser = await launchChromium({ width: 1000, height: 1250 });
try {
  const page = await browser.context.newPage();
  await page.goto(`${values.url}/`).catch((e: Error) => {
    throw new Error(`no aurola server answers at ${values.url} (start one with "npm start"): ${e.message}`);
  });
  // One query first, so that the time the page shows is a warm server's (another text: repeats hit the text cache).
  await page.request.post(`${values.url}/v1/search`, { data: { text: `${values.query} warm-up`, k: 1 } });
  await page.fill('#q', values.query);
  await page.press('#q', 'Enter');
  // "N results for “query” in T ms." (not the "Searching for …" shown while it runs).
  await page.waitForFunction((q) => document.querySelector('#status')?.textContent?.includes(` results for “${q}”`), values.query, {
    timeout: 30_000,
  });
  const out = resolve(values.out);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
