/**
 * An AudioTranscoder that runs in a codec worker (./codec-worker.ts) of a WorkerPool: the same
 * inputs, but its output frames arrive later through `onFrames`, in order.
 *
 * Input bytes are copied once into a buffer of their own and transferred (the source's frame is
 * shared with the stream's other sinks, so its buffer cannot be handed over); output frames come
 * back transferred. A frame the worker's full queue refuses is dropped and counted; the
 * transcoder's gap filling covers its time.
 *
 * When the worker dies, the pool starts a new one and this transcoder is made again there (with
 * mute and sound as they were); the output resumes at the next source frame and the gap in output
 * time is counted, reported to `onGap` and logged with the session's label.
 */
import type { AudioConfig, AudioFrame } from "../codecs/frame.ts";
import type { Logger } from "../log.ts";
import { AAC_FRAME_SAMPLES } from "../codecs/aac-config.ts"; // not ./aac/index.ts: the encoder stays out of the main thread
import { OPUS_FRAME_SAMPLES } from "./opus-encoder.ts";
import type { PcmBlock } from "./pcm.ts";
import type { TranscoderOptions } from "./transcoder.ts";
import { WorkerLostError, WorkerPool, type PoolSession } from "./worker-pool.ts";

/** Tries to make a stream's codec when its worker dies before answering (the pool restarts it). */
const CREATE_ATTEMPTS = 3;
/** How long a create waits for its lost worker to be replaced. */
const RESTART_WAIT_MS = 15_000;

/** The codec worker's module: its TypeScript source under tsx, the built .js under dist/. */
export const CODEC_WORKER_ENTRY = new URL(import.meta.url.endsWith(".ts") ? "./codec-worker.ts" : "./codec-worker.js", import.meta.url);

/** A pool of codec workers: `size` threads, each with at most `maxQueue` jobs outstanding. */
export function createCodecPool(size: number, maxQueue: number, log: Logger): WorkerPool {
  return new WorkerPool({ entry: CODEC_WORKER_ENTRY, size, maxQueue, log });
}

export interface PooledTranscoderOptions extends TranscoderOptions {
  /** the stream the audio belongs to: names the session in logs, keeps a stream's codecs on one worker */
  readonly stream: string;
  readonly log: Logger;
  readonly onFrames: (frames: AudioFrame[]) => void;
  /** output time lost to a worker restart, ms */
  readonly onGap?: (ms: number) => void;
}

/**
 * Makes the stream's codec on its session's worker. A worker that dies (or is restarting) before
 * it answers is waited out and asked again on its replacement: a crash caused by another stream
 * must not leave this one without audio for good.
 */
async function makeCodec(session: PoolSession, options: PooledTranscoderOptions): Promise<AudioConfig> {
  for (let attempt = 1; ; attempt++) {
    try {
      const made = session.control<AudioConfig>("create", transcoderOptions(options, options.startMs));
      if (!made) throw new WorkerLostError("the stream's codec worker is restarting");
      return await made;
    } catch (err) {
      if (!(err instanceof WorkerLostError) || attempt === CREATE_ATTEMPTS) throw err;
      await workerReplaced(session);
    }
  }
}

