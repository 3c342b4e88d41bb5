// The README's TypeScript examples run as written against the built packages (so the docs cannot rot).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs`, () => {
      // Inside test/ so that '@aurola/kernels' resolves through the workspace like a user's dependency.
      const dir = mkdtempSync(join(here, '.readme-'));
      try {
        const file = join(dir, 'example.ts');
        writeFileSync(file, `${code}\nexport {};\n`);
        const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
        execFileSync(tsx, [file], { cwd: here, encoding: 'utf8', stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
