/**
 * Issue 14, caps under a burst: max_transponders, max_calls and max_relays count startups still in
 * flight (a transponder resolving its host name, a relay connecting), so 20 concurrent HTTP requests
 * for 20 different jobs get exactly `max` 200s and the rest 429 naming the key; the registries hold
 * exactly `max` jobs.
 */
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { MediaSource } from "../../src/core/stream/media-sink.ts";
import { startTestApp, type TestApp, type RestAnswer } from "./support/app.ts";

const test = suite("security/concurrent-caps");
let server: TestApp | undefined;
const MAX = 5;
const BURST = 20;
const source: MediaSource = { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} };

test.after.each(async () => {
  await server?.close();
  server = undefined;
});

/** A TCP service that accepts and never answers (an RTMP target that stays in its handshake). */
async function silentService(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const s: Server = createServer((c) => (sockets.add(c), c.on("error", () => {})));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return { port: (s.address() as AddressInfo).port, close: () => (sockets.forEach((c) => c.destroy()), new Promise<void>((r) => s.close(() => r()))) };
}

function tally(answers: readonly RestAnswer[], key: string): { ok: number; capped: number } {
  for (const a of answers) if (a.status !== 200 && a.status !== 429) assert.unreachable(`unexpected ${a.status}: ${a.text}`);
  for (const a of answers.filter((x) => x.status === 429)) assert.match(a.body.message ?? "", key);
  return { ok: answers.filter((a) => a.status === 200).length, capped: answers.filter((a) => a.status === 429).length };
}

test("20 concurrent /push/startup to different targets (host names being resolved) give max_transponders 200s and the rest 429", async () => {
  server = await startTestApp({ max_transponders: MAX, rtmp_reconnect_min_delay: 60000 });
  const target = await silentService();
  try {
    server.app.hub.publish("cam", source);
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) => server!.post("/rest-api/push/startup", { streamName: "cam", rtmpUrl: `rtmp://localhost:${target.port}/live${i}` })),
    );
    assert.equal(tally(answers, "max_transponders"), { ok: MAX, capped: BURST - MAX });
    assert.is(server.app.transponders.all().length, MAX);
  } finally {
    await target.close();
  }
});

test("20 concurrent /call/startup give max_calls 200s and the rest 429", async () => {
  server = await startTestApp({ max_calls: MAX });
  const answers = await Promise.all(
    Array.from({ length: BURST }, (_, i) => server!.post("/rest-api/call/startup", { callId: `burst-${i}`, callee: "1", sipLogin: "2", sipDomain: "127.0.0.1", sipPort: 9 })),
  );
  assert.equal(tally(answers, "max_calls"), { ok: MAX, capped: BURST - MAX });
  assert.is(server.app.calls.all().filter((c) => !c.isFinal).length, MAX);
});

test("20 concurrent /pull/pull give max_relays 200s and the rest 429", async () => {
  server = await startTestApp({ max_relays: MAX, wcs_agent_reconnect_min_delay: 60000 });
  const target = await silentService();
  try {
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) => server!.post("/rest-api/pull/pull", { uri: `rtmp://127.0.0.1:${target.port}/live/s${i}`, localStreamName: `pulled-${i}` })),
    );
    assert.equal(tally(answers, "max_relays"), { ok: MAX, capped: BURST - MAX });
    assert.is(server.app.relays.all().length, MAX);
  } finally {
    await target.close();
  }
});

test.run();
