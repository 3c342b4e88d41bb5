// POST /v1/search: a text query or an indexed clip's id as JSON, or an audio query as a multipart upload.
// Concurrent requests reach the Searcher within the same turns of the event loop, and the Searcher batches them
// into one embedding call and one kernel call per filter group.
import { performance } from 'node:perf_hooks';

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';

import type { ClipFilter, SearchQuery, SearchRequest } from '../deps.js';
import { ApiError, withDeadline } from '../errors.js';
import type { ServeContext, ServeLimits } from '../options.js';
import { errorResponses, searchBodySchema, searchFormSchema, searchResponseSchema } from '../schemas.js';
import { decodeUpload, list, readForm, single, type UploadedForm } from '../upload.js';
import { clipView } from '../views.js';

interface SearchOptionsBody {
  k?: number;
  rerank?: boolean | { k: number };
  filter?: ClipFilter;
}

interface SearchBody extends SearchOptionsBody {
  text?: string;
  clipId?: string;
}

type Mode = 'text' | 'audio' | 'clip';

interface QueryInfo {
  mode: Mode;
  text?: string;
  clipId?: string;
  filename?: string;
  durationS?: number;
}

function rerankOf(rerank: SearchOptionsBody['rerank'], limits: ServeLimits): { k: number } | undefined {
  if (rerank === undefined || rerank === false) return undefined;
  return rerank === true ? { k: limits.rerankK } : { k: rerank.k };
}

/** Multipart fields → the same options object a JSON search has (validated by the same schema afterwards). */
function formOptions(form: UploadedForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of form.fields.keys()) {
    if (!['k', 'rerank', 'source', 'license', 'tags', 'minDurationS', 'maxDurationS'].includes(name)) {
      const hint = name === 'text' || name === 'clipId' ? '; send a text or clipId query as JSON, without a file' : '';
      throw new ApiError(400, 'invalid-request', `unknown form field "${name}"${hint}`);
    }
  }
  const k = single(form, 'k');
  if (k !== undefined) out.k = k;
  const rerank = single(form, 'rerank');
  if (rerank !== undefined) out.rerank = rerank === 'on' ? true : rerank === 'off' ? false : rerank;
  const filter: Record<string, unknown> = {};
  for (const name of ['source', 'license', 'tags'] as const) {
    const v = list(form, name);
    if (v && v.length) filter[name] = v;
  }
  for (const name of ['minDurationS', 'maxDurationS'] as const) {
    const v = single(form, name);
    if (v !== undefined && v !== '') filter[name] = v;
  }
  if (Object.keys(filter).length) out.filter = filter;
  return out;
}

