// buildServer: the fastify app — one plugin per concern (docs, health/metrics, search, clips, admin, page), one
// error body for every failure, JSON-schema validation on every route, body/upload limits and timeouts.
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';

import { ApiError, errorSchema, makeErrorHandler, sendError } from './errors.js';
import { ServerMetrics } from './metrics.js';
import { resolveLimits, type ServeContext, type ServeOptions } from './options.js';
import { adminPlugin } from './plugins/admin.js';
import { clipsPlugin } from './plugins/clips.js';
import { docsPlugin } from './plugins/docs.js';
import { healthPlugin } from './plugins/health.js';
import { pagePlugin } from './plugins/page.js';
import { searchPlugin } from './plugins/search.js';
import { captionHitSchema, clipSchema, filterSchema, hitSchema, ID_MAX } from './schemas.js';

export function buildServer(opts: ServeOptions): FastifyInstance {
  if (!opts || typeof opts !== 'object') throw new TypeError('buildServer: options must be an object');
  if (!opts.index) throw new TypeError('buildServer: options.index is required');
  if (!opts.searcher) throw new TypeError('buildServer: options.searcher is required');
  if (opts.apiKey !== undefined && (typeof opts.apiKey !== 'string' || opts.apiKey.length < 8)) {
    throw new RangeError('buildServer: options.apiKey must be a string of at least 8 characters');
  }
  const limits = resolveLimits(opts.limits);
  const index = opts.index;
  const ctx: ServeContext = {
    index,
    searcher: opts.searcher,
    limits,
    metrics: new ServerMetrics(() => index.size, () => opts.searcher.stats()),
    apiKey: opts.apiKey,
    audioRoot: opts.audioRoot ?? process.cwd(),
    uploadDir: opts.uploadDir,
    modelName: opts.modelName,
    onIndexChanged: opts.onIndexChanged,
  };

  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: limits.bodyLimit,
    // Node's own timeout for receiving a whole request (a slow upload); handlers have their own deadline.
    requestTimeout: Math.max(limits.requestTimeoutMs, 30_000),
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    routerOptions: { maxParamLength: ID_MAX * 3 + 16, ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });

  // Only JSON and multipart bodies are understood; anything else is a 415.
  app.removeContentTypeParser('text/plain');
  app.register(multipart, { limits: { fileSize: limits.uploadBytes, files: 1 } });

  for (const schema of [errorSchema, clipSchema, hitSchema, captionHitSchema, filterSchema]) app.addSchema(schema);
  app.setErrorHandler(makeErrorHandler({ bodyLimit: limits.bodyLimit, uploadBytes: limits.uploadBytes }));
  app.setNotFoundHandler((request, reply) => sendError(reply, new ApiError(404, 'not-found', `no route ${request.method} ${request.url.split('?')[0]}`)));
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    return payload;
  });

  app.register(docsPlugin, { ctx });
  app.register(healthPlugin, { ctx });
  app.register(searchPlugin, { ctx });
  app.register(clipsPlugin, { ctx });
  app.register(adminPlugin, { ctx });
  app.register(pagePlugin);
  app.decorate('aurola', ctx);
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's context: index, searcher, limits and metrics. */
    aurola: ServeContext;
  }
}
