// The HTTP API through fastify's inject, over a real tiny stack (random model, ClipIndex on disk, Searcher).
// Every bad input must be a 4xx with the one error body and a clear message, and the server must stay up.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildServer } from '../src/index.js';
import { CLIPS, makeFixture, multipart, type Fixture } from './fixture.js';

const KEY = 'test-api-key-0123456789';
const UPLOAD_CAP = 256 * 1024;

let fx: Fixture;
let app: FastifyInstance;

beforeAll(async () => {
  fx = await makeFixture();
  const uploadDir = join(fx.root, 'uploads');
  mkdirSync(uploadDir);
  app = buildServer({
    index: fx.index,
    searcher: fx.searcher,
    apiKey: KEY,
    uploadDir,
    modelName: fx.backbone.name,
    limits: { uploadBytes: UPLOAD_CAP, bodyLimit: 16 * 1024 },
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await fx?.close();
});

type Json = Record<string, any>;

async function search(body: unknown): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/v1/search', payload: body as Json });
}

/** A refusal: the status, the one error body with the code, a message, and the server still answering. */
async function expectRefused(res: LightMyRequestResponse, status: number, code: string, message?: RegExp): Promise<string> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as Json;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(10);
  if (message) expect(body.error.message).toMatch(message);
  const health = await app.inject({ url: '/healthz' });
  expect(health.statusCode).toBe(200);
  return body.error.message;
}