export const searchPlugin: FastifyPluginAsync<{ ctx: ServeContext }> = async (app, { ctx }) => {
  const { limits, searcher, index, metrics } = ctx;
  const formSchema = searchFormSchema(limits);

  async function audioQuery(request: FastifyRequest): Promise<{ query: SearchQuery; info: QueryInfo; options: SearchOptionsBody }> {
    const form = await readForm(request, limits);
    if (!form.file) throw new ApiError(400, 'missing-audio', 'a multipart search needs an audio file (form field "audio")');
    const raw = formOptions(form);
    const validate = request.compileValidationSchema(formSchema, 'body');
    if (!validate(raw)) {
      const issue = validate.errors?.[0];
      const where = `form field ${(issue?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || '(form)'}`;
      throw new ApiError(400, 'invalid-request', `${where} ${issue?.message ?? 'is invalid'}`);
    }
    const decoded = await withDeadline(decodeUpload(form.file, limits), limits.requestTimeoutMs, 'decoding the upload').catch((e: unknown) => {
      metrics.uploads.inc({ outcome: 'refused' });
      throw e;
    });
    metrics.uploads.inc({ outcome: 'decoded' });
    return {
      query: { audio: decoded.audio },
      info: { mode: 'audio', filename: form.file.filename, durationS: decoded.durationS },
      options: raw as SearchOptionsBody,
    };
  }

  function jsonQuery(body: SearchBody): { query: SearchQuery; info: QueryInfo; options: SearchOptionsBody } {
    const given = [body.text !== undefined && 'text', body.clipId !== undefined && 'clipId'].filter(Boolean);
    if (given.length !== 1) {
      throw new ApiError(
        400,
        'bad-query',
        given.length === 0
          ? 'give a query: "text" (a description of the sound) or "clipId" (an indexed clip), or upload audio as multipart/form-data'
          : 'give only one query: "text" or "clipId", not both',
      );
    }
    if (body.text !== undefined) {
      const text = body.text.trim();
      if (!text) throw new ApiError(400, 'bad-query', 'the text query is blank');
      return { query: { text }, info: { mode: 'text', text }, options: body };
    }
    const clipId = body.clipId!;
    if (!index.has(clipId)) throw new ApiError(404, 'unknown-clip', `no clip with id ${JSON.stringify(clipId)} in the index`);
    return { query: { clipId }, info: { mode: 'clip', clipId }, options: body };
  }

  app.post(
    '/v1/search',
    {
      config: { multipartDoc: 'search' },
      schema: {
        summary: 'Search the index with text, an indexed clip, or uploaded audio',
        description:
          'JSON body: { text | clipId, k, rerank, filter }. Audio query: multipart/form-data with a file field "audio" ' +
          `(at most ${limits.uploadBytes} bytes; cut to ${limits.maxAudioS} s) and optional fields k, rerank, source, license, tags, ` +
          'minDurationS, maxDurationS. Audio queries also return matching captions.',
        tags: ['search'],
        consumes: ['application/json', 'multipart/form-data'],
        body: { content: { 'application/json': { schema: searchBodySchema(limits) } } },
        response: { 200: searchResponseSchema(), ...errorResponses(400, 404, 413, 415, 422, 503) },
      },
    },
    async (request) => {
      const started = performance.now();
      const { query, info, options } = request.isMultipart() ? await audioQuery(request) : jsonQuery(request.body as SearchBody);
      const k = options.k ?? 10;
      const rerank = rerankOf(options.rerank, limits);
      if (rerank && info.mode === 'clip') {
        throw new ApiError(400, 'bad-request', 're-ranking judges a text against audio: it applies to text queries and to the captions of an audio query, not to clipId queries');
      }
      const filter = options.filter && Object.keys(options.filter).length ? options.filter : undefined;
      const searchRequest: SearchRequest = { k };
      if (filter) searchRequest.filter = filter;
      // Text queries: the clips are re-ranked. Audio queries: the captions (audio → text) are.
      if (rerank && info.mode === 'text') searchRequest.rerank = rerank;
      const captionRequest = { k: limits.captionsK, ...(filter ? { filter } : {}), ...(rerank ? { rerank } : {}) };
      const work = Promise.all([
        searcher.search(query, searchRequest),
        query.audio ? searcher.captions(query.audio, captionRequest) : Promise.resolve(undefined),
      ]);
      const [hits, captions] = await withDeadline(work, limits.requestTimeoutMs, 'the search');
      const seconds = (performance.now() - started) / 1000;
      metrics.searchSeconds.observe({ mode: info.mode, rerank: rerank ? 'yes' : 'no' }, seconds);
      metrics.searchResults.inc({ mode: info.mode }, hits.length);
      request.log.info(
        { search: { mode: info.mode, k, rerankK: rerank?.k ?? 0, filter: filter !== undefined, hits: hits.length, ms: +(seconds * 1000).toFixed(2) } },
        'search',
      );
      return {
        query: info,
        k,
        rerankK: rerank?.k ?? 0,
        tookMs: +(seconds * 1000).toFixed(2),
        results: hits.map((h, i) => ({ rank: i + 1, id: h.id, score: h.score, similarity: h.similarity, pYes: h.pYes, clip: clipView(h.clip) })),
        ...(captions ? { captions } : {}),
      };
    },
  );
};