function workerReplaced(session: PoolSession): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new WorkerLostError(`not replaced within ${RESTART_WAIT_MS} ms`)), RESTART_WAIT_MS);
    session.onRestart(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class PooledTranscoder {
  readonly source: AudioConfig | undefined;
  readonly output: AudioConfig;
  /** source frames not transcoded: the worker's queue was full, or the worker died */
  dropped = 0;
  /** worker restarts this transcoder lived through, and the output time they cost (ms) */
  restarts = 0;
  gapMs = 0;
  private readonly options: PooledTranscoderOptions;
  private readonly session: PoolSession;
  private muted = false;
  private sound: { pcm: PcmBlock; loop: boolean } | undefined;
  /** end of the last output frame, ms */
  private outputEnd: number | undefined;
  /** set after a restart until the first output frame shows the gap */
  private resuming = false;

  private constructor(options: PooledTranscoderOptions, session: PoolSession, output: AudioConfig) {
    this.options = options;
    this.source = options.source;
    this.session = session;
    this.output = output;
    session.onRestart(() => this.restart());
  }

  static async create(pool: WorkerPool, options: PooledTranscoderOptions): Promise<PooledTranscoder> {
    const session = pool.open(`${options.stream}/audio`, options.stream);
    try {
      return new PooledTranscoder(options, session, await makeCodec(session, options));
    } catch (err) {
      session.close();
      throw err;
    }
  }

  /** One source frame in; what it makes comes to `onFrames` (the empty list keeps AudioTranscoder's shape). */
  push(frame: AudioFrame): AudioFrame[] {
    // new Uint8Array, not slice(): a Node Buffer's slice() is a view, and transferring its pool
    // (an RTMP socket's read buffer) detached the bytes of every other frame and message in it
    const data = new Uint8Array(frame.data);
    this.deliver(this.session.request<AudioFrame[]>("push", { ...frame, data }, [data.buffer]));
    return [];
  }

  tick(nowMs: number): AudioFrame[] {
    this.deliver(this.session.request<AudioFrame[]>("tick", nowMs));
    return [];
  }

  flush(): AudioFrame[] {
    this.deliver(this.session.request<AudioFrame[]>("flush", undefined));
    return [];
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.control("mute", muted);
  }

  soundOn(pcm: PcmBlock, loop: boolean): void {
    this.sound = { pcm, loop };
    this.sendSound();
  }

  soundOff(): void {
    this.sound = undefined;
    this.control("soundOff", undefined);
  }

  close(): void {
    if (this.session.closed) return;
    this.control("close", undefined);
    this.session.close();
  }

  private sendSound(): void {
    if (!this.sound) return;
    const samples = this.sound.pcm.samples.slice();
    const pcm: PcmBlock = { sampleRate: this.sound.pcm.sampleRate, channels: this.sound.pcm.channels, samples };
    this.control("soundOn", { pcm, loop: this.sound.loop }, [samples.buffer]);
  }

  /** A job without output; one lost with a worker is redone by the restart that follows. */
  private control(op: string, args: unknown, transfer: ArrayBuffer[] = []): void {
    this.session.control(op, args, transfer)?.catch((err: unknown) => this.failed(op, err));
  }

  private deliver(reply: Promise<AudioFrame[]> | undefined): void {
    if (!reply) {
      this.dropped++;
      return;
    }
    reply.then(
      (frames) => this.received(frames),
      (err: unknown) => {
        this.dropped++;
        this.failed("transcode", err);
      },
    );
  }

  private received(frames: AudioFrame[]): void {
    if (frames.length === 0 || this.session.closed) return;
    if (this.resuming && this.outputEnd !== undefined) {
      const gap = Math.max(0, frames[0]!.dts - this.outputEnd);
      this.gapMs += gap;
      this.options.log.warn("audio resumed after a codec worker restart", { stream: this.options.stream, gapMs: Math.round(gap) });
      this.options.onGap?.(gap);
    }
    this.resuming = false;
    const last = frames.at(-1)!;
    this.outputEnd = last.dts + frameMs(last, this.output);
    this.options.onFrames(frames);
  }

  private restart(): void {
    if (this.session.closed) return;
    this.restarts++;
    this.resuming = true;
    const made = this.session.control("create", transcoderOptions(this.options, this.outputEnd ?? this.options.startMs));
    made?.catch((err: unknown) => this.failed("create", err));
    if (this.muted) this.control("mute", true);
    this.sendSound();
  }

  private failed(op: string, err: unknown): void {
    // a lost worker is logged once by the pool; anything else is a codec error worth a line
    if (err instanceof WorkerLostError || this.session.closed) return;
    this.options.log.warn(`audio ${op} failed in the codec worker`, { stream: this.options.stream, error: err as Error });
  }
}

function transcoderOptions(options: TranscoderOptions, startMs: number | undefined): TranscoderOptions {
  return { source: options.source, target: options.target, startMs };
}

/** Duration of one output frame, ms. */
function frameMs(frame: AudioFrame, output: AudioConfig): number {
  if (frame.codec === "AAC") return (AAC_FRAME_SAMPLES * 1000) / output.sampleRate;
  if (frame.codec === "OPUS") return (OPUS_FRAME_SAMPLES * 1000) / output.sampleRate;
  return (frame.data.length * 1000) / output.sampleRate;
}
