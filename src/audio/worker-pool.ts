/**
 * A pool of worker threads for CPU work that must not stall the event loop (DESIGN "Scale": the
 * event loop does I/O, codecs run beside it). Work is grouped in sessions: a session's state (a
 * codec's history) lives in one worker, chosen when the session opens, and its jobs run there in
 * the order they were sent.
 *
 * Back-pressure: a worker has at most `maxQueue` jobs outstanding; a media job past that is not sent
 * but dropped and counted (the caller treats it as lost media), so a slow worker never makes memory
 * grow. Control jobs (make a codec, mute, close: a few per stream) are never dropped.
 *
 * Threads start when first needed (a session opens on them, or `warm` expects one): an idle node
 * holds no codec thread (each is about 20 MB with its codecs compiled). Jobs sent while a thread
 * starts wait in its message port and run once it is up.
 *
 * Failure: a worker that exits or throws is replaced. Its outstanding jobs fail with
 * WorkerLostError, the log names the sessions it carried, and each session's `onRestart` handlers
 * run once the new worker is up so their owners can rebuild their state there.
 *
 * The worker side is `serveJobs` in the entry module given to the pool.
 */
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import type { Logger } from "../log.ts";
import { AUDIO_ERR, AudioError } from "./errors.ts";

export interface WorkerPoolOptions {
  /** the worker's module: a .ts entry runs through tsx (tests, npm start), a .js one as it is (dist/) */
  readonly entry: URL;
  /** threads, at least 1 */
  readonly size: number;
  /** jobs one worker may have outstanding before further jobs are dropped */
  readonly maxQueue: number;
  readonly log: Logger;
}

export interface WorkerPoolStats {
  readonly workers: number;
  /** threads started: each starts when a stream first needs it */
  readonly running: number;
  readonly sessions: number;
  /** jobs sent and not yet answered, all workers */
  readonly queueDepth: number;
  /** the largest queueDepth of one worker since the pool started */
  readonly maxQueueDepth: number;
  readonly restarts: number;
  /** jobs refused because their worker's queue was full */
  readonly droppedJobs: number;
  /** jobs lost with a worker that died */
  readonly lostJobs: number;
}

/** A job whose worker died before answering. */
export class WorkerLostError extends AudioError {
  constructor(reason: string) {
    super(AUDIO_ERR.WORKER_LOST, `codec worker lost: ${reason}`);
  }
}

interface JobMessage {
  readonly session: number;
  readonly seq: number;
  readonly op: string;
  readonly args: unknown;
}

interface ReplyMessage {
  readonly session: number;
  readonly seq: number;
  readonly result?: unknown;
  readonly error?: string;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  readonly index: number;
  /** undefined until the first session needs this thread */
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  sessions: Set<PoolSession>;
  /** when the worker died, until its replacement is online */
  diedAt?: number;
  /** whether the current worker came online, and how many replacements in a row did not */
  started: boolean;
  failedStarts: number;
}

const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 5000;

export class PoolSession {
  readonly id: number;
  /** what the log calls this session (a stream name) */
  readonly label: string;
  private readonly restartHandlers: (() => void)[] = [];
  closed = false;

  constructor(
    private readonly pool: WorkerPool,
    readonly slot: number,
    id: number,
    label: string,
  ) {
    this.id = id;
    this.label = label;
  }

  /**
   * Sends one media job to this session's worker; `transfer` lists buffers handed over (not copied).
   * Undefined when the worker's queue is full: the job was dropped and counted.
   */
  request<T>(op: string, args: unknown, transfer: readonly ArrayBuffer[] = []): Promise<T> | undefined {
    return this.pool.send(this, op, args, transfer, true) as Promise<T> | undefined;
  }

  /** Sends one control job, past a full queue too; undefined only while the worker restarts or after close. */
  control<T>(op: string, args: unknown, transfer: readonly ArrayBuffer[] = []): Promise<T> | undefined {
    return this.pool.send(this, op, args, transfer, false) as Promise<T> | undefined;
  }

  /** Runs after this session's worker was replaced, once the new one is up. */
  onRestart(handler: () => void): void {
    this.restartHandlers.push(handler);
  }

  restarted(): void {
    for (const handler of this.restartHandlers) handler();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.release(this);
  }
}

export class WorkerPool {
  private readonly options: WorkerPoolOptions;
  private readonly slots: Slot[];
  private nextSession = 1;
  private nextSeq = 1;
  private closing = false;
  private stats = { maxQueueDepth: 0, restarts: 0, droppedJobs: 0, lostJobs: 0 };

  constructor(options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new AudioError(AUDIO_ERR.POOL_SIZE, `worker pool size ${options.size}: at least 1`);
    this.options = options;
    this.slots = Array.from({ length: options.size }, (_, index) => ({ index, worker: undefined, pending: new Map(), sessions: new Set(), started: false, failedStarts: 0 }));
  }

  get size(): number {
    return this.slots.length;
  }

  /**
   * A session on the worker that carries `affinity` already (a stream's codecs stay together), else
   * on the worker with the fewest sessions.
   */
  open(label: string, affinity = label): PoolSession {
    const slot = this.slotFor(affinity);
    if (!slot.worker) this.spawn(slot);
    const session = new PoolSession(this, slot.index, this.nextSession++, label);
    slot.sessions.add(session);
    return session;
  }

  /**
   * Starts the thread a session with `affinity` would open on, if it is not running: a caller that
   * knows a stream will need codecs soon saves that stream the thread's start.
   */
  warm(affinity: string): void {
    const slot = this.slotFor(affinity);
    if (!slot.worker && !this.closing) this.spawn(slot);
  }

