// @aurola/serve — the HTTP search service and the search page.
export { buildServer } from './server.js';
export { DEFAULT_LIMITS, type ServeContext, type ServeLimits, type ServeOptions } from './options.js';
export { ApiError, type ErrorBody } from './errors.js';
export { ServerMetrics } from './metrics.js';
export { parseRange, type RangeResult } from './range.js';
