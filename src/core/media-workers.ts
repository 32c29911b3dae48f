/**
 * Where the node's codec work runs (DESIGN "Scale", issue 13): a pool of codec workers when
 * `media.workers` is above 0, so the event loop keeps the I/O; the event loop itself otherwise.
 * Core decides which stream's audio goes to which worker (one stream's codecs stay on one worker)
 * and reports the node's health: event-loop delay and the pool's queues, restarts and drops.
 */
import { availableParallelism } from "node:os";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { createCodecPool, PooledTranscoder } from "../audio/pooled-transcoder.ts";
import type { WorkerPool, WorkerPoolStats } from "../audio/worker-pool.ts";
import type { Logger } from "../log.ts";
import { inThreadTranscoder, type TranscoderMaker } from "../audio/transcoders.ts";

/** Jobs one codec worker may have outstanding: about 2 s of 20 ms frames for 25 streams. */
const WORKER_QUEUE = 2500;
/** Audio gaps after worker restarts kept for the status. */
const GAPS_KEPT = 16;
/** Event-loop delay is reported over windows of this length (the last full one). */
const LOOP_WINDOW_MS = 10_000;

export interface EventLoopDelay {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** the window these figures cover, ms */
  readonly windowMs: number;
}

export interface MediaHealth {
  readonly eventLoop: EventLoopDelay;
  /** the codec pool (threads as configured, counters 0 until a stream first needs a codec); workers 0 when codecs run in the event loop */
  readonly codecWorkers: WorkerPoolStats;
  /** the latest audio gaps that codec worker restarts cost, oldest first */
  readonly audioGaps: readonly AudioGap[];
}

export interface AudioGap {
  readonly stream: string;
  readonly gapMs: number;
  /** when the audio resumed (ISO 8601) */
  readonly at: string;
}

/** `media.workers`: -1 is the machine's cores less the event loop's, at least 1. */
export function codecWorkerCount(setting: number): number {
  return setting >= 0 ? setting : Math.max(1, availableParallelism() - 1);
}

export class MediaWorkers {
  /** its threads start when a stream first needs one (transcoderFor warms it) */
  private readonly workerPool: WorkerPool | undefined;
  private readonly workers: number;
  private readonly log: Logger;
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: EventLoopDelay;
  private readonly gaps: AudioGap[] = [];
  private windowStart = performance.now();

  constructor(workers: number, log: Logger) {
    this.log = log;
    this.workers = workers;
    this.workerPool = workers > 0 ? createCodecPool(workers, WORKER_QUEUE, log) : undefined;
    if (this.workerPool) log.info("codec workers start when first needed", { threads: workers });
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.last = this.read(0);
    this.timer = setInterval(() => {
      this.last = this.read(performance.now() - this.windowStart);
      this.windowStart = performance.now();
      this.histogram.reset();
    }, LOOP_WINDOW_MS).unref();
  }

  get pool(): WorkerPool | undefined {
    return this.workerPool;
  }

  /** Starts the codec thread `streamName`'s codecs will run on, if it is not running (none without workers). */
  warm(streamName: string): void {
    this.workerPool?.warm(streamName);
  }

  /**
   * How a stream's audio is transcoded: in its worker, or here. Asked when a push, call or player
   * is set up, before its audio comes: the stream's worker thread starts now, so it is up (with its
   * codecs compiled) by the time the first frame needs it.
   */
  transcoderFor(streamName: string): TranscoderMaker {
    if (this.workers === 0) return inThreadTranscoder;
    this.warm(streamName);
    return (options, deliver) => PooledTranscoder.create(this.workerPool!, { ...options, stream: streamName, log: this.log, onFrames: deliver, onGap: (ms) => this.noteGap(streamName, ms) });
  }

  /** The last full window of event-loop delay (the current one before the first is full) and the pool's counters. */
  health(): MediaHealth {
    const loop = this.last.windowMs > 0 ? this.last : this.read(performance.now() - this.windowStart);
    const codecWorkers = this.workerPool?.status() ?? { workers: this.workers, running: 0, sessions: 0, queueDepth: 0, maxQueueDepth: 0, restarts: 0, droppedJobs: 0, lostJobs: 0 };
    return { eventLoop: loop, codecWorkers, audioGaps: [...this.gaps] };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.histogram.disable();
    await this.workerPool?.close();
  }

  private noteGap(stream: string, ms: number): void {
    this.gaps.push({ stream, gapMs: Math.round(ms), at: new Date().toISOString() });
    if (this.gaps.length > GAPS_KEPT) this.gaps.shift();
  }

  private read(windowMs: number): EventLoopDelay {
    const h = this.histogram;
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
    return { p50Ms: h.count ? ms(h.percentile(50)) : 0, p99Ms: h.count ? ms(h.percentile(99)) : 0, maxMs: h.count ? ms(h.max) : 0, windowMs: Math.round(windowMs) };
  }
}
