// POST /v1/clips (upload audio + metadata; the server embeds and indexes it) and DELETE /v1/clips/:id, behind the
// API key. The key is checked in onRequest, before any of the body is read: an unauthenticated upload costs nothing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import type { ClipMetadata } from '../deps.js';
import { ApiError, withDeadline } from '../errors.js';
import type { ServeContext } from '../options.js';
import { errorResponses, ID_MAX, idParamsSchema } from '../schemas.js';
import { decodeUpload, list, readForm, single } from '../upload.js';
import { clipView } from '../views.js';
import { clipFilePath } from './clips.js';

const ID_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,${ID_MAX - 1}}$`);
const EXTENSIONS: Record<string, string> = { wav: 'wav', flac: 'flac', 'ogg-vorbis': 'ogg', opus: 'opus', mp3: 'mp3' };
const FIELDS = ['id', 'source', 'license', 'caption', 'captions', 'tags'];

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The key from "Authorization: Bearer <key>" or "X-API-Key: <key>". */
function givenKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m?.[1]?.trim() || undefined;
}

export const adminPlugin: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  const { index, searcher, limits } = ctx;
  const expected = ctx.apiKey ? digest(ctx.apiKey) : undefined;
  /** Adds and removes run one at a time, so the duplicate checks hold. */
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!expected) {
      throw new ApiError(403, 'admin-disabled', 'adding and removing clips is disabled: the server was started without AUROLA_API_KEY');
    }
    const key = givenKey(request);
    if (!key) {
      reply.header('www-authenticate', 'Bearer realm="aurola"');
      throw new ApiError(401, 'missing-api-key', 'this route needs the API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    }
    if (!timingSafeEqual(digest(key), expected)) throw new ApiError(403, 'wrong-api-key', 'the API key is not valid');
  });

  const auth: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];

  app.post(
    '/v1/clips',
    {
      config: { multipartDoc: 'add-clip' },
      schema: {
        summary: 'Add a clip: upload audio with its metadata; the server embeds and indexes it',
        description:
          'multipart/form-data: file field "audio"; fields id (default upload/<hash>), source (default "upload"), license ' +
          '(default NOASSERTION), caption (repeatable), tags (repeatable or comma-separated). Needs the API key.',
        tags: ['admin'],
        security: auth,
        consumes: ['multipart/form-data'],
        response: {
          201: { type: 'object', properties: { clip: { $ref: 'Clip#' } }, required: ['clip'] },
          ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const uploadDir = ctx.uploadDir;
      if (!uploadDir) throw new ApiError(503, 'uploads-disabled', 'this server has no upload folder; clips cannot be added');
      const form = await readForm(request, limits);
      for (const name of form.fields.keys()) {
        if (!FIELDS.includes(name)) throw new ApiError(400, 'invalid-request', `unknown form field "${name}"; known: ${FIELDS.join(', ')}`);
      }
      if (!form.file) throw new ApiError(400, 'missing-audio', 'adding a clip needs an audio file (form field "audio")');
      const decoded = await withDeadline(decodeUpload(form.file, { ...limits, maxAudioS: Math.max(limits.maxAudioS, 600) }), limits.requestTimeoutMs, 'decoding the upload');
      const id = single(form, 'id') ?? `upload/${decoded.contentHash.slice(0, 16)}`;
      if (!ID_PATTERN.test(id)) {
        throw new ApiError(400, 'invalid-request', `form field id must be 1-${ID_MAX} characters of letters, digits and . _ : / @ + - (starting with a letter or digit), got ${JSON.stringify(id)}`);
      }
      const captions = [...(form.fields.get('caption') ?? []), ...(form.fields.get('captions') ?? [])].map((c) => c.trim()).filter(Boolean);
      const meta: ClipMetadata = {
        path: join(uploadDir, `${decoded.contentHash}.${EXTENSIONS[decoded.format] ?? 'bin'}`),
        durationS: decoded.durationS,
        source: single(form, 'source')?.trim() || 'upload',
        license: single(form, 'license')?.trim() || 'NOASSERTION',
        captions,
        tags: list(form, 'tags') ?? [],
        contentHash: decoded.contentHash,
      };
      const audio = decoded.audio.length > limits.maxAudioS * 16000 ? decoded.audio.subarray(0, limits.maxAudioS * 16000) : decoded.audio;
      await serially(async () => {
        if (index.has(id)) throw new ApiError(409, 'duplicate-id', `a clip with id ${JSON.stringify(id)} is already indexed`);
        const other = index.idByContentHash(decoded.contentHash);
        if (other !== undefined) throw new ApiError(409, 'duplicate-audio', `this audio is already indexed as clip ${JSON.stringify(other)}`);
        await mkdir(uploadDir, { recursive: true });
        await writeFile(meta.path, form.file!.bytes);
        try {
          await searcher.addClips([{ id, audio, meta }]);
        } catch (e) {
          if (!index.has(id)) await unlink(meta.path).catch(() => undefined);
          throw e;
        }
        await ctx.onIndexChanged?.();
      });
      const clip = index.get(id);
      if (!clip) throw new Error(`clip ${id} was added but is not in the index`);
      request.log.info({ admin: { added: id, durationS: meta.durationS, source: meta.source } }, 'clip added');
      return reply.code(201).send({ clip: clipView(clip) });
    },
  );

  app.delete(
    '/v1/clips/:id',
    {
      schema: {
        summary: 'Remove a clip from the index (an uploaded file is deleted too)',
        tags: ['admin'],
        security: auth,
        params: idParamsSchema,
        response: {
          200: { type: 'object', properties: { deleted: { type: 'string' } }, required: ['deleted'] },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      return serially(async () => {
        const clip = index.get(id);
        if (!clip || index.remove([id]) === 0) throw new ApiError(404, 'unknown-clip', `no clip with id ${JSON.stringify(id)} in the index`);
        await ctx.onIndexChanged?.();
        const path = clipFilePath(ctx, clip);
        if (ctx.uploadDir) {
          const rel = relative(ctx.uploadDir, path);
          if (rel && !rel.startsWith('..') && !isAbsolute(rel)) await unlink(path).catch(() => undefined);
        }
        request.log.info({ admin: { deleted: id } }, 'clip removed');
        return { deleted: id };
      });
    },
  );
};
