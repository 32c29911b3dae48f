/**
 * Issue 14, attacks 9 and 10 and the small ones: a 60,000-character RTMP name, a `?` in a name
 * republished to RTMP, `lastError` reading out another service's first byte, CR/LF forging log
 * lines, record_dir on /proc, and a FIFO in media_dir blocking Node's thread pool.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../../src/app.ts";
import { readSoundFile } from "../../src/audio/media-path.ts";
import { makeConfig } from "../../src/config.ts";
import { configureLogging, createLogger } from "../../src/log.ts";
import { RtmpPublisher } from "../../src/rtmp/client/publisher.ts";
import { waitFor } from "../support/net.ts";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/small-limits");
let server: TestApp | undefined;
const source = { kind: "rtmp" as const, requestKeyframe: () => undefined, stop: () => undefined };

test.after.each(async () => {
  await server?.close();
  server = undefined;
});

/** A loopback TCP service that writes `greeting` to every connection and counts connections. */
async function fakeService(greeting: string): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const service = createServer((s) => {
    count++;
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    s.write(greeting);
  });
  await new Promise<void>((r) => service.listen(0, "127.0.0.1", () => r()));
  return {
    port: (service.address() as AddressInfo).port,
    connections: () => count,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => service.close(() => r()));
    },
  };
}

test("RTMP publish with a 300-character name is refused with BadName (the WebSocket limit of 256 for every protocol); 256 is accepted", async () => {
  server = await startTestApp();
  const port = server.app.ports.rtmp!;
  const refused = new RtmpPublisher(`rtmp://127.0.0.1:${port}/live/${"n".repeat(300)}`);
  const error = await refused.start().then(() => "published", (err: Error) => err.message);
  await refused.stop().catch(() => undefined);
  assert.match(error, /BadName/);
  assert.is(server.app.hub.all().length, 0);
  const accepted = new RtmpPublisher(`rtmp://127.0.0.1:${port}/live/${"n".repeat(256)}`);
  try {
    await accepted.start();
    assert.is(server.app.hub.all()[0]?.name.length, 256);
  } finally {
    await accepted.stop().catch(() => undefined);
  }
});

test("a stream name with '?' is not republished to RTMP (400 naming it) and the target sees no connection", async () => {
  server = await startTestApp();
  const target = await fakeService("");
  try {
    server.app.hub.publish("pp?name=victim&token=forged", source);
    const r = await server.post("/rest-api/push/startup", { streamName: "pp?name=victim&token=forged", rtmpUrl: `rtmp://127.0.0.1:${target.port}/live` });
    assert.is(r.status, 400);
    assert.match(r.body.message ?? "", "streamName pp?name=victim&token=forged holds '?'");
    assert.is(target.connections(), 0);
  } finally {
    await target.close();
  }
});

test("lastError of a transponder aimed at a non-RTMP service says 'not an RTMP server' and holds none of its bytes", async () => {
  server = await startTestApp({ rtmp_reconnect_min_delay: 60000 });
  const redisLike = await fakeService("H-ERR unknown command\r\n");
  try {
    server.app.hub.publish("cam", source);
    const r = await server.post("/rest-api/push/startup", { streamName: "cam", rtmpUrl: `rtmp://127.0.0.1:${redisLike.port}/live` });
    assert.is(r.status, 200, r.text);
    const lastError = await waitFor("lastError", async () => {
      const found = await server!.post("/rest-api/push/find", { streamName: "cam" });
      const t = (found.body as unknown as { lastError: string }[])[0];
      return t?.lastError ? t.lastError : undefined;
    }, 15000);
    assert.match(lastError, "not an RTMP server");
    assert.not.match(lastError, /72|ERR|H/);
  } finally {
    await redisLike.close();
  }
});

test("CR/LF in a log message cannot forge a second log line", () => {
  const lines: string[] = [];
  configureLogging({ level: "info", write: (l) => lines.push(l) });
  try {
    createLogger("rest").info("stream x\r\n2026-01-01T00:00:00.000Z ERROR [app] forged", { name: "a\nb" });
  } finally {
    configureLogging({ level: "warn", write: (l) => process.stderr.write(l + "\n") });
  }
  assert.is(lines.length, 1);
  assert.not.match(lines[0]!, /[\r\n]/);
  assert.match(lines[0]!, "stream x\\u000d\\u000a2026");
});

test("record_dir on /proc stops the start at once with an error naming record_dir (no hang)", async () => {
  const started = Date.now();
  const result = await startApp(makeConfig({ "http.port": 0, "https.port": 0, "ws.port": 0, "wss.port": 0, "rtmp.port": 0, "rtmp.record": true, record_dir: "/proc/self/transpond-records" })).then(
    (app) => app.close().then(() => "started"),
    (err: Error) => err.message,
  );
  assert.match(result, /^record_dir: \/proc\/self\/transpond-records is on a kernel file system/);
  assert.ok(Date.now() - started < 5000);
});

test("sound files: a FIFO in media_dir is refused as not a regular file without holding the thread pool", async () => {
  const dir = mkdtempSync(join(tmpdir(), "transpond-media-"));
  try {
    execFileSync("mkfifo", [join(dir, "pipe.wav")]);
    writeFileSync(join(dir, "other.txt"), "still readable");
    const attempts = Array.from({ length: 8 }, () => readSoundFile(dir, "pipe.wav").then(() => "read", (err: { code?: string }) => err.code));
    assert.is(await readFile(join(dir, "other.txt"), "utf8"), "still readable", "the pool is free");
    for (const code of await Promise.all(attempts)) assert.is(code, "ERR_MEDIA_NOT_FILE");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
