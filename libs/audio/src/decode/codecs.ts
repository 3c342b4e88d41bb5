// The WASM decoders (FLAC, Ogg Vorbis, Opus, MP3): created lazily on first use, reused across calls, one
// call at a time per decoder (they are stateful), thrown away after any failure (a WASM trap can leave the
// instance's memory inconsistent) and freed by releaseDecoders().
//
// They run synchronously on the calling thread, so a decoder stuck in a loop could not be interrupted; none
// was seen in ~30 000 fuzzed decodes (slowest call ~0.35 s). Moving them into a worker with a watchdog would
// close that gap, at the cost of a copy per call.
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { OggVorbisDecoder } from '@wasm-audio-decoders/ogg-vorbis';
import { MPEGDecoder } from 'mpg123-decoder';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import { fail } from './errors.js';
import { frameLimit, type RawAudio } from './validate.js';

/** What all four decoders return from a call. */
interface Decoded {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: { message: string }[];
}

/** The part of the decoders' (slightly different) APIs used here. */
interface StreamingDecoder {
  readonly ready: Promise<void>;
  decode(chunk: Uint8Array): Decoded | Promise<Decoded>;
  /** Decodes what the parser held back and resets; absent for MPEG, which holds nothing back. */
  flush?(): Promise<Decoded>;
  reset(): Promise<void>;
  free(): void;
}

export type CodecName = 'flac' | 'vorbis' | 'opus' | 'mpeg';

/** The result of a streaming decode, before format-specific fixes and the shared checks. */
export interface CodecOutput extends RawAudio {
  /** Up to a few error messages the decoder reported (it may still have produced audio). */
  errors: string[];
}

/** Input bytes per decode call: small enough that a duration limit stops early, large enough to be cheap. */
const CHUNK_BYTES = 256 * 1024;
const MAX_ERRORS_KEPT = 5;

/** One lazily created decoder and the queue that serialises its use. */
class DecoderSlot {
  private decoder: StreamingDecoder | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly create: () => StreamingDecoder) {}

  run<T>(job: (d: StreamingDecoder) => Promise<T>): Promise<T> {
    return this.enqueue(() => this.withDecoder(job));
  }

  /** Frees the decoder once queued calls have finished; the next call creates a new one. */
  release(): Promise<void> {
    return this.enqueue(async () => this.discard());
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async withDecoder<T>(job: (d: StreamingDecoder) => Promise<T>): Promise<T> {
    try {
      this.decoder ??= this.create();
      await this.decoder.ready;
      return await job(this.decoder);
    } catch (error) {
      this.discard();
      throw error;
    }
  }

  private discard(): void {
    const d = this.decoder;
    this.decoder = undefined;
    try {
      d?.free();
    } catch {
      // A decoder that failed to initialise or trapped may not free cleanly; it is garbage either way.
    }
  }
}

const slots: Record<CodecName, DecoderSlot> = {
  flac: new DecoderSlot(() => new FLACDecoder()),
  vorbis: new DecoderSlot(() => new OggVorbisDecoder()),
  opus: new DecoderSlot(() => new OggOpusDecoder()),
  mpeg: new DecoderSlot(() => new MPEGDecoder()),
};

/** Frees every WASM decoder instance (e.g. at shutdown or after a batch); later decodes create new ones. */
export async function releaseDecoders(): Promise<void> {
  await Promise.all(Object.values(slots).map((s) => s.release()));
}

/** Decodes `bytes` with the named decoder, stopping after the chunk that reaches `maxDurationS`. */
export function decodeWithWasm(codec: CodecName, bytes: Uint8Array, maxDurationS?: number): Promise<CodecOutput> {
  return slots[codec].run((d) => streamDecode(d, bytes, maxDurationS));
}

async function streamDecode(d: StreamingDecoder, bytes: Uint8Array, maxDurationS?: number): Promise<CodecOutput> {
  const out = new Collector();
  let stoppedEarly = false;
  for (let off = 0; off < bytes.length && !stoppedEarly; off += CHUNK_BYTES) {
    out.add(await quietly(() => d.decode(bytes.subarray(off, off + CHUNK_BYTES)), out.errors));
    stoppedEarly = out.frames >= frameLimit(maxDurationS, out.sampleRate);
  }
  if (!stoppedEarly && d.flush) out.add(await quietly(() => d.flush!(), out.errors));
  // flush() resets by itself; otherwise reset so the next file starts from a clean state.
  if (stoppedEarly || !d.flush) await d.reset();
  return out.result();
}

/** Gathers decoder results, checking that the stream keeps one sample rate and channel count. */
class Collector {
  readonly errors: string[] = [];
  sampleRate = 0;
  frames = 0;
  private parts: Float32Array[][] = [];

  add(r: Decoded): void {
    for (const e of r.errors) this.note(e.message);
    if (!(r.samplesDecoded > 0)) return;
    const first = this.parts[0];
    if (first && r.sampleRate !== this.sampleRate) fail('unsupported-encoding', 'the sample rate changes mid-stream');
    if (first && r.channelData.length !== first.length)
      fail('unsupported-encoding', 'the channel count changes mid-stream');
    if (r.channelData.some((c) => c.length !== r.samplesDecoded))
      fail('corrupt', 'the decoder returned ragged channels');
    this.sampleRate = r.sampleRate;
    this.parts.push(r.channelData);
    this.frames += r.samplesDecoded;
  }

  note(message: string): void {
    if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push(message);
  }

  result(): CodecOutput {
    const channelCount = this.parts[0]?.length ?? 0;
    const channels = Array.from({ length: channelCount }, (_, c) =>
      concat(
        this.parts.map((p) => p[c]!),
        this.frames,
      ),
    );
    return { sampleRate: this.sampleRate, channels, errors: this.errors };
  }
}

function concat(parts: Float32Array[], length: number): Float32Array {
  if (parts.length === 1 && parts[0]!.length === length) return parts[0]!;
  const out = new Float32Array(length);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Runs the synchronous part of a decoder call with console.error/warn captured into `sink`: the FLAC and
 * MPEG decoders log every bad frame, which would flood a batch job's output; the messages go into our error
 * detail instead. Only the synchronous part is covered, so no unrelated code can run while console is swapped.
 */
function quietly<T>(call: () => T, sink: string[]): T {
  const { error, warn } = console;
  console.error = console.warn = (...args: unknown[]) => {
    if (sink.length < MAX_ERRORS_KEPT) sink.push(args.map(String).join(' ').trim());
  };
  try {
    return call();
  } finally {
    console.error = error;
    console.warn = warn;
  }
}
