/**
 * Bad input against a running server: captured publisher/player sessions (OBS 27 publishing to
 * nginx-rtmp, FFmpeg 4.4 playing), mutated with the seeded fuzzer and sent over real sockets. Each
 * mutated session must end only its own connection; a well-behaved publisher started beside them
 * keeps feeding its stream; nothing escapes as an unhandled exception or rejection.
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { makeConfig } from "../../../src/config.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { RtmpIngest } from "../../../src/core/ingest/rtmp-ingest.ts";
import { configureLogging } from "../../../src/log.ts";
import { readCapture, tcpStreams } from "../../../src/pcap/index.ts";
import { RtmpServer } from "../../../src/rtmp/server/server.ts";
import { fixture } from "../../support/fixtures.ts";
import { mutations } from "../../support/fuzz.ts";
import { waitFor } from "../../support/net.ts";
import { capturedStreams } from "../captures.ts";
import { fixtureTags, sendTags, startPublish } from "./peers.ts";

const OBS = "rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap";
const CASES = 2000;
const PARALLEL = 25;

const test = suite("embedded RTMP server under bad input");
let hub: StreamHub;
let server: RtmpServer;
let port = 0;
const escaped: unknown[] = [];
const logged: string[] = [];
const trap = (err: unknown): void => void escaped.push(err);

/** OBS's client-to-server bytes (handshake, commands, sequence headers, first frames). */
function obsClientBytes(limit = 48 * 1024): Uint8Array {
  const streams = tcpStreams(readCapture(new Uint8Array(readFileSync(fixture(OBS)))));
  const rtmp = streams.find((s) => s.server.port === 1935 && s.clientToServer.length > 0)!;
  return rtmp.clientToServer.subarray(0, limit);
}

/** Sends `bytes` on a new connection, half-closes, and resolves when the server has closed it. */
function session(bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.on("close", () => resolve());
    socket.on("data", () => {});
    socket.setTimeout(5000, () => socket.destroy());
    socket.end(bytes);
  });
}

test.before(async () => {
  process.on("unhandledRejection", trap);
  process.on("uncaughtException", trap);
  configureLogging({ write: (line) => logged.push(line) });
  hub = new StreamHub();
  server = new RtmpServer({ handler: new RtmpIngest(hub, makeConfig({})), handshakeTimeoutMs: 2000 });
  port = await server.listen(0, "127.0.0.1");
});

test.after(async () => {
  await server.close();
  configureLogging({ write: (line) => process.stderr.write(line + "\n") });
  process.off("unhandledRejection", trap);
  process.off("uncaughtException", trap);
});

test("the captured OBS 27 session, replayed byte for byte, publishes its 1280x720 H.264 + AAC stream", async () => {
  const bytes = obsClientBytes(400 * 1024);
  const published = new Promise<string>((resolve) => {
    const off = hub.listen({ published: (s) => (off(), resolve(s.name)) });
  });
  const done = session(bytes);
  const name = await published;
  const stream = hub.get(name)!;
  await waitFor("configs", () => (stream.videoConfig && stream.audioConfig ? true : undefined));
  assert.equal([stream.videoConfig!.width, stream.videoConfig!.height], [1280, 720]);
  assert.is(stream.audioConfig!.codec, "AAC");
  await done;
  await waitFor("unpublished at disconnect", () => (hub.get(name) === undefined ? true : undefined));
});

test(`${CASES} mutated sessions each end their own connection while a good publisher keeps going`, async () => {
  const good = await startPublish(port, "steady");
  const tags = fixtureTags(undefined, 33000);
  const stream = hub.get("steady")!;
  let sent = 0;
  // loops the 33 s file (timestamps keep growing) for as long as the fuzz runs
  const feeder = setInterval(() => {
    const at = sent % tags.length;
    sendTags(good.conn, good.streamId, tags.slice(at, at + 20), Math.floor(sent / tags.length) * 34000);
    sent += Math.min(20, tags.length - at);
  }, 20);
  try {
    const inputs = [obsClientBytes(), ...capturedStreams().filter((c) => c.side === "client").map((c) => c.bytes.subarray(0, 32 * 1024))];
    const all = [...mutations(20261122, CASES, inputs)];
    for (let i = 0; i < all.length; i += PARALLEL) await Promise.all(all.slice(i, i + PARALLEL).map((c) => session(c.bytes)));
    await waitFor("every mutated connection closed", () => (server.connections === 1 ? true : undefined));
    const framesBefore = stream.frames.video;
    await waitFor("the good publisher still feeds its stream", () => (stream.frames.video > framesBefore ? true : undefined));
    assert.is(good.conn.state, "open");
    assert.equal(escaped, [], "no unhandled exception or rejection");
    const codes = new Map<string, number>();
    for (const line of logged) {
      const code = /closing: malformed input from peer .*code="([A-Z0-9_]+)"/.exec(line)?.[1];
      if (code) codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    assert.ok(codes.size >= 3, `logged close reasons: ${[...codes].map(([c, n]) => `${c}=${n}`).join(" ")}`);
    console.log(`  fuzz: ${CASES} sessions; logged close reasons: ${[...codes].map(([c, n]) => `${c}=${n}`).join(" ")}`);
  } finally {
    clearInterval(feeder);
    good.conn.close(undefined, { now: true });
  }
});

test("a peer that never sends C2 is cut off after rtmp.handshake_timeout", async () => {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.on("data", () => {});
  socket.write(obsClientBytes().subarray(0, 1537)); // C0 + C1 only
  await new Promise<void>((resolve) => socket.on("close", () => resolve()));
  assert.ok(logged.some((l) => l.includes("closing: handshake timeout") && l.includes("ERR_RTMP_HANDSHAKE_TIMEOUT")));
  assert.is(server.connections, 0);
});

test.run();
