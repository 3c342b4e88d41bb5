// `npm start`: index the demo library with the default model (files already indexed are recognised by their content
// hash and skipped, so only the first start embeds anything, and an interrupted one resumes), then serve the index
// and say where. Extra arguments go to the server (e.g. `npm start -- --port 9000`). Environment:
// AUROLA_INDEX (default data/demo-index), AUROLA_LIBRARY (default demo/library), AUROLA_MODEL (default models/aurola-mini).
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const index = resolve(process.env.AUROLA_INDEX ?? join(root, 'data', 'demo-index'));
const library = resolve(process.env.AUROLA_LIBRARY ?? join(root, 'demo', 'library'));
const model = resolve(process.env.AUROLA_MODEL ?? join(root, 'models', 'aurola-mini'));
const tsx = ['--conditions=aurola-source', '--import', 'tsx'];

if (!existsSync(join(model, 'config.json'))) {
  process.stderr.write(`aurola: no model at ${model} (set AUROLA_MODEL, or train one: see "Training a model" in the README)\n`);
  process.exit(1);
}

/** Runs a CLI of the workspace to completion, its output passed through. */
function run(cli, args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...tsx, join(root, cli), ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code, signal) =>
      code === 0 ? done() : fail(Object.assign(new Error(`${cli} ${args[0]} ended with ${signal ?? `exit code ${code}`}`), { code })),
    );
  });
}

const indexDemo = () => run('apps/index/src/cli.ts', ['add', library, '--index', index, '--model', model, '--license', 'CC0-1.0']);
try {
  try {
    await indexDemo();
  } catch (error) {
    // Exit code 3: the index was filled by another model (e.g. an earlier aurola-mini). The default demo index is
    // npm start's own, so it is rebuilt; an index named by AUROLA_INDEX is left for its owner to decide.
    if (error.code !== 3 || process.env.AUROLA_INDEX) throw error;
    process.stderr.write(`aurola: ${index} was made with another model; indexing the demo library again\n`);
    rmSync(index, { recursive: true, force: true });
    await indexDemo();
  }
} catch (error) {
  process.stderr.write(`aurola: indexing the demo library failed: ${error.message}\n`);
  process.exit(1);
}

const server = spawn(process.execPath, [...tsx, join(root, 'apps/serve/src/cli.ts'), '--index', index, '--model', model, ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['inherit', 'pipe', 'inherit'],
});
// The server logs JSON lines; pass them on and say in words where the page is once it listens.
createInterface({ input: server.stdout }).on('line', (line) => {
  process.stdout.write(`${line}\n`);
  try {
    const entry = JSON.parse(line);
    if (entry.address && entry.clips !== undefined) process.stderr.write(`\naurola: ${entry.clips} clips — open ${entry.address} in a browser (Ctrl-C stops)\n\n`);
  } catch {
    // not a JSON line
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
