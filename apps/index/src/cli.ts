#!/usr/bin/env node
// Entry of aurola-index (npm run index -- …). Ctrl-C stops after the batch being written; a second Ctrl-C exits at once.
import { main } from './main.js';

const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\ninterrupted: finishing the batch being written (Ctrl-C again to stop at once)\n');
  controller.abort();
});

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`aurola-index: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
