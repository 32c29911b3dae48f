import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError, TranspondError } from "../../../src/errors.ts";
import { HandshakeClient } from "../../../src/rtmp/handshake.ts";
import type { MessageBody } from "../../../src/rtmp/messages.ts";
import { RtmpConnection } from "../../../src/rtmp/session/connection.ts";
import { RtmpCommandRejectedError, SESSION_ERR } from "../../../src/rtmp/session/errors.ts";
import type { CommandMessage } from "../../../src/rtmp/session/events.ts";
import { statusObject, statusOf } from "../../../src/rtmp/session/status.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { freeTcpPort, waitFor } from "../../support/net.ts";
import { connectionPair, rawToServer, type ConnectionPair } from "./pair.ts";

const test = suite("rtmp connection");
let pair: ConnectionPair | undefined;
test.after.each(async () => {
  await pair?.close();
  pair = undefined;
});

const nextClose = (c: RtmpConnection): Promise<Error | undefined> => new Promise((r) => c.once("close", r));
const received = (c: RtmpConnection): MessageBody[] => {
  const out: MessageBody[] = [];
  c.on("message", (b) => out.push(b));
  return out;
};

test("a client call resolves with the server's _result matched by transaction id", async () => {
  pair = await connectionPair();
  const { client, server } = pair;
  server.on("command", (cmd) => {
    if (cmd.name === "connect") server.sendCommand("_result", cmd.transactionId, { fmsVer: "FMS/3,0,1,123" }, [statusObject("status", "NetConnection.Connect.Success", "ok")]);
  });
  const result = await client.call("connect", { app: "live" });
  assert.is(result.name, "_result");
  assert.is(result.transactionId, 1);
  assert.is(statusOf(result)?.code, "NetConnection.Connect.Success");
  const second = client.call("createStream", null);
  server.once("command", (cmd) => server.sendCommand("_result", cmd.transactionId, null, [1]));
  assert.equal((await second).args, [1]);
});

test("an _error answer rejects the call with the peer's description", async () => {
  pair = await connectionPair();
  const { client, server } = pair;
  server.on("command", (cmd) => server.sendCommand("_error", cmd.transactionId, null, [statusObject("error", "NetConnection.Connect.Rejected", "authmod=adobe code=403 need auth")]));
  try {
    await client.call("connect", { app: "live" });
    assert.unreachable("connect should be rejected");
  } catch (err) {
    assert.instance(err, RtmpCommandRejectedError);
    assert.is((err as RtmpCommandRejectedError).code, SESSION_ERR.COMMAND_REJECTED);
    assert.ok((err as Error).message.includes("authmod=adobe code=403 need auth"));
    assert.is(statusOf((err as RtmpCommandRejectedError).command)?.code, "NetConnection.Connect.Rejected");
  }
});

test("a call nobody answers times out, and a late answer is then delivered as a plain command", async () => {
  pair = await connectionPair();
  const { client, server } = pair;
  let tid = 0;
  server.once("command", (cmd) => (tid = cmd.transactionId));
  try {
    await client.call("getStreamLength", null, ["x"], 0, 100);
    assert.unreachable();
  } catch (err) {
    assert.is((err as TranspondError).code, SESSION_ERR.CALL_TIMEOUT);
  }
  const late = new Promise<CommandMessage>((r) => client.once("command", r));
  server.sendCommand("_result", tid, null, [0]);
  assert.is((await late).transactionId, tid);
});

test("pending calls are rejected with the close reason when the connection closes", async () => {
  pair = await connectionPair();
  const call = pair.client.call("connect", { app: "live" });
  pair.client.close(new TranspondError("ERR_TEST", "going away"));
  try {
    await call;
    assert.unreachable();
  } catch (err) {
    assert.is((err as TranspondError).code, "ERR_TEST");
  }
  assert.is(pair.client.state, "closed");
  assert.is(await nextClose(pair.server), undefined, "the peer sees a clean close");
});

test("a Ping Request is answered with a Ping Response carrying the same timestamp", async () => {
  pair = await connectionPair();
  const seen = received(pair.server);
  pair.server.sendControl({ type: "UserControl", event: "PingRequest", timestamp: 123456 });
  const pong = await waitFor("ping response", () => seen.find((m) => m.type === "UserControl" && m.event === "PingResponse"));
  assert.equal(pong, { type: "UserControl", event: "PingResponse", timestamp: 123456 });
});

