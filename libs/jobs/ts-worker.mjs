// Entry of a worker thread whose module is TypeScript (the app run from its sources): register tsx in this
// thread, then load the module named by the pool.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
