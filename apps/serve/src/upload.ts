// Multipart uploads: one audio file (capped in size) plus text fields, read fully before anything is decoded; then
// decoded with @aurola/audio into the model's input (16 kHz mono, at most limits.maxAudioS seconds). Everything a
// client can get wrong here — a second file, a file over the cap, a malformed form, bytes that are not audio, audio
// cut short — becomes a 4xx ApiError.
import { createHash } from 'node:crypto';

import { AudioDecodeError, decodeAudio, prepareAudio, type AudioFormat } from '@aurola/audio';
import type { FastifyRequest } from 'fastify';

import { ApiError, decodeErrorToApi, toApiError } from './errors.js';
import type { ServeLimits } from './options.js';

export interface UploadedFile {
  field: string;
  filename: string;
  mimetype: string;
  bytes: Buffer;
}

export interface UploadedForm {
  /** Every text field, in order; a field sent twice has two values. */
  fields: Map<string, string[]>;
  file: UploadedFile | undefined;
}

export interface DecodedUpload {
  /** 16 kHz mono, cut to limits.maxAudioS. */
  audio: Float32Array;
  /** Duration of the decoded (possibly cut) audio, seconds. */
  durationS: number;
  format: AudioFormat;
  /** sha256 of the uploaded bytes, hex. */
  contentHash: string;
}

const FIELD_LIMIT = 32;
const FIELD_BYTES = 8 * 1024;

/** Reads a multipart/form-data request: at most one file (any field name) and up to 32 short text fields. */
export async function readForm(request: FastifyRequest, limits: ServeLimits): Promise<UploadedForm> {
  if (!request.isMultipart()) throw new ApiError(415, 'unsupported-media-type', 'expected multipart/form-data');
  const fields = new Map<string, string[]>();
  let file: UploadedFile | undefined;
  try {
    const parts = request.parts({
      limits: { fileSize: limits.uploadBytes, files: 1, fields: FIELD_LIMIT, fieldSize: FIELD_BYTES, parts: FIELD_LIMIT + 1 },
    });
    for await (const part of parts) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        file = { field: part.fieldname, filename: part.filename ?? '', mimetype: part.mimetype, bytes };
      } else {
        if (part.valueTruncated) throw new ApiError(413, 'field-too-large', `form field "${part.fieldname}" is longer than ${FIELD_BYTES} bytes`);
        const list = fields.get(part.fieldname) ?? [];
        list.push(String(part.value));
        fields.set(part.fieldname, list);
      }
    }
  } catch (e) {
    const api = toApiError(e, { bodyLimit: limits.bodyLimit, uploadBytes: limits.uploadBytes });
    if (api) throw api;
    // busboy's own parse errors ("Unexpected end of form", "Malformed part header", …) carry no status.
    throw new ApiError(400, 'malformed-multipart', `the multipart body could not be read: ${(e as Error).message}`);
  }
  return { fields, file };
}

/** Decodes an uploaded file into the model's input. */
export async function decodeUpload(file: UploadedFile, limits: ServeLimits): Promise<DecodedUpload> {
  const name = `upload ${JSON.stringify(file.filename || file.field)}`;
  if (file.bytes.length === 0) throw new ApiError(422, 'undecodable-audio', `${name} is empty`);
  let audio: Float32Array;
  let format: AudioFormat;
  try {
    const decoded = await decodeAudio(new Uint8Array(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength), {
      name,
      maxDurationS: limits.maxAudioS,
    });
    format = decoded.format;
    audio = prepareAudio(decoded.channels, decoded.sampleRate, { maxS: limits.maxAudioS });
  } catch (e) {
    if (e instanceof AudioDecodeError) throw decodeErrorToApi(e);
    if (e instanceof RangeError || e instanceof TypeError) throw new ApiError(422, 'undecodable-audio', `${name}: ${e.message}`);
    throw e;
  }
  const durationS = audio.length / 16000;
  if (durationS < limits.minAudioS) {
    throw new ApiError(422, 'audio-too-short', `${name} holds ${durationS.toFixed(3)} s of audio; at least ${limits.minAudioS} s is needed`);
  }
  const contentHash = createHash('sha256').update(file.bytes).digest('hex');
  return { audio, durationS, format, contentHash };
}

/** The single value of a form field, or undefined; a field given twice is a 400. */
export function single(form: UploadedForm, name: string): string | undefined {
  const v = form.fields.get(name);
  if (!v) return undefined;
  if (v.length > 1) throw new ApiError(400, 'invalid-request', `form field "${name}" was given ${v.length} times; give it once`);
  return v[0];
}

/** All values of a repeatable form field; each value may also be a comma-separated list. */
export function list(form: UploadedForm, name: string): string[] | undefined {
  const v = form.fields.get(name);
  if (!v) return undefined;
  return v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}