test("Set Peer Bandwidth is answered with a Window Acknowledgement Size, once per change", async () => {
  pair = await connectionPair({ windowAckSize: 5_000_000 });
  const seen = received(pair.server);
  pair.server.sendControl({ type: "SetPeerBandwidth", size: 5_000_000, limitType: 2 });
  pair.server.sendControl({ type: "SetPeerBandwidth", size: 5_000_000, limitType: 2 });
  pair.server.sendControl({ type: "UserControl", event: "PingRequest", timestamp: 1 });
  // the ping response comes after anything the client answered to the two Set Peer Bandwidth
  await waitFor("ping response", () => seen.find((m) => m.type === "UserControl" && m.event === "PingResponse"));
  assert.equal(seen.filter((m) => m.type === "WindowAckSize"), [{ type: "WindowAckSize", size: 5_000_000 }]);
});

test("after the peer's Window Acknowledgement Size, received bytes are acknowledged every window", async () => {
  pair = await connectionPair();
  const seen = received(pair.server);
  pair.server.sendControl({ type: "WindowAckSize", size: 1000 });
  const client = pair.client;
  for (let i = 0; i < 5; i++) {
    const before = client.bytesIn;
    pair.server.sendMessage({ chunkStreamId: 6, messageStreamId: 1, timestamp: i * 40, body: { type: "Video", data: new Uint8Array(700) } });
    // one message per read, so each window crossing is seen on its own
    await waitFor(`message ${i} read`, () => (client.bytesIn >= before + 700 ? true : undefined));
  }
  await waitFor("two acknowledgements", () => (seen.filter((m) => m.type === "Acknowledgement").length >= 2 ? true : undefined));
  const acks = seen.flatMap((m) => (m.type === "Acknowledgement" ? [m.sequenceNumber] : []));
  assert.ok(acks[0]! >= 1000, `first ack at ${acks[0]}`);
  assert.ok(acks[1]! - acks[0]! >= 1000);
  assert.ok(acks[acks.length - 1]! <= pair.client.bytesIn);
});

test("setChunkSize makes large messages travel in fewer chunks and the peer reassembles them", async () => {
  pair = await connectionPair();
  const got: Uint8Array[] = [];
  pair.server.on("video", (m) => got.push(m.data));
  const data = Uint8Array.from({ length: 20000 }, (_, i) => i & 0xff);
  const before = pair.client.bytesOut;
  pair.client.sendMessage({ chunkStreamId: 6, messageStreamId: 1, timestamp: 0, body: { type: "Video", data } });
  await waitFor("first video", () => got[0]);
  const smallChunks = pair.client.bytesOut - before;
  pair.client.setChunkSize(4096);
  const mid = pair.client.bytesOut;
  pair.client.sendMessage({ chunkStreamId: 6, messageStreamId: 1, timestamp: 40, body: { type: "Video", data } });
  await waitFor("second video", () => got[1]);
  assert.equal(got[1], data);
  assert.is(pair.server.peerChunkSize, 4096);
  assert.is(pair.client.chunkSize, 4096);
  assert.ok(pair.client.bytesOut - mid < smallChunks, "fewer chunk headers after Set Chunk Size");
});

test("audio, video and data messages carry timestamp and message stream id; aggregates are split", async () => {
  pair = await connectionPair();
  const events: string[] = [];
  pair.server.on("audio", (m) => events.push(`audio ${m.timestamp} ${m.messageStreamId} ${m.data.length}`));
  pair.server.on("video", (m) => events.push(`video ${m.timestamp} ${m.messageStreamId} ${m.data.length}`));
  pair.server.on("data", (m) => events.push(`data ${m.timestamp} ${String(m.values[0])}`));
  pair.client.sendMessage({ chunkStreamId: 5, messageStreamId: 1, timestamp: 0, body: { type: "Data", values: ["@setDataFrame", "onMetaData", {}] } });
  pair.client.sendMessage({ chunkStreamId: 4, messageStreamId: 1, timestamp: 0xfffffff0, body: { type: "Audio", data: new Uint8Array(3) } });
  const sub = (typeId: number, ts: number, size: number) => ({ chunkStreamId: 0, messageStreamId: 0, timestamp: ts, typeId, payload: new Uint8Array(size) });
  pair.client.sendMessage({ chunkStreamId: 6, messageStreamId: 1, timestamp: 1000, body: { type: "Aggregate", messages: [sub(9, 500, 10), sub(8, 520, 4)] } });
  await waitFor("4 events", () => (events.length >= 4 ? true : undefined));
  assert.equal(events, ["data 0 @setDataFrame", "audio 4294967280 1 3", "video 1000 1 10", "audio 1020 1 4"]);
});

