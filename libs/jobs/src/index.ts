// @aurola/jobs — what the apps' long jobs share: a pool of worker threads and a progress line.
export { serveJobs, WorkerJobError, WorkerPool } from './pool.js';
export { formatDuration, Progress, type ProgressOptions } from './progress.js';
