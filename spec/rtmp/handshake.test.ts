import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { ChunkReader, type RtmpRawMessage } from "../../src/rtmp/chunk/reader.ts";
import { ChunkWriter } from "../../src/rtmp/chunk/writer.ts";
import { HandshakeClient, HandshakeServer } from "../../src/rtmp/handshake.ts";
import { findDigest, FLASH_MEDIA_SERVER_KEY, FMS_KEY_PUBLIC, verifyResponse } from "../../src/rtmp/handshake-digest.ts";
import { decodeMessage, encodeMessage } from "../../src/rtmp/messages.ts";
import { e2eSuite } from "../support/e2e.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { seededBytes } from "../support/fuzz.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { expectErrorCode } from "../support/errors.ts";

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const seeded = (seed: number) => {
  let n = seed;
  return (len: number) => seededBytes(n++, len);
};
const opts = { random: seeded(1), now: () => 1000 };

const server = suite("handshake server");

server("validates FFmpeg 4.4's digest C1 (scheme 0) and answers with a digest S1 and an S2 signed for it", () => {
  const bytes = read(fixture("rtmp_tcpstream_ffmpeg4.4_play_client-to-server.bin"));
  const hs = new HandshakeServer(opts);
  const step = hs.push(bytes.subarray(0, 1537));
  assert.is(step.done, false);
  assert.is(hs.clientDigestScheme, 0);
  assert.equal(hs.clientVersion, [9, 0, 124, 2]);
  assert.is(step.send.length, 3073);
  assert.is(step.send[0], 3);
  const s1 = step.send.subarray(1, 1537);
  assert.is(findDigest(s1, FMS_KEY_PUBLIC)?.scheme, 0, "S1 carries a server digest");
  const c1Digest = findDigest(bytes.subarray(1, 1537), new TextEncoder().encode("Genuine Adobe Flash Player 001"))!.digest;
  assert.ok(verifyResponse(step.send.subarray(1537), FLASH_MEDIA_SERVER_KEY, c1Digest), "S2 is signed for the client's digest");
  const end = hs.push(bytes.subarray(1537));
  assert.is(end.done, true);
  assert.is(end.rest.length, bytes.length - 3073, "the chunk bytes after C2 are handed on");
});

server("validates Flash Player 10's digest C1 (scheme 1) and signs S1 with the same scheme", () => {
  const path = sharedFixture("rtmp_tcpstream_flashplayer10_play_client-to-server.bin");
  if (path === undefined) return;
  const bytes = read(path);
  const hs = new HandshakeServer(opts);
  const step = hs.push(bytes.subarray(0, 1537));
  assert.is(hs.clientDigestScheme, 1);
  assert.equal(hs.clientVersion, [128, 0, 3, 2]);
  assert.is(findDigest(step.send.subarray(1, 1537), FMS_KEY_PUBLIC)?.scheme, 1);
});

server("answers a simple C1 (version 0) with S2 = echo of C1, as nginx-rtmp does", () => {
  const c1 = seededBytes(7, 1536);
  c1.set([0, 0, 0, 0], 4);
  const step = new HandshakeServer(opts).push(Uint8Array.of(3, ...c1));
  assert.equal([...step.send.subarray(5, 9)], [0, 0, 0, 0], "simple S1");
  assert.equal(step.send.subarray(1537), c1);
});

server("falls back to the simple answer when a non-zero version comes without a valid digest", () => {
  const c1 = seededBytes(8, 1536);
  c1.set([10, 0, 0, 1], 4);
  const hs = new HandshakeServer(opts);
  const step = hs.push(Uint8Array.of(3, ...c1));
  assert.is(hs.clientDigestScheme, undefined);
  assert.equal(step.send.subarray(1537), c1);
});

server("completes when fed byte by byte", () => {
  const bytes = read(fixture("rtmp_tcpstream_ffmpeg4.4_play_client-to-server.bin"));
  const hs = new HandshakeServer(opts);
  let sent = 0;
  let rest = 0;
  for (let i = 0; i < 3073 + 5; i++) {
    const step = hs.push(bytes.subarray(i, i + 1));
    sent += step.send.length;
    rest += step.rest.length;
    if (i < 3072) assert.is(step.done, false);
  }
  assert.is(sent, 3073);
  assert.ok(hs.done);
  assert.is(rest, 5, "the bytes after C2 are handed on");
});

server("refuses C0 versions other than 3, naming RTMPE for 6 and 8", () => {
  expectErrorCode(() => new HandshakeServer().push(Uint8Array.of(6)), "ERR_RTMP_HANDSHAKE_ENCRYPTED_UNSUPPORTED", ParseError);
  expectErrorCode(() => new HandshakeServer().push(Uint8Array.of(8)), "ERR_RTMP_HANDSHAKE_ENCRYPTED_UNSUPPORTED", ParseError);
  expectErrorCode(() => new HandshakeServer().push(new TextEncoder().encode("GET / HTTP/1.1\r\n")), "ERR_RTMP_HANDSHAKE_VERSION", ParseError);
  expectErrorCode(() => new HandshakeServer().push(Uint8Array.of(0)), "ERR_RTMP_HANDSHAKE_VERSION", ParseError);
});

const client = suite("handshake client");

