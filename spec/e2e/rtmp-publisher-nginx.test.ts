/**
 * RtmpPublisher fed from an FLV file (the fixture cut to 4.5 s) against real receivers: nginx-rtmp
 * with `record all`, `ffmpeg -listen 1`, nginx behind a TLS terminator (rtmps://), and the
 * `transpond publish` command. Each recording must decode cleanly with the source's codecs, size and
 * frame counts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as netConnect, createServer as createNetServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import * as assert from "uvu/assert";
import { generateSelfSigned } from "../../src/certificate.ts";
import { RtmpPublishError } from "../../src/rtmp/client/errors.ts";
import { publishFlvFile } from "../../src/rtmp/client/file-publisher.ts";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { parseRtmpTarget } from "../../src/rtmp/client/url.ts";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, listensOn, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { cutSource, probe, type Probe } from "./rtmp-publisher-media.ts";
import { killChildren, run, start } from "../support/process.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/rtmp publisher to nginx-rtmp and ffmpeg", ["ffmpeg", "ffprobe", "nginx"]);
const FLASH_VER = "FMLE/3.0 (compatible; FMSc/1.0)";
let dir = "";
let source = "";
let expected: Probe;
let nginx: NginxRtmp | undefined;
let tlsServer: NetServer | undefined;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-pub-e2e-"));
  source = await cutSource(dir, 4.5);
  expected = await probe(source);
  nginx = await NginxRtmp.start();
});

test.after(async () => {
  killChildren();
  tlsServer?.close();
  await nginx?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function publishFile(url: string, streamName: string, options: { verifyTls?: boolean } = {}): Promise<void> {
  const publisher = new RtmpPublisher(parseRtmpTarget(url, { streamName }), { flashVer: FLASH_VER, timeoutMs: 5000, verifyTls: options.verifyTls });
  await publisher.start();
  try {
    await publishFlvFile(publisher, source);
  } finally {
    await publisher.stop();
  }
}

function assertSameMedia(got: Probe, what: string): void {
  assert.ok(expected.video && expected.audio, "the source has video and audio");
  assert.is(got.video?.codec, "h264", `${what}: video codec`);
  assert.is(got.video?.width, 480, `${what}: width`);
  assert.is(got.video?.height, 270, `${what}: height`);
  assert.is(got.audio?.codec, "aac", `${what}: audio codec`);
  assert.is(got.video?.frames, expected.video!.frames, `${what}: video frames`);
  assert.is(got.audio?.frames, expected.audio!.frames, `${what}: audio frames`);
}

test("a file published to nginx-rtmp is recorded frame for frame and decodes cleanly", async () => {
  await publishFile(nginx!.url("live"), "file1");
  const rec = await nginx!.recordingClosed("file1");
  assert.is(await decodeErrors(rec), "");
  assertSameMedia(await probe(rec), "nginx recording");
});

test("ffmpeg -listen 1 receives the same frames from the publisher", async () => {
  const port = await freeTcpPort();
  const out = join(dir, "listen.flv");
  const ffmpeg = start("ffmpeg", ["-v", "error", "-y", "-listen", "1", "-i", `rtmp://127.0.0.1:${port}/live/file2`, "-c", "copy", out], 30000);
  // ffmpeg opens its port a moment after it starts (read from /proc: a probe would use up its one connection)
  await waitFor("ffmpeg to listen", () => (listensOn(port) ? true : undefined), 10000);
  await publishFile(`rtmp://127.0.0.1:${port}/live`, "file2");
  const result = await ffmpeg.done;
  assert.is(result.code, 0, result.stderr);
  assert.is(await decodeErrors(out), "");
  assertSameMedia(await probe(out), "ffmpeg -listen output");
});

test("rtmps:// through a TLS terminator in front of nginx records a clean stream with verifyTls false", async () => {
  const pem = await generateSelfSigned("localhost");
  const server = createTlsServer({ cert: pem.cert, key: pem.key }, (tls) => {
    const plain = netConnect({ host: "127.0.0.1", port: nginx!.port });
    tls.pipe(plain).pipe(tls);
    tls.on("error", () => plain.destroy());
    plain.on("error", () => tls.destroy());
  });
  tlsServer = server;
  const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as { port: number }).port)));
  await publishFile(`rtmps://127.0.0.1:${port}/live`, "tls1", { verifyTls: false });
  const rec = await nginx!.recordingClosed("tls1");
  assert.is(await decodeErrors(rec), "");
  assertSameMedia(await probe(rec), "rtmps recording");
});

test("rtmps:// with certificate checks on refuses the self-signed terminator and says why", async () => {
  const port = (tlsServer!.address() as { port: number }).port;
  const publisher = new RtmpPublisher(parseRtmpTarget(`rtmps://127.0.0.1:${port}/live`, { streamName: "tls2" }), { flashVer: FLASH_VER, timeoutMs: 5000 });
  try {
    await publisher.start();
    assert.unreachable("a self-signed certificate must be refused by default");
  } catch (err) {
    assert.instance(err, RtmpPublishError);
    assert.is((err as RtmpPublishError).code, "ERR_RTMP_CONNECT");
    assert.match((err as Error).message, /self[- ]signed/i);
  }
});

const BIN = resolve(import.meta.dirname, "../../bin/transpond.mjs");

test("transpond publish FILE.flv URL sends the file to nginx, prints progress and an honest summary, exits 0", async () => {
  const longer = await cutSource(dir, 6.5, "longer.flv");
  const r = await run("node", [BIN, "publish", longer, nginx!.url("live/cli1")], 60000);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^publishing .*longer\.flv \(0:06\.\d\) to rtmp:\/\/127\.0\.0\.1:\d+\/live\/cli1$/, r.stdout);
  // not a terminal: a progress line every 5 s of sending
  assert.ok(lines.some((l) => /^sent 0:0[4-6]\.\d of 0:06\.\d, [\d.]+ [kM]b\/s$/.test(l)), r.stdout);
  const expectedFrames = (await probe(longer)).video!.frames + (await probe(longer)).audio!.frames;
  const summary = /^finished: (0:06\.\d) of 0:06\.\d sent in [\d.]+ s: ([\d.]+) (kB|MB), (\d+) frames, [\d.]+ [kM]b\/s average$/.exec(lines.at(-1)!);
  assert.ok(summary, r.stdout);
  assert.is(Number(summary![4]), expectedFrames, "every frame of the file counted");
  const rec = await nginx!.recordingClosed("cli1");
  assert.is(await decodeErrors(rec), "");
  assert.is((await probe(rec)).video?.frames, (await probe(longer)).video!.frames);
});

test("transpond publish with a missing, unreadable or non-FLV file exits 2 before connecting", async () => {
  let connections = 0;
  const listener = createNetServer((socket) => {
    connections++;
    socket.destroy();
  });
  const port = await new Promise<number>((ok) => listener.listen(0, "127.0.0.1", () => ok((listener.address() as { port: number }).port)));
  try {
    const url = `rtmp://127.0.0.1:${port}/live/x`;
    const empty = join(dir, "empty.flv");
    writeFileSync(empty, Uint8Array.of(0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0));
    for (const [file, reason] of [
      [join(dir, "missing.flv"), "no such file"],
      [resolve(import.meta.dirname, "../../README.md"), "not an FLV file"],
      [dir, "this is a folder"],
      [empty, "the FLV file has no audio or video tags"],
    ] as const) {
      const r = await run("node", [BIN, "publish", file, url], 60000);
      assert.is(r.code, 2, `${file}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`transpond: cannot publish ${file}: ${reason}`), r.stderr);
      assert.match(r.stderr, /nothing was sent/);
      assert.is(r.stdout, "");
    }
    assert.is(connections, 0, "no connection was made");
  } finally {
    listener.close();
  }
});

test("Ctrl-C during transpond publish unpublishes, prints what was sent and exits 130; nginx's recording is complete", async () => {
  const { child, done } = start("node", [BIN, "publish", source, nginx!.url("live/cli2")], 60000);
  let stdout = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  await waitFor("nginx recording the stream", () => (nginx!.recordedBytes("cli2") > 50000 ? true : undefined), 30000);
  child.kill("SIGINT");
  const r = await done;
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stdout, /\ninterrupted after \d+\.\d s: 0:0[0-4]\.\d of 0:04\.\d sent in [\d.]+ s: [\d.]+ (kB|MB), \d+ frames, [\d.]+ [kM]b\/s average\n$/);
  assert.not.match(r.stdout, /finished/);
  const rec = await nginx!.recordingClosed("cli2");
  assert.is(await decodeErrors(rec), "");
});

test("a wrong nginx application and rtmps:// to a plain RTMP port get messages that say what to check", async () => {
  const wrongApp = await run("node", [BIN, "publish", source, nginx!.url("nosuchapp/x")], 60000);
  assert.is(wrongApp.code, 1, wrongApp.stderr);
  assert.match(wrongApp.stderr, /transpond: the server closed the connection after connect to application "nosuchapp" without answering: check the application name in the URL/);
  const tls = new RtmpPublisher(parseRtmpTarget(`rtmps://127.0.0.1:${nginx!.port}/live`, { streamName: "tls3" }), { flashVer: FLASH_VER, timeoutMs: 2000, verifyTls: false });
  try {
    await tls.start();
    assert.unreachable("a TLS handshake with nginx's plain RTMP port cannot complete");
  } catch (err) {
    assert.instance(err, RtmpPublishError);
    assert.is((err as Error).message, `cannot connect to 127.0.0.1:${nginx!.port}: the TLS handshake got no answer within 2000 ms: port ${nginx!.port} may be plain RTMP (use rtmp:// for it)`);
  }
});

test("transpond publish to a port nobody listens on exits non-zero with the reason", async () => {
  const port = await freeTcpPort();
  const r = await run("node", [BIN, "publish", source, `rtmp://127.0.0.1:${port}/live/x`], 30000);
  assert.is.not(r.code, 0);
  assert.match(r.stderr + r.stdout, /ECONNREFUSED/);
});

test.run();