describe('search', () => {
  it('answers a text query with ranked hits, each with its clip and audio URL, never a server path', async () => {
    const res = await search({ text: 'a steady tone', k: 3 });
    expect(res.statusCode).toBe(200);
    const body = res.json() as Json;
    expect(body.query).toEqual({ mode: 'text', text: 'a steady tone' });
    expect(body.k).toBe(3);
    expect(body.rerankK).toBe(0);
    expect(body.results).toHaveLength(3);
    const scores = body.results.map((h: Json) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    body.results.forEach((h: Json, i: number) => {
      expect(h.rank).toBe(i + 1);
      expect(h.clip.id).toBe(h.id);
      expect(h.clip.audioUrl).toBe(`/v1/clips/${encodeURIComponent(h.id)}/audio`);
      expect(h.clip.captions.length).toBeGreaterThan(0);
      expect(h.clip).not.toHaveProperty('path');
      expect(h.pYes).toBeUndefined();
    });
    expect(res.body).not.toContain(fx.root);
  });

  it('defaults k to 10 and returns every clip when fewer are indexed', async () => {
    const body = (await search({ text: 'noise' })).json() as Json;
    expect(body.k).toBe(10);
    expect(body.results).toHaveLength(CLIPS.length);
  });

  it('filters by source, licence, tags and duration', async () => {
    const bySource = (await search({ text: 'noise', filter: { source: 'synth-noise' } })).json() as Json;
    expect(bySource.results.map((h: Json) => h.clip.source)).toEqual(['synth-noise', 'synth-noise', 'synth-noise']);
    const byTags = (await search({ text: 'tone', filter: { tags: ['tone', 'high'] } })).json() as Json;
    expect(byTags.results.map((h: Json) => h.id)).toEqual(['synth/tone-1760']);
    const byLicense = (await search({ text: 'x', filter: { license: ['CC-BY-4.0'], maxDurationS: 1.2 } })).json() as Json;
    for (const h of byLicense.results) {
      expect(h.clip.license).toBe('CC-BY-4.0');
      expect(h.clip.durationS).toBeLessThanOrEqual(1.2);
    }
    const none = (await search({ text: 'x', filter: { source: 'nowhere' } })).json() as Json;
    expect(none.results).toEqual([]);
  });

  it('finds clips like an indexed clip (clipId), the clip itself left out', async () => {
    const body = (await search({ clipId: 'noise/clicks', k: 2 })).json() as Json;
    expect(body.query).toEqual({ mode: 'clip', clipId: 'noise/clicks' });
    expect(body.results).toHaveLength(2);
    expect(body.results.map((h: Json) => h.id)).not.toContain('noise/clicks');
    const all = (await search({ clipId: 'noise/clicks', k: 100 })).json() as Json;
    expect(all.results).toHaveLength(CLIPS.length - 1);
  });

  it('re-ranks on request: rerankK reported and p(Yes) on the re-ranked hits', async () => {
    const body = (await search({ text: 'a rising sweep', k: 3, rerank: true })).json() as Json;
    expect(body.rerankK).toBe(20);
    for (const h of body.results) {
      expect(h.pYes).toBeGreaterThanOrEqual(0);
      expect(h.pYes).toBeLessThanOrEqual(1);
    }
    const explicit = (await search({ text: 'a rising sweep', k: 2, rerank: { k: 4 } })).json() as Json;
    expect(explicit.rerankK).toBe(4);
    expect(explicit.results).toHaveLength(2);
  });

  it('re-ranks the captions of an audio query, and refuses to re-rank a clipId query', async () => {
    const form = await multipart([
      ['rerank', 'true'],
      ['audio', fx.wav.get('noise/rumble')!, 'rumble.wav'],
    ]);
    const res = await app.inject({ method: 'POST', url: '/v1/search', ...form });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Json;
    expect(body.rerankK).toBe(20);
    expect(body.captions.length).toBeGreaterThan(0);
    for (const c of body.captions) expect(c.pYes).toBeGreaterThanOrEqual(0);
    for (const h of body.results) expect(h.pYes).toBeUndefined();
    await expectRefused(await search({ clipId: 'noise/white', rerank: true }), 400, 'bad-request', /text queries/);
  });

  it('answers an uploaded audio query with hits and captions (audio → text)', async () => {
    const form = await multipart([
      ['k', '4'],
      ['source', 'synth-tones'],
      ['audio', fx.wav.get('synth/tone-440')!, 'tone.wav'],
    ]);
    const res = await app.inject({ method: 'POST', url: '/v1/search', ...form });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Json;
    expect(body.query.mode).toBe('audio');
    expect(body.query.filename).toBe('tone.wav');
    expect(body.query.durationS).toBeCloseTo(1, 3);
    expect(body.results.length).toBe(3);
    expect(body.results[0].id).toBe('synth/tone-440');
    expect(body.results.every((h: Json) => h.clip.source === 'synth-tones')).toBe(true);
    expect(body.captions.length).toBeGreaterThan(0);
    for (const c of body.captions) {
      expect(CLIPS.find((x) => x.id === c.clipId)?.captions).toContain(c.caption);
    }
  });

  it('micro-batches concurrent queries and gives them the same answers as one at a time', async () => {
    const texts = Array.from({ length: 16 }, (_, i) => ['a steady tone', 'white noise', 'clicks ticking', 'a low rumble'][i % 4]!);
    const serial: Json[] = [];
    for (const text of texts) serial.push((await search({ text, k: 3 })).json() as Json);
    const before = fx.searcher.stats();
    const parallel = await Promise.all(texts.map((text) => search({ text, k: 3 })));
    const after = fx.searcher.stats();
    expect(after.queries - before.queries).toBe(16);
    // micro-batched: the first query starts a batch at once, the others arrive while it embeds and go as the next
    expect(after.batches - before.batches).toBeLessThanOrEqual(3);
    parallel.forEach((res, i) => {
      expect(res.statusCode).toBe(200);
      const got = (res.json() as Json).results;
      expect(got.map((h: Json) => h.id)).toEqual(serial[i]!.results.map((h: Json) => h.id));
      got.forEach((h: Json, j: number) => expect(h.score).toBeCloseTo(serial[i]!.results[j].score, 4));
    });
  });
});

describe('search: bad input', () => {
  it('k = 0, k too large, k not an integer', async () => {
    await expectRefused(await search({ text: 'tone', k: 0 }), 400, 'invalid-request', /body\.k must be >= 1/);
    await expectRefused(await search({ text: 'tone', k: 1_000_000 }), 400, 'invalid-request', /body\.k must be <= 1000/);
    await expectRefused(await search({ text: 'tone', k: 2.5 }), 400, 'invalid-request', /body\.k must be integer/);
    await expectRefused(await search({ text: 'tone', k: 'ten' }), 400, 'invalid-request', /body\.k/);
  });

  it('malformed JSON, an empty body, a body that is not an object', async () => {
    const headers = { 'content-type': 'application/json' };
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', payload: '{"text": "tone",', headers }), 400, 'malformed-json', /not valid JSON/);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', payload: '', headers }), 400, 'empty-body');
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', payload: '[1,2]', headers }), 400, 'invalid-request', /must be object/);
  });

  it('an oversize JSON body is 413', async () => {
    const payload = JSON.stringify({ text: 'tone', pad: 'x'.repeat(20_000) });
    await expectRefused(
      await app.inject({ method: 'POST', url: '/v1/search', payload, headers: { 'content-type': 'application/json' } }),
      413,
      'payload-too-large',
      /16 KiB/,
    );
  });

  it('a content type that is neither JSON nor multipart is 415', async () => {
    await expectRefused(
      await app.inject({ method: 'POST', url: '/v1/search', payload: 'a steady tone', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported-media-type',
      /application\/json/,
    );
  });

  it('no query, two queries, a blank or overlong text, an unknown property, a bad filter or rerank', async () => {
    await expectRefused(await search({ k: 3 }), 400, 'bad-query', /give a query/);
    await expectRefused(await search({ text: 'tone', clipId: 'noise/white' }), 400, 'bad-query', /only one/);
    await expectRefused(await search({ text: '   ' }), 400, 'bad-query', /blank/);
    await expectRefused(await search({ text: 'x'.repeat(1001) }), 400, 'invalid-request', /body\.text must NOT have more than 1000 characters/);
    await expectRefused(await search({ query: 'tone' }), 400, 'invalid-request', /unknown property "query"/);
    await expectRefused(await search({ text: 'tone', filter: { colour: 'red' } }), 400, 'invalid-request', /body\.filter: unknown property "colour"/);
    await expectRefused(await search({ text: 'tone', filter: { minDurationS: -1 } }), 400, 'invalid-request', /minDurationS must be >= 0/);
    await expectRefused(await search({ text: 'tone', rerank: { k: 0 } }), 400, 'invalid-request', /rerank/);
    await expectRefused(await search({ text: 'tone', rerank: { k: 5000 } }), 400, 'invalid-request', /rerank/);
  });

  it('an unknown clip id as the query is 404', async () => {
    await expectRefused(await search({ clipId: 'no/such-clip' }), 404, 'unknown-clip', /no\/such-clip/);
  });

  it('a non-audio upload is 415', async () => {
    const form = await multipart([['audio', new TextEncoder().encode('this is a text file, not a sound'), 'notes.txt']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...form }), 415, 'unsupported-audio', /notes\.txt.*not audio|not audio.*notes\.txt/s);
  });

  it('a truncated audio file is 422', async () => {
    const wav = fx.wav.get('noise/white')!;
    const form = await multipart([['audio', wav.subarray(0, 30), 'cut.wav']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...form }), 422, 'undecodable-audio', /cut\.wav.*truncated/);
  });

  it('an empty file and audio too short to embed are 422', async () => {
    const empty = await multipart([['audio', new Uint8Array(0), 'empty.wav']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...empty }), 422, 'undecodable-audio', /empty/);
    const short = await multipart([['audio', fx.wav.get('noise/white')!.subarray(0, 100), 'short.wav']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...short }), 422, 'audio-too-short', /short\.wav/);
  });

  it('an upload over the size cap is 413', async () => {
    const big = new Uint8Array(UPLOAD_CAP + 1024);
    big.set(fx.wav.get('noise/white')!.subarray(0, 44));
    const form = await multipart([['audio', big, 'big.wav']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...form }), 413, 'upload-too-large', /256 KiB/);
  });

  it('a multipart search without a file, with two files, with bad fields, or cut short', async () => {
    const noFile = await multipart([['k', '3']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...noFile }), 400, 'missing-audio', /audio file/);
    const wav = fx.wav.get('synth/tone-440')!;
    const two = await multipart([
      ['audio', wav, 'a.wav'],
      ['audio2', wav, 'b.wav'],
    ]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...two }), 413, 'too-many-files', /one audio file/);
    const badK = await multipart([['k', '0'], ['audio', wav, 'a.wav']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...badK }), 400, 'invalid-request', /form field k must be >= 1/);
    const withText = await multipart([['text', 'tone'], ['audio', wav, 'a.wav']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...withText }), 400, 'invalid-request', /unknown form field "text"/);
    const cut = await multipart([['audio', wav, 'a.wav']]);
    cut.payload = cut.payload.subarray(0, cut.payload.length - 40);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/search', ...cut }), 400, 'malformed-multipart');
  });
});