  status(): WorkerPoolStats {
    return {
      workers: this.slots.length,
      running: this.slots.filter((s) => s.worker).length,
      sessions: this.slots.reduce((n, s) => n + s.sessions.size, 0),
      queueDepth: this.slots.reduce((n, s) => n + s.pending.size, 0),
      ...this.stats,
    };
  }

  /** Ends a worker as a crash would (tests and operators checking the restart path). */
  async crash(index: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot?.worker) throw new AudioError(AUDIO_ERR.POOL_WORKER, `codec worker ${index} is not running`);
    await slot.worker.terminate();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
    for (const slot of this.slots) this.failPending(slot, "the pool was closed");
  }

  send(session: PoolSession, op: string, args: unknown, transfer: readonly ArrayBuffer[], mayDrop: boolean): Promise<unknown> | undefined {
    const slot = this.slots[session.slot]!;
    if (this.closing || session.closed) return undefined;
    if ((mayDrop && slot.pending.size >= this.options.maxQueue) || slot.diedAt !== undefined) {
      this.stats.droppedJobs++;
      return undefined;
    }
    const seq = this.nextSeq++;
    const message: JobMessage = { session: session.id, seq, op, args };
    const reply = new Promise<unknown>((resolve, reject) => slot.pending.set(seq, { resolve, reject }));
    slot.worker!.postMessage(message, transfer as ArrayBuffer[]);
    this.stats.maxQueueDepth = Math.max(this.stats.maxQueueDepth, slot.pending.size);
    return reply;
  }

  release(session: PoolSession): void {
    this.slots[session.slot]?.sessions.delete(session);
  }

  private slotFor(affinity: string): Slot {
    const together = this.slots.find((s) => [...s.sessions].some((x) => x.label === affinity));
    return together ?? this.slots.reduce((a, b) => (b.sessions.size < a.sessions.size ? b : a));
  }

  private spawn(slot: Slot): void {
    const worker = startWorker(this.options.entry);
    slot.worker = worker;
    worker.unref();
    worker.on("message", (reply: ReplyMessage) => this.answer(slot, reply));
    worker.once("online", () => this.online(slot));
    worker.once("error", (err) => this.died(slot, worker, err.message));
    worker.once("exit", (code) => this.died(slot, worker, `exit code ${code}`));
  }

  private answer(slot: Slot, reply: ReplyMessage): void {
    const pending = slot.pending.get(reply.seq);
    if (!pending) return;
    slot.pending.delete(reply.seq);
    if (reply.error !== undefined) pending.reject(new AudioError(AUDIO_ERR.WORKER_JOB, reply.error));
    else pending.resolve(reply.result);
  }

  private died(slot: Slot, worker: Worker, reason: string): void {
    if (slot.worker !== worker || slot.diedAt !== undefined) return;
    this.failPending(slot, reason);
    if (this.closing) return;
    slot.diedAt = performance.now();
    this.stats.restarts++;
    const streams = [...slot.sessions].map((s) => s.label);
    this.options.log.error("codec worker died: restarting it; its streams continue after a gap", { worker: slot.index, reason, streams: [...new Set(streams)].join(",") });
    void worker.terminate();
    // a worker that cannot even start (a broken install) is retried ever more slowly, not in a hot loop
    const delay = slot.started ? 0 : Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** slot.failedStarts++);
    slot.started = false;
    setTimeout(() => this.closing || this.spawn(slot), delay).unref();
  }

  private online(slot: Slot): void {
    slot.started = true;
    slot.failedStarts = 0;
    if (slot.diedAt === undefined) return;
    const ms = Math.round(performance.now() - slot.diedAt);
    slot.diedAt = undefined;
    this.options.log.warn("codec worker restarted", { worker: slot.index, restartMs: ms, sessions: slot.sessions.size });
    for (const session of [...slot.sessions]) session.restarted();
  }

  private failPending(slot: Slot, reason: string): void {
    this.stats.lostJobs += slot.pending.size;
    for (const pending of slot.pending.values()) pending.reject(new WorkerLostError(reason));
    slot.pending.clear();
  }
}

/**
 * A worker running `entry`. A TypeScript entry (the sources run through tsx: tests, `npm start`)
 * gets tsx's loader registered in the thread first, since a loader registered in the main thread
 * does not reach workers on Node 20; a .js entry (dist/) runs as it is.
 */
function startWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); }).catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(boot, { eval: true });
}

/** One job handler of a worker: its result and the buffers to transfer with it. */
export type JobHandler = (session: number, args: never) => { result: unknown; transfer?: ArrayBuffer[] } | Promise<{ result: unknown; transfer?: ArrayBuffer[] }>;

/**
 * The worker side: answers each job with its handler's result, in arrival order per worker (an
 * async handler holds back the jobs after it, so a session's jobs never overtake each other).
 */
export function serveJobs(handlers: Readonly<Record<string, JobHandler>>): void {
  if (isMainThread || !parentPort) throw new AudioError(AUDIO_ERR.POOL_WORKER, "serveJobs runs in a worker thread");
  const port = parentPort;
  let chain = Promise.resolve();
  port.on("message", (job: JobMessage) => {
    chain = chain.then(async () => {
      const handler = handlers[job.op];
      try {
        if (!handler) throw new AudioError(AUDIO_ERR.WORKER_OP, `unknown job ${job.op}`);
        const { result, transfer } = await handler(job.session, job.args as never);
        port.postMessage({ session: job.session, seq: job.seq, result } satisfies ReplyMessage, transfer ?? []);
      } catch (err) {
        port.postMessage({ session: job.session, seq: job.seq, error: err instanceof Error ? err.message : String(err) } satisfies ReplyMessage);
      }
    });
  });
}
