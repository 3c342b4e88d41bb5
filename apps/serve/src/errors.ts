// One error body for every failure: { error: { code, message } }, with a 4xx status for anything the client can fix
// and a 500 (message withheld, details logged) for anything else. Errors from fastify itself, its plugins, JSON-schema
// validation, the audio decoder, the index and the searcher are all translated here, in one place.
import { AudioDecodeError } from '@aurola/audio';
import { IndexError } from '@aurola/index';
import { SearchError } from '@aurola/retrieval';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export interface ErrorBody {
  error: { code: string; message: string };
}

/** An error the server raises on purpose: its status, a short machine-readable code and a message for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON schema of the error body (for the OpenAPI document and fast serialisation). */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error response has this body.',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'short machine-readable code, e.g. invalid-request, unknown-clip' },
        message: { type: 'string', description: 'what went wrong, for people' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

export function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${+(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${+(bytes / 1024).toFixed(1)} KiB`;
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "body.k must be <= 1000", "body: unknown property \"q\"", "params.id must NOT have more than 512 characters". */
function validationMessage(context: string | undefined, issues: readonly ValidationIssue[]): string {
  const where = (path: string) => `${context ?? 'request'}${path.replace(/\//g, '.')}`;
  return issues
    .slice(0, 3)
    .map((v) => {
      if (v.keyword === 'additionalProperties') return `${where(v.instancePath)}: unknown property ${JSON.stringify(v.params.additionalProperty)}`;
      if (v.keyword === 'required') return `${where(v.instancePath)}: missing property ${JSON.stringify(v.params.missingProperty)}`;
      if (v.keyword === 'enum') return `${where(v.instancePath)} must be one of ${(v.params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
      return `${where(v.instancePath)} ${v.message ?? 'is invalid'}`;
    })
    .join('; ');
}

/** Codes of errors raised by fastify and @fastify/multipart that the client caused. */
const FASTIFY_CODES: Record<string, { status?: number; code: string; message?: (e: FastifyError, limits: ErrorLimits) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed-json', message: () => 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'empty-body', message: () => 'the request body is empty; send a JSON object' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload-too-large',
    message: (_e, l) => `the request body is larger than the ${kib(l.bodyLimit)} limit`,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported-media-type',
    message: (e) => `${e.message}; send application/json, or multipart/form-data for an audio upload`,
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'bad-content-length', message: () => 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_TYPE: { status: 415, code: 'unsupported-media-type' },
  FST_REQ_FILE_TOO_LARGE: {
    status: 413,
    code: 'upload-too-large',
    message: (_e, l) => `the uploaded file is larger than the ${kib(l.uploadBytes)} limit`,
  },
  FST_FILES_LIMIT: { status: 413, code: 'too-many-files', message: () => 'send exactly one audio file' },
  FST_FIELDS_LIMIT: { status: 413, code: 'too-many-fields', message: () => 'the form has too many fields' },
  FST_PARTS_LIMIT: { status: 413, code: 'too-many-parts', message: () => 'the form has too many parts' },
  FST_MP_PREMATURE_CLOSE: { code: 'malformed-multipart', message: () => 'the request ended before the multipart body was complete' },
  FST_PROTO_VIOLATION: { code: 'invalid-request' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'unsupported-media-type', message: () => 'the request is not multipart/form-data' },
  FST_ERR_BAD_URL: { code: 'bad-url' },
};

export interface ErrorLimits {
  bodyLimit: number;
  uploadBytes: number;
}

/** Errors carrying { status, code } (SearchError, IndexError and the like) keep their status when it is a 4xx. */
function ownStatus(e: unknown): { status: number; code: string } | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { status, code } = e as { status?: unknown; code?: unknown };
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof code === 'string') return { status, code };
  return undefined;
}

/** Audio the decoder refused: not audio at all → 415; audio that is broken, cut short or empty → 422. */
export function decodeErrorToApi(e: AudioDecodeError): ApiError {
  if (e.reason === 'unsupported-format') {
    return new ApiError(415, 'unsupported-audio', `the upload is not audio in a supported format (WAV, FLAC, Ogg Vorbis/Opus, MP3): ${e.message}`);
  }
  if (e.reason === 'unsupported-encoding') return new ApiError(415, 'unsupported-audio', e.message);
  return new ApiError(422, 'undecodable-audio', e.message);
}

/** IndexErrors that a request can cause; the rest (a damaged or locked index…) are server faults. */
const INDEX_CODES: Partial<Record<IndexError['code'], number>> = {
  'duplicate-id': 409,
  'bad-clip': 400,
  'bad-query': 400,
  'bad-filter': 400,
  'dim-mismatch': 400,
  closed: 503,
};

export function toApiError(e: unknown, limits: ErrorLimits): ApiError | undefined {
  if (e instanceof ApiError) return e;
  if (e instanceof AudioDecodeError) return decodeErrorToApi(e);
  if (e instanceof SearchError) return new ApiError(e.status, e.code, e.message);
  if (e instanceof IndexError) {
    const status = INDEX_CODES[e.code];
    return status ? new ApiError(status, e.code, e.message) : undefined;
  }
  const fe = e as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fe && Array.isArray(fe.validation)) {
    return new ApiError(400, 'invalid-request', validationMessage(fe.validationContext, fe.validation));
  }
  const known = fe && typeof fe.code === 'string' ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return new ApiError(known.status ?? fe.statusCode ?? 400, known.code, known.message?.(fe, limits) ?? fe.message);
  const own = ownStatus(e);
  if (own) return new ApiError(own.status, own.code, (e as Error).message);
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ApiError(fe.statusCode, 'bad-request', fe.message);
  }
  return undefined;
}

export function sendError(reply: FastifyReply, e: ApiError): FastifyReply {
  return reply.code(e.status).type('application/json; charset=utf-8').send({ error: { code: e.code, message: e.message } } satisfies ErrorBody);
}

export function makeErrorHandler(limits: ErrorLimits) {
  return function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply) {
    const api = toApiError(error, limits);
    if (api) {
      request.log.info({ err: { code: api.code, message: api.message }, status: api.status }, 'request refused');
      return sendError(reply, api);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, new ApiError(500, 'internal', 'internal server error; the details are in the server log'));
  };
}

/** Rejects with a 503 "timeout" ApiError when `work` takes longer than `ms`. The work itself is not cancelled. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ApiError(503, 'timeout', `${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
