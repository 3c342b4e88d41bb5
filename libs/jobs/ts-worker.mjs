// Entry of a worker thread whose module is TypeScript (the app run from its sources): register tsx in this
// thread, then load the module named by the pool.
import { register as registerHooks } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// Workspace packages resolve to their sources here as in the parent, whether or not the process itself was started
// with --conditions=aurola-source (a worker's own execArgv cannot add resolution conditions; test runners start
// processes without it).
const addCondition = `export async function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...new Set([...context.conditions, 'aurola-source'])] });
}`;
registerHooks(`data:text/javascript,${encodeURIComponent(addCondition)}`);
register();
await import(workerData.module);