client("sends C0 + a digest C1, echoes S1 as C2 and recognises a signed S2 (against our server)", () => {
  const c = new HandshakeClient({ random: seeded(100), now: () => 5 });
  const s = new HandshakeServer({ random: seeded(200), now: () => 6 });
  const c0c1 = c.start();
  assert.is(c0c1.length, 1537);
  const answer = s.push(c0c1);
  assert.is(s.clientDigestScheme, 0);
  const step = c.push(answer.send);
  assert.ok(step.done);
  assert.equal(step.send, answer.send.subarray(1, 1537), "C2 = S1");
  assert.is(c.serverDigestScheme, 0);
  assert.ok(c.serverS2Signed);
  assert.ok(s.push(step.send).done);
});

client("completes against FFmpeg 4.4's listen server (simple S1, S2 not an echo) and hands on the chunks", () => {
  const bytes = read(fixture("rtmp_tcpstream_ffmpeg4.4_listen-server_server-to-client_aac.bin"));
  const c = new HandshakeClient(opts);
  c.start();
  const step = c.push(bytes);
  assert.ok(step.done);
  assert.is(c.serverDigestScheme, undefined);
  assert.is(c.serverS2Signed, false);
  assert.is(step.rest.length, bytes.length - 3073);
  assert.is(new ChunkReader().push(step.rest).length, 421);
});

client("sends a simple C1 when asked", () => {
  const c0c1 = new HandshakeClient({ ...opts, digest: false }).start();
  assert.equal([...c0c1.subarray(5, 9)], [0, 0, 0, 0]);
});

client("refuses an S0 other than 3", () => {
  const c = new HandshakeClient();
  c.start();
  expectErrorCode(() => c.push(Uint8Array.of(0x48)), "ERR_RTMP_HANDSHAKE_VERSION", ParseError);
});

// Real peers: FFmpeg checks our digest S1 and the S2 signature as a client (rtmpproto.c
// "Server response validating failed" / "Signature mismatch"), and as a `-listen 1` server it checks
// that C2 echoes its S1 ("Erroneous C2 Message random does not match up").
const real = e2eSuite("handshake against ffmpeg", ["ffmpeg"]);
let child: ChildProcess | undefined;
let tcp: Server | undefined;
let sock: Socket | undefined;
real.after.each(() => {
  child?.kill("SIGKILL");
  child = undefined;
  sock?.destroy();
  sock = undefined;
  tcp?.close();
  tcp = undefined;
});

real("ffmpeg as a client accepts our digest S1/S2 and sends its connect command", async () => {
  const port = await freeTcpPort();
  const got: RtmpRawMessage[] = [];
  tcp = createServer((s) => {
    sock = s;
    const hs = new HandshakeServer();
    const reader = new ChunkReader();
    s.on("data", (data: Buffer) => {
      const bytes = new Uint8Array(data);
      if (!hs.done) {
        const step = hs.push(bytes);
        if (step.send.length > 0) s.write(step.send);
        if (step.done) got.push(...reader.push(step.rest));
      } else got.push(...reader.push(bytes));
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => tcp!.listen(port, "127.0.0.1", r));
  let stderr = "";
  child = spawn("ffmpeg", ["-hide_banner", "-loglevel", "debug", "-i", `rtmp://127.0.0.1:${port}/app/stream`, "-f", "null", "-"], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const connectCmd = await waitFor("ffmpeg's connect", () => got.map(decodeMessage).find((b) => b.type === "Command" && b.name === "connect"), 10000);
  assert.not.match(stderr, /validating failed|Signature mismatch/);
  assert.is(connectCmd.type === "Command" && (connectCmd.commandObject as { app: string }).app, "app");
});

real("ffmpeg -listen 1 accepts our C2 and answers our connect with _result", async () => {
  const port = await freeTcpPort();
  let stderr = "";
  child = spawn("ffmpeg", ["-hide_banner", "-loglevel", "debug", "-listen", "1", "-i", `rtmp://127.0.0.1:${port}/live/x`, "-f", "null", "-"], { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  sock = await waitFor("ffmpeg listening", () => tryConnect(port), 10000, 100);
  const hs = new HandshakeClient();
  const reader = new ChunkReader();
  const writer = new ChunkWriter();
  const got: RtmpRawMessage[] = [];
  sock.on("data", (data: Buffer) => {
    const bytes = new Uint8Array(data);
    if (!hs.done) {
      const step = hs.push(bytes);
      if (step.send.length > 0) sock!.write(step.send);
      if (step.done) {
        const cmd = encodeMessage({
          type: "Command",
          name: "connect",
          transactionId: 1,
          commandObject: { app: "live", type: "nonprivate", flashVer: "FMLE/3.0 (compatible; FMSc/1.0)", tcUrl: `rtmp://127.0.0.1:${port}/live` },
          args: [],
        });
        sock!.write(writer.write({ chunkStreamId: 3, timestamp: 0, messageStreamId: 0, ...cmd }));
        got.push(...reader.push(step.rest));
      }
    } else got.push(...reader.push(bytes));
  });
  sock.write(hs.start());
  const result = await waitFor("_result", () => got.map(decodeMessage).find((b) => b.type === "Command" && b.name === "_result"), 10000);
  assert.not.match(stderr, /Erroneous C2/);
  assert.is(result.type === "Command" && (result.args[0] as { code: string }).code, "NetConnection.Connect.Success");
});

async function tryConnect(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => resolve(s));
    s.once("error", () => resolve(undefined));
  });
}

server.run();
client.run();
real.run();
