/**
 * RtmpPublisher fed from an FLV file (the fixture cut to 4.5 s) against real receivers: nginx-rtmp
 * with `record all`, `ffmpeg -listen 1`, nginx behind a TLS terminator (rtmps://), and the
 * `transpond publish` command. Each recording must decode cleanly with the source's codecs, size and
 * frame counts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { connect as netConnect, type Server as NetServer } from "node:net";
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
import { freeTcpPort, sleep } from "../support/net.ts";
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
  // ffmpeg opens its port a moment after it starts; a refused connect is retried.
  let attempt = 0;
  for (;;) {
    try {
      await publishFile(`rtmp://127.0.0.1:${port}/live`, "file2");
      break;
    } catch (err) {
      if (!(err instanceof RtmpPublishError) || err.code !== "ERR_RTMP_CONNECT" || ++attempt > 50) throw err;
      await sleep(100);
    }
  }
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

test("transpond publish FILE.flv URL sends the file to nginx and exits 0", async () => {
  const bin = resolve(import.meta.dirname, "../../bin/transpond.mjs");
  const r = await run("node", [bin, "publish", source, nginx!.url("live/cli1")], 30000);
  assert.is(r.code, 0, r.stderr);
  const rec = await nginx!.recordingClosed("cli1");
  assert.is(await decodeErrors(rec), "");
  assertSameMedia(await probe(rec), "CLI recording");
});

test("transpond publish to a port nobody listens on exits non-zero with the reason", async () => {
  const bin = resolve(import.meta.dirname, "../../bin/transpond.mjs");
  const port = await freeTcpPort();
  const r = await run("node", [bin, "publish", source, `rtmp://127.0.0.1:${port}/live/x`], 30000);
  assert.is.not(r.code, 0);
  assert.match(r.stderr + r.stdout, /ECONNREFUSED/);
});

test.run();
