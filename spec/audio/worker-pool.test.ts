import { suite } from "uvu";
import * as assert from "uvu/assert";
import { WorkerLostError, WorkerPool } from "../../src/audio/worker-pool.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import { waitFor } from "../support/net.ts";

const test = suite("audio/worker-pool");
const ENTRY = new URL("./support/pool-worker.ts", import.meta.url);

/** A logger that keeps what it was given. */
function recordingLog(lines: string[]): Logger {
  const log = createLogger("pool-test");
  const keep = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { ...log, error: keep("error"), warn: keep("warn"), info: keep("info"), debug: () => {}, trace: () => {}, child: () => recordingLog(lines) };
}

async function withPool(size: number, maxQueue: number, body: (pool: WorkerPool, lines: string[]) => Promise<void>): Promise<void> {
  const lines: string[] = [];
  const pool = new WorkerPool({ entry: ENTRY, size, maxQueue, log: recordingLog(lines) });
  try {
    await body(pool, lines);
  } finally {
    await pool.close();
  }
}

test("a stream's sessions share one worker; other streams go to the least loaded worker", () =>
  withPool(2, 8, async (pool) => {
    const a1 = pool.open("a/audio", "a");
    const b = pool.open("b/audio", "b");
    const a2 = pool.open("a/player", "a");
    const [ta1, tb, ta2] = await Promise.all([a1, b, a2].map((s) => s.request<number>("whoami", undefined)!));
    assert.is(ta1, ta2);
    assert.is.not(ta1, tb);
    assert.is(pool.status().sessions, 3);
    a1.close();
    a2.close();
    assert.is(pool.status().sessions, 1);
  }));

test("buffers are transferred, not copied: the sender's copy is detached and the answer comes back in its own buffer", () =>
  withPool(1, 8, async (pool) => {
    const session = pool.open("s");
    const bytes = Uint8Array.of(1, 2, 3);
    const reply = session.request<Uint8Array>("double", bytes, [bytes.buffer])!;
    assert.is(bytes.buffer.byteLength, 0, "the ArrayBuffer moved to the worker");
    assert.equal([...(await reply)], [2, 4, 6]);
  }));

test("a full worker queue drops media jobs and counts them instead of growing; control jobs still pass", () =>
  withPool(1, 2, async (pool) => {
    const session = pool.open("s");
    const held = [session.request("hold", 300), session.request("hold", 10)];
    const refused = [session.request("hold", 10), session.request("hold", 10), session.request("whoami", undefined)];
    assert.ok(held.every((r) => r !== undefined));
    assert.ok(refused.every((r) => r === undefined));
    const control = session.control<number>("whoami", undefined);
    assert.ok(control, "a control job goes past the full queue");
    assert.equal({ depth: pool.status().queueDepth, dropped: pool.status().droppedJobs }, { depth: 3, dropped: 3 });
    await Promise.all([...held, control]);
    assert.is(pool.status().queueDepth, 0);
    assert.is(pool.status().maxQueueDepth, 3);
    assert.type(await session.request("whoami", undefined), "number", "room again once the queue drained");
  }));

test("a worker that dies is replaced: its jobs fail, the log names its streams, sessions are told and go on", () =>
  withPool(2, 8, async (pool, lines) => {
    const a = pool.open("cam1/audio", "cam1");
    const other = pool.open("cam2/audio", "cam2");
    const before = await a.request<number>("whoami", undefined)!;
    const otherThread = await other.request<number>("whoami", undefined)!;
    let restarted = 0;
    a.onRestart(() => restarted++);
    const outcomes = [a.request("die", undefined)!, a.request("hold", 10)!].map((p) => p.then(() => undefined, (e: unknown) => e));
    for (const err of await Promise.all(outcomes)) assert.instance(err, WorkerLostError);
    await waitFor("restart", () => (restarted > 0 ? true : undefined), 20000);
    const after = await a.request<number>("whoami", undefined)!;
    assert.is.not(after, before, "a new thread");
    assert.is(await other.request<number>("whoami", undefined)!, otherThread, "the other worker was untouched");
    const status = pool.status();
    assert.equal({ restarts: status.restarts, lost: status.lostJobs, workers: status.workers }, { restarts: 1, lost: 2, workers: 2 });
    assert.ok(lines.some((l) => l.startsWith("error codec worker died") && l.includes("cam1") && !l.includes("cam2") && l.includes("worker bug")), lines.join("\n"));
    assert.ok(lines.some((l) => l.startsWith("warn codec worker restarted") && l.includes("restartMs")), lines.join("\n"));
  }));

test("threads start when a stream first needs one: none at first, one per stream's worker after warm or open", () =>
  withPool(2, 8, async (pool) => {
    assert.is(pool.status().running, 0);
    await pool.crash(0).then(() => assert.unreachable("no thread to end"), (err: Error) => assert.match(err.message, "not running"));
    pool.warm("cam1");
    assert.is(pool.status().running, 1, "warm starts the thread cam1 will open on");
    const a = pool.open("cam1/audio", "cam1");
    assert.is(pool.status().running, 1, "cam1's session opens on the warmed thread");
    const b = pool.open("cam2/audio", "cam2");
    assert.is(pool.status().running, 2);
    assert.type(await a.request<number>("whoami", undefined), "number", "a job sent while its thread started is answered");
    assert.type(await b.request<number>("whoami", undefined), "number");
  }));

test("a pool of no threads is refused", () => {
  assert.throws(() => new WorkerPool({ entry: ENTRY, size: 0, maxQueue: 1, log: createLogger("x") }), /at least 1/);
});

test.run();
