// GET /v1/clips/:id (metadata) and GET /v1/clips/:id/audio (the file, with Range support). The file path comes
// from the index record only — nothing in the request names a path, so no request can reach any other file.
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Readable } from 'node:stream';

import type { FastifyPluginAsync } from 'fastify';

import type { ClipRecord } from '../deps.js';
import { ApiError } from '../errors.js';
import type { ServeContext } from '../options.js';
import { audioContentType, parseRange } from '../range.js';
import { errorResponses, idParamsSchema } from '../schemas.js';
import { clipView } from '../views.js';

export function clipFilePath(ctx: Pick<ServeContext, 'audioRoot'>, clip: ClipRecord): string {
  return isAbsolute(clip.path) ? clip.path : resolve(ctx.audioRoot, clip.path);
}

export const clipsPlugin: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  const { index } = ctx;

  function lookup(id: string): ClipRecord {
    const clip = index.get(id);
    if (!clip) throw new ApiError(404, 'unknown-clip', `no clip with id ${JSON.stringify(id)} in the index`);
    return clip;
  }

  app.get(
    '/v1/clips/:id',
    {
      schema: {
        summary: "A clip's metadata",
        tags: ['clips'],
        params: idParamsSchema,
        response: { 200: { $ref: 'Clip#' }, ...errorResponses(400, 404) },
      },
    },
    async (request) => clipView(lookup((request.params as { id: string }).id)),
  );

  app.get(
    '/v1/clips/:id/audio',
    {
      schema: {
        summary: "A clip's audio file",
        description: 'Supports Range requests (206 Partial Content; 416 when the range starts past the end), ETag and If-None-Match.',
        tags: ['clips'],
        params: idParamsSchema,
        response: {
          200: { description: 'the whole file', type: 'string', format: 'binary' },
          206: { description: 'the requested byte range', type: 'string', format: 'binary' },
          304: { description: 'not modified (If-None-Match)', type: 'null' },
          ...errorResponses(400, 404, 416),
        },
      },
    },
    async (request, reply) => {
      const clip = lookup((request.params as { id: string }).id);
      const path = clipFilePath(ctx, clip);
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (e) {
        request.log.warn({ clipId: clip.id, path, err: (e as Error).message }, 'indexed audio file cannot be opened');
        throw new ApiError(404, 'audio-missing', `the audio file of clip ${JSON.stringify(clip.id)} is missing on the server`);
      }
      let keep = false;
      try {
        const st = await fh.stat();
        if (!st.isFile()) throw new ApiError(404, 'audio-missing', `the audio file of clip ${JSON.stringify(clip.id)} is missing on the server`);
        const size = st.size;
        const etag = `"${size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
        const lastModified = st.mtime.toUTCString();
        reply
          .header('accept-ranges', 'bytes')
          .header('etag', etag)
          .header('last-modified', lastModified)
          .header('cache-control', 'no-cache')
          .type(audioContentType(path));
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        // If-Range: the range applies only while the file is the one the client saw.
        const ifRange = request.headers['if-range'];
        const rangeHeader = ifRange === undefined || ifRange === etag || ifRange === lastModified ? request.headers.range : undefined;
        const range = parseRange(rangeHeader, size);
        if (range.kind === 'unsatisfiable') {
          reply.header('content-range', `bytes */${size}`);
          throw new ApiError(416, 'range-not-satisfiable', `the range ${JSON.stringify(request.headers.range)} is outside the file (${size} bytes)`);
        }
        const [start, end] = range.kind === 'range' ? [range.start, range.end] : [0, size - 1];
        if (range.kind === 'range') reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
        reply.header('content-length', String(end - start + 1));
        // fastify's HEAD route keeps Content-Length only for a stream payload: an empty one, the file is not read.
        if (request.method === 'HEAD') return reply.send(Readable.from([]));
        if (size === 0) return reply.send('');
        keep = true;
        return reply.send(fh.createReadStream({ start, end, autoClose: true }));
      } finally {
        if (!keep) await fh.close();
      }
    },
  );
};
