// GET /healthz, GET /metrics (Prometheus text), and the hooks that count every request by route and status.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';

import type { ServeContext } from '../options.js';

const health: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  const { metrics, index } = ctx;
  const started = Date.now();

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: ids must not become label values.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
  });

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness and a summary of the index',
        tags: ['service'],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['ok'] },
              clips: { type: 'integer' },
              dim: { type: 'integer' },
              model: { type: 'string' },
              uptimeS: { type: 'number' },
            },
            required: ['status', 'clips', 'dim', 'uptimeS'],
          },
        },
      },
    },
    async () => ({ status: 'ok' as const, clips: index.size, dim: index.dim, model: ctx.modelName, uptimeS: (Date.now() - started) / 1000 }),
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        tags: ['service'],
        produces: ['text/plain'],
        response: { 200: { type: 'string', description: 'Prometheus text' } },
      },
    },
    async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
  );
};

/** Not encapsulated: its hooks see every route. */
export const healthPlugin = fp(health, { name: 'aurola-health', fastify: '5.x' });