describe('clips', () => {
  it('GET /v1/clips/:id returns the metadata (ids with "/" URL-encoded)', async () => {
    const res = await app.inject({ url: '/v1/clips/noise%2Fwhite' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'noise/white', source: 'synth-noise', license: 'CC-BY-4.0', tags: ['noise', 'hiss'] });
    expect(res.json()).not.toHaveProperty('path');
  });

  it('an unknown id is 404, for the metadata and the audio', async () => {
    await expectRefused(await app.inject({ url: '/v1/clips/nope' }), 404, 'unknown-clip', /"nope"/);
    await expectRefused(await app.inject({ url: '/v1/clips/nope/audio' }), 404, 'unknown-clip');
    await expectRefused(await app.inject({ url: `/v1/clips/${'x'.repeat(1100)}` }), 400, 'invalid-request', /params\.id/);
  });

  it('serves the audio whole, as byte ranges (206), and refuses a range past the end (416)', async () => {
    const wav = fx.wav.get('synth/tone-440')!;
    const whole = await app.inject({ url: '/v1/clips/synth%2Ftone-440/audio' });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('audio/wav');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(whole.rawPayload, Buffer.from(wav))).toBe(0);

    const part = await app.inject({ url: '/v1/clips/synth%2Ftone-440/audio', headers: { range: 'bytes=4-11' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 4-11/${wav.length}`);
    expect(part.headers['content-length']).toBe('8');
    expect(Buffer.compare(part.rawPayload, Buffer.from(wav.subarray(4, 12)))).toBe(0);

    const open = await app.inject({ url: '/v1/clips/synth%2Ftone-440/audio', headers: { range: 'bytes=100-' } });
    expect(open.statusCode).toBe(206);
    expect(open.rawPayload.length).toBe(wav.length - 100);

    const suffix = await app.inject({ url: '/v1/clips/synth%2Ftone-440/audio', headers: { range: 'bytes=-16' } });
    expect(suffix.statusCode).toBe(206);
    expect(Buffer.compare(suffix.rawPayload, Buffer.from(wav.subarray(wav.length - 16)))).toBe(0);

    const past = await app.inject({ url: '/v1/clips/synth%2Ftone-440/audio', headers: { range: `bytes=${wav.length}-` } });
    await expectRefused(past, 416, 'range-not-satisfiable', /outside the file/);
    expect(past.headers['content-range']).toBe(`bytes */${wav.length}`);

    const garbled = await app.inject({ url: '/v1/clips/synth%2Ftone-440/audio', headers: { range: 'bytes=banana' } });
    expect(garbled.statusCode).toBe(200);

    const etag = whole.headers.etag as string;
    const cached = await app.inject({ url: '/v1/clips/synth%2Ftone-440/audio', headers: { 'if-none-match': etag } });
    expect(cached.statusCode).toBe(304);
  });

  it('HEAD reports the length without the body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/v1/clips/noise%2Fwhite/audio' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(fx.wav.get('noise/white')!.length));
    expect(res.rawPayload.length).toBe(0);
  });

  it('no path traversal: a request can only name an id, and only indexed files are served', async () => {
    for (const url of ['/v1/clips/..%2F..%2F..%2Fetc%2Fpasswd/audio', '/v1/clips/%2Fetc%2Fpasswd/audio', '/v1/clips/../../etc/passwd']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('root:');
    }
  });
});

describe('admin: adding and removing clips', () => {
  const auth = { authorization: `Bearer ${KEY}` };

  it('refuses without the API key (401) and with a wrong one (403), before reading the upload', async () => {
    const form = await multipart([['audio', fx.freshWav, 'new.wav']]);
    const missing = await app.inject({ method: 'POST', url: '/v1/clips', ...form });
    await expectRefused(missing, 401, 'missing-api-key', /Authorization: Bearer/);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await app.inject({ method: 'POST', url: '/v1/clips', payload: form.payload, headers: { ...form.headers, 'x-api-key': 'not-the-key' } });
    await expectRefused(wrong, 403, 'wrong-api-key');
    await expectRefused(await app.inject({ method: 'DELETE', url: '/v1/clips/noise%2Fwhite' }), 401, 'missing-api-key');
    await expectRefused(await app.inject({ method: 'DELETE', url: '/v1/clips/noise%2Fwhite', headers: { authorization: 'Bearer wrong' } }), 403, 'wrong-api-key');
    expect(fx.index.has('noise/white')).toBe(true);
  });

  it('adds an uploaded clip, finds it, serves it, refuses duplicates, then removes it', async () => {
    const form = await multipart([
      ['id', 'uploads/a-660-hz-tone'],
      ['source', 'test-upload'],
      ['license', 'CC0-1.0'],
      ['caption', 'a steady tone, a little higher'],
      ['tags', 'tone, beep'],
      ['audio', fx.freshWav, 'tone660.wav'],
    ]);
    const res = await app.inject({ method: 'POST', url: '/v1/clips', payload: form.payload, headers: { ...form.headers, ...auth } });
    expect(res.statusCode, res.body).toBe(201);
    const clip = (res.json() as Json).clip;
    expect(clip).toMatchObject({ id: 'uploads/a-660-hz-tone', source: 'test-upload', license: 'CC0-1.0', captions: ['a steady tone, a little higher'], tags: ['tone', 'beep'] });
    expect(clip.durationS).toBeCloseTo(1, 3);
    expect(fx.index.size).toBe(CLIPS.length + 1);

    const query = await multipart([['k', '1'], ['audio', fx.freshWav, 'query.wav']]);
    const found = (await app.inject({ method: 'POST', url: '/v1/search', ...query })).json() as Json;
    expect(found.results[0].id).toBe('uploads/a-660-hz-tone');
    expect(found.results[0].similarity).toBeGreaterThan(0.99);
    const audio = await app.inject({ url: clip.audioUrl });
    expect(audio.statusCode).toBe(200);
    expect(Buffer.compare(audio.rawPayload, Buffer.from(fx.freshWav))).toBe(0);

    const again = await multipart([['audio', fx.freshWav, 'same.wav']]);
    await expectRefused(
      await app.inject({ method: 'POST', url: '/v1/clips', payload: again.payload, headers: { ...again.headers, ...auth } }),
      409,
      'duplicate-audio',
      /uploads\/a-660-hz-tone/,
    );
    const sameId = await multipart([['id', 'noise/white'], ['audio', fx.wav.get('noise/white')!.subarray(0, 20000), 'w.wav']]);
    await expectRefused(await app.inject({ method: 'POST', url: '/v1/clips', payload: sameId.payload, headers: { ...sameId.headers, ...auth } }), 409, 'duplicate-id');

    const path = fx.index.get('uploads/a-660-hz-tone')!.path;
    expect(existsSync(path)).toBe(true);
    const del = await app.inject({ method: 'DELETE', url: '/v1/clips/uploads%2Fa-660-hz-tone', headers: auth });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ deleted: 'uploads/a-660-hz-tone' });
    expect(existsSync(path)).toBe(false);
    expect(fx.index.size).toBe(CLIPS.length);
    await expectRefused(await app.inject({ url: '/v1/clips/uploads%2Fa-660-hz-tone' }), 404, 'unknown-clip');
    await expectRefused(await app.inject({ method: 'DELETE', url: '/v1/clips/uploads%2Fa-660-hz-tone', headers: auth }), 404, 'unknown-clip');
  });

  it('refuses bad uploads: no file, not audio, a bad id, an unknown field', async () => {
    const post = async (parts: Parameters<typeof multipart>[0]) => {
      const f = await multipart(parts);
      return app.inject({ method: 'POST', url: '/v1/clips', payload: f.payload, headers: { ...f.headers, ...auth } });
    };
    await expectRefused(await post([['id', 'x']]), 400, 'missing-audio');
    await expectRefused(await post([['audio', new TextEncoder().encode('GIF89a not a sound'), 'x.gif']]), 415, 'unsupported-audio');
    await expectRefused(await post([['id', '../escape'], ['audio', fx.freshWav, 'a.wav']]), 400, 'invalid-request', /form field id/);
    await expectRefused(await post([['colour', 'red'], ['audio', fx.freshWav, 'a.wav']]), 400, 'invalid-request', /unknown form field "colour"/);
    await expectRefused(
      await app.inject({ method: 'POST', url: '/v1/clips', payload: { id: 'x' }, headers: auth }),
      415,
      'unsupported-media-type',
      /multipart/,
    );
    expect(fx.index.size).toBe(CLIPS.length);
  });

  it('without a configured key, adding and removing are disabled (403)', async () => {
    const closed = buildServer({ index: fx.index, searcher: fx.searcher });
    try {
      await expectRefused(await closed.inject({ method: 'DELETE', url: '/v1/clips/noise%2Fwhite', headers: auth }), 403, 'admin-disabled', /AUROLA_API_KEY/);
    } finally {
      await closed.close();
    }
  });
});

describe('service routes', () => {
  it('/healthz', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.json()).toMatchObject({ status: 'ok', clips: CLIPS.length, dim: fx.backbone.dim, model: fx.backbone.name });
  });

  it('/metrics: request counts by route and status, the search latency histogram, the index size', async () => {
    await search({ text: 'tone' });
    await search({ text: 'tone' }); // asked again: from the Searcher's text cache
    await app.inject({ url: '/v1/clips/unknown-for-metrics' });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toMatch(/^# TYPE aurola_http_requests_total counter$/m);
    expect(text).toMatch(/^aurola_http_requests_total\{method="POST",route="\/v1\/search",status="200"\} \d+$/m);
    expect(text).toMatch(/^aurola_http_requests_total\{method="GET",route="\/v1\/clips\/:id",status="404"\} \d+$/m);
    expect(text).toMatch(/^# TYPE aurola_search_duration_seconds histogram$/m);
    expect(text).toMatch(/^aurola_search_duration_seconds_bucket\{mode="text",rerank="no",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^aurola_search_duration_seconds_count\{mode="text",rerank="no"\} \d+$/m);
    expect(text).toMatch(new RegExp(`^aurola_index_clips ${CLIPS.length}$`, 'm'));
    const batches = Number(/^aurola_search_batches_total (\d+)$/m.exec(text)?.[1]);
    expect(batches).toBe(fx.searcher.stats().batches);
    expect(batches).toBeGreaterThan(0);
    expect(text).toMatch(/^aurola_search_queued 0$/m);
    const rounds = Number(/^aurola_search_rank_rounds_total (\d+)$/m.exec(text)?.[1]);
    expect(rounds).toBe(fx.searcher.stats().rankRounds);
    expect(rounds).toBeGreaterThan(0);
    const cacheHits = Number(/^aurola_search_text_cache_hits_total (\d+)$/m.exec(text)?.[1]);
    expect(cacheHits).toBe(fx.searcher.stats().textCacheHits);
    expect(cacheHits).toBeGreaterThan(0);
    expect(text).not.toContain('unknown-for-metrics');
  });

  it('/docs serves Swagger UI from the package and the OpenAPI document lists every route', async () => {
    const ui = await app.inject({ url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).not.toMatch(/src="https?:|href="https?:/);
    const doc = (await app.inject({ url: '/docs/json' })).json() as Json;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(['/healthz', '/metrics', '/v1/clips', '/v1/clips/{id}', '/v1/clips/{id}/audio', '/v1/search']);
    expect(Object.keys(doc.paths['/v1/search'].post.requestBody.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(doc.paths['/v1/clips'].post.security).toBeDefined();
  });

  it('the page and its assets, with a same-origin-only CSP and no external URLs', async () => {
    for (const [url, type] of [
      ['/', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/style.css', 'text/css'],
    ] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(new RegExp(`^${type}`));
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.body).not.toMatch(/https?:\/\//);
    }
    const html = (await app.inject({ url: '/' })).body;
    expect(html).toMatch(/<label for="q"/);
    expect(html).toMatch(/<label for="audio-file"/);
  });

  it('an unknown route is a JSON 404', async () => {
    await expectRefused(await app.inject({ url: '/v2/anything' }), 404, 'not-found', /GET \/v2\/anything/);
  });
});
