// JSON schemas of the API: they validate requests (with clear 400 messages), serialise responses and make the
// OpenAPI document at /docs.
import { MAX_ID_LENGTH } from '@aurola/index';

import type { ServeLimits } from './options.js';

/** Longest clip id (the index's limit). */
export const ID_MAX = MAX_ID_LENGTH;

export const clipSchema = {
  $id: 'Clip',
  type: 'object',
  description: 'An indexed clip. Its audio is at audioUrl.',
  properties: {
    id: { type: 'string' },
    durationS: { type: 'number' },
    source: { type: 'string' },
    license: { type: 'string', description: 'SPDX licence expression' },
    captions: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    contentHash: { type: 'string' },
    audioUrl: { type: 'string', description: 'GET this for the audio (Range requests supported)' },
  },
  required: ['id', 'durationS', 'source', 'license', 'captions', 'tags', 'audioUrl'],
} as const;

export const hitSchema = {
  $id: 'Hit',
  type: 'object',
  properties: {
    rank: { type: 'integer', description: '1 for the best hit' },
    id: { type: 'string' },
    score: { type: 'number', description: 'the ranking score: similarity, plus α·p(Yes) when re-ranked' },
    similarity: { type: 'number', description: 'cosine similarity of the embeddings' },
    pYes: { type: 'number', description: 'the re-ranker’s p(Yes), present when re-ranked' },
    clip: { $ref: 'Clip#' },
  },
  required: ['rank', 'id', 'score', 'similarity', 'clip'],
} as const;

export const captionHitSchema = {
  $id: 'CaptionHit',
  type: 'object',
  description: 'A caption of an indexed clip that matches the query audio (audio → text).',
  properties: {
    clipId: { type: 'string' },
    caption: { type: 'string' },
    score: { type: 'number', description: 'similarity, plus α·p(Yes) when re-ranked' },
    similarity: { type: 'number' },
    pYes: { type: 'number', description: 'the re-ranker’s p(Yes), present when re-ranked' },
  },
  required: ['clipId', 'caption', 'score'],
} as const;

const stringOrList = (what: string) => ({
  description: `one ${what} or a list (any of them matches)`,
  anyOf: [
    { type: 'string', minLength: 1, maxLength: 200 },
    { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, minItems: 1, maxItems: 50 },
  ],
});

export const filterSchema = {
  $id: 'Filter',
  type: 'object',
  description: 'Only clips matching every given field are ranked.',
  additionalProperties: false,
  properties: {
    source: stringOrList('source'),
    license: stringOrList('licence'),
    tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 32, description: 'clips carrying all of these tags' },
    minDurationS: { type: 'number', minimum: 0 },
    maxDurationS: { type: 'number', exclusiveMinimum: 0 },
  },
} as const;

/** The options every search takes, in JSON or as multipart form fields. */
function searchOptions(limits: ServeLimits) {
  return {
    k: { type: 'integer', minimum: 1, maximum: limits.maxK, default: 10, description: `hits to return, 1..${limits.maxK}` },
    rerank: {
      description: `re-rank the top candidates with the backbone's yes/no judge: true (the top ${limits.rerankK}) or { k }. Text queries re-rank the clips, audio queries the captions; not for clipId queries`,
      anyOf: [
        { type: 'boolean' },
        {
          type: 'object',
          additionalProperties: false,
          properties: { k: { type: 'integer', minimum: 1, maximum: limits.maxRerankK } },
          required: ['k'],
        },
      ],
    },
    filter: { $ref: 'Filter#' },
  };
}

/** POST /v1/search with a JSON body: a text query, or an indexed clip's id (audio → audio). */
export function searchBodySchema(limits: ServeLimits) {
  return {
    type: 'object',
    additionalProperties: false,
    description: 'Exactly one of text or clipId. For an audio query, POST multipart/form-data with a file field "audio".',
    properties: {
      text: { type: 'string', minLength: 1, maxLength: limits.maxTextChars, description: 'text query (text → audio)' },
      clipId: { type: 'string', minLength: 1, maxLength: ID_MAX, description: 'find clips like this indexed clip' },
      ...searchOptions(limits),
    },
  } as const;
}

/** The fields of a multipart audio search, after they were collected into an object. */
export function searchFormSchema(limits: ServeLimits) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: searchOptions(limits),
  } as const;
}

export function searchResponseSchema() {
  return {
    type: 'object',
    properties: {
      query: {
        type: 'object',
        properties: {
          mode: { type: 'string', enum: ['text', 'audio', 'clip'] },
          text: { type: 'string' },
          clipId: { type: 'string' },
          filename: { type: 'string' },
          durationS: { type: 'number' },
        },
        required: ['mode'],
      },
      k: { type: 'integer' },
      rerankK: { type: 'integer', description: 'candidates re-ranked (0: none): the clips of a text query, the captions of an audio query' },
      tookMs: { type: 'number' },
      results: { type: 'array', items: { $ref: 'Hit#' } },
      captions: { type: 'array', items: { $ref: 'CaptionHit#' }, description: 'audio queries: matching captions (audio → text)' },
    },
    required: ['query', 'k', 'rerankK', 'tookMs', 'results'],
  } as const;
}

export const idParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: ID_MAX, description: 'clip id (URL-encoded: a "/" is %2F)' } },
  required: ['id'],
} as const;

export const errorResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'Error#' }]));