test("a chunk that continues a chunk stream never started closes the connection with a ParseError", async () => {
  const peer = await rawToServer();
  try {
    const server = await peer.server;
    const hc = new HandshakeClient({ digest: false });
    peer.raw.write(hc.start());
    peer.raw.on("data", (b: Buffer) => {
      const step = hc.push(b);
      if (step.send.length) peer.raw.write(step.send);
      if (step.done) peer.raw.write(Uint8Array.of(0x43, 0, 0, 0, 0, 0, 4, 9)); // fmt 1 on csid 3
    });
    const reason = await nextClose(server);
    assert.instance(reason, ParseError);
    assert.is((reason as ParseError).code, "ERR_RTMP_NO_PREVIOUS_HEADER");
    await waitFor("socket destroyed", () => (server.socket.destroyed ? true : undefined));
  } finally {
    await peer.close();
  }
});

test("a peer announcing a 16 MB message is cut off at the header", async () => {
  const peer = await rawToServer({ maxMessageSize: 8 * 1024 * 1024 });
  try {
    const server = await peer.server;
    const hc = new HandshakeClient({ digest: false });
    peer.raw.write(hc.start());
    peer.raw.on("data", (b: Buffer) => {
      const step = hc.push(b);
      if (step.send.length) peer.raw.write(step.send);
      // fmt 0, csid 6, ts 0, length 0xffffff, type 9, stream 1
      if (step.done) peer.raw.write(Uint8Array.of(0x06, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0));
    });
    const reason = await nextClose(server);
    assert.is((reason as ParseError).code, "ERR_RTMP_MESSAGE_TOO_LARGE");
  } finally {
    await peer.close();
  }
});

test("a peer that sends C0+C1 but never C2 is cut off after the handshake timeout", async () => {
  const peer = await rawToServer({ handshakeTimeoutMs: 200 });
  try {
    const server = await peer.server;
    peer.raw.write(new HandshakeClient({ digest: false }).start());
    const reason = await nextClose(server);
    assert.is((reason as TranspondError).code, SESSION_ERR.HANDSHAKE_TIMEOUT);
    assert.is(server.state, "closed");
  } finally {
    await peer.close();
  }
});

test("a C0 asking for RTMPE closes the connection with ERR_RTMP_HANDSHAKE_ENCRYPTED_UNSUPPORTED", async () => {
  const peer = await rawToServer();
  try {
    const server = await peer.server;
    peer.raw.write(Uint8Array.of(6, ...new Uint8Array(1536)));
    const reason = await nextClose(server);
    assert.is((reason as ParseError).code, "ERR_RTMP_HANDSHAKE_ENCRYPTED_UNSUPPORTED");
  } finally {
    await peer.close();
  }
});

test("a throwing listener closes only that connection with ERR_RTMP_LISTENER_FAILED", async () => {
  pair = await connectionPair();
  pair.server.on("command", () => {
    throw new Error("owner bug");
  });
  const closed = nextClose(pair.server);
  pair.client.sendCommand("oops", 0, null);
  assert.is(((await closed) as TranspondError).code, SESSION_ERR.LISTENER_FAILED);
});

test.run();

// Against real software: FFmpeg as an RTMP server (`-listen 1`) answers our client's connect.
const ff = e2eSuite("rtmp connection vs ffmpeg -listen", ["ffmpeg"]);
let child: ChildProcess | undefined;
ff.after(() => {
  child?.kill("SIGKILL");
});

ff("ffmpeg -listen 1 completes our handshake and answers connect with NetConnection.Connect.Success", async () => {
  const port = await freeTcpPort();
  child = spawn("ffmpeg", ["-hide_banner", "-v", "error", "-listen", "1", "-timeout", "10", "-i", `rtmp://127.0.0.1:${port}/live/test`, "-f", "null", "-"], { stdio: "ignore" });
  const socket = await waitFor("ffmpeg listening", () =>
    new Promise<ReturnType<typeof connect> | undefined>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => resolve(s));
      s.once("error", () => resolve(undefined));
    }),
  );
  const conn = new RtmpConnection({ role: "client", socket });
  await new Promise((r) => conn.once("handshake", () => r(true)));
  const result = await conn.call("connect", { app: "live", flashVer: "FMLE/3.0 (compatible; FMSc/1.0)", tcUrl: `rtmp://127.0.0.1:${port}/live`, type: "nonprivate" });
  assert.is(statusOf(result)?.code, "NetConnection.Connect.Success");
  conn.close(undefined, { now: true });
});

ff.run();
