// The search page at / — plain HTML, CSS and JS from apps/serve/public, read once at start-up, served with a strict
// Content-Security-Policy (everything from this origin; nothing from a CDN).
import { readFileSync } from 'node:fs';

import type { FastifyPluginAsync } from 'fastify';

const PUBLIC = new URL('../../public/', import.meta.url);

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export const pagePlugin: FastifyPluginAsync = async (app) => {
  for (const [url, { file, type }] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(file, PUBLIC));
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(type).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(body),
    );
  }
};
