// The OpenAPI 3 document (from the routes' JSON schemas) at /docs/json and /docs/yaml, and Swagger UI at /docs, its
// assets served from the @fastify/swagger-ui package (no CDN).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';

import type { ServeContext } from '../options.js';

/** Multipart bodies are read by the handlers, not validated by fastify; they are documented here instead. */
function multipartBody(kind: string, ctx: ServeContext): Record<string, unknown> | undefined {
  const audio = { type: 'string', format: 'binary', description: `audio file: WAV, FLAC, Ogg Vorbis/Opus or MP3, at most ${ctx.limits.uploadBytes} bytes` };
  if (kind === 'search') {
    return {
      type: 'object',
      required: ['audio'],
      properties: {
        audio,
        k: { type: 'integer', minimum: 1, maximum: ctx.limits.maxK },
        rerank: { type: 'string', description: '"true", "false" or "on"' },
        source: { type: 'string', description: 'repeatable or comma-separated' },
        license: { type: 'string', description: 'repeatable or comma-separated' },
        tags: { type: 'string', description: 'repeatable or comma-separated' },
        minDurationS: { type: 'number' },
        maxDurationS: { type: 'number' },
      },
    };
  }
  if (kind === 'add-clip') {
    return {
      type: 'object',
      required: ['audio'],
      properties: {
        audio,
        id: { type: 'string' },
        source: { type: 'string' },
        license: { type: 'string' },
        caption: { type: 'string', description: 'repeatable' },
        tags: { type: 'string', description: 'repeatable or comma-separated' },
      },
    };
  }
  return undefined;
}

const docs: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'aurola',
        version: '0.1.0',
        description: 'Audio–text retrieval: search sounds with words, captions with sounds, sounds with sounds.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'AUROLA_API_KEY' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'AUROLA_API_KEY' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const kind = (route.config as { multipartDoc?: string } | undefined)?.multipartDoc;
      const body = kind ? multipartBody(kind, ctx) : undefined;
      if (!schema || !body) return { schema, url };
      const existing = (schema.body as { content?: Record<string, unknown> } | undefined)?.content ?? {};
      return { schema: { ...schema, body: { content: { ...existing, 'multipart/form-data': { schema: body } } } }, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: false }, staticCSP: true });
};

export const docsPlugin = fp(docs, { name: 'aurola-docs', fastify: '5.x' });
