import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { WebSocket } from "ws";
import { startSignaling, type Signaling } from "../../../src/agent/index.ts";
import { defaultConfig, type Config } from "../../../src/config.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { webrtcStreams } from "../../../src/core/ingest/webrtc-ingest.ts";
import { createLogger } from "../../../src/log.ts";
import { freeTcpPort, sleep, waitFor } from "../../support/net.ts";
import { FakeEngine } from "../support/fake-engine.ts";

const test = suite("agent/signaling/server");
/** Several keep_alive.server_interval periods (40 ms here) in which a client that answers pings must not be closed. */
const STAYS_OPEN_WINDOW_MS = 150;

interface Client {
  ws: WebSocket;
  frames: { message: string; data: Record<string, unknown>[] }[];
  send(message: string, payload: unknown): void;
  next(message: string): Promise<{ message: string; data: Record<string, unknown>[] }>;
}

const ctx: { dir?: string; hub?: StreamHub; engine?: FakeEngine; signaling?: Signaling; clients: WebSocket[] } = { clients: [] };

async function client(url: string, options: { ca?: string; answerPings?: boolean } = {}): Promise<Client> {
  const ws = new WebSocket(url, options.ca ? { ca: options.ca } : {});
  ctx.clients.push(ws);
  const c: Client = {
    ws,
    frames: [],
    send: (message, payload) => ws.send(JSON.stringify({ message, data: [payload] })),
    next: (message) => waitFor(`a ${message} frame`, () => {
      const i = c.frames.findIndex((f) => f.message === message);
      return i < 0 ? undefined : c.frames.splice(i, 1)[0];
    }, 3000, 5),
  };
  ws.on("message", (data) => {
    const f = JSON.parse(String(data));
    if (f.message === "ping" && options.answerPings !== false) c.send("pong", null);
    c.frames.push(f);
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return c;
}

test.before(async () => {
  ctx.dir = mkdtempSync(join(tmpdir(), "transpond-sig-"));
  const config: Config = { ...defaultConfig(), bind_address: "127.0.0.1", "ws.port": await freeTcpPort(), "wss.port": await freeTcpPort(), data_dir: ctx.dir, "keep_alive.server_interval": 40, "keep_alive.probes": 2 };
  ctx.hub = new StreamHub();
  ctx.engine = new FakeEngine();
  ctx.signaling = await startSignaling({ config, streams: webrtcStreams(ctx.hub), engine: ctx.engine, log: createLogger("test") });
});

test.after(async () => {
  for (const ws of ctx.clients) ws.terminate();
  await ctx.signaling?.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

test("ws and wss both speak the protocol; wss uses the certificate generated in data_dir", async () => {
  const ca = readFileSync(join(ctx.dir!, "transpond-tls.crt"), "utf8");
  for (const url of [`ws://127.0.0.1:${ctx.signaling!.ports.ws}`, `wss://127.0.0.1:${ctx.signaling!.ports.wss}`]) {
    const c = await client(url, { ca });
    c.send("connection", { appKey: "defaultApp" });
    const user = await c.next("getUserData");
    assert.is(user.data[0]!.status, "ESTABLISHED", url);
    c.ws.close();
  }
});

test("a malformed frame is answered with `fail` on that socket only; another session publishes meanwhile", async () => {
  const url = `ws://127.0.0.1:${ctx.signaling!.ports.ws}`;
  const bad = await client(url);
  const good = await client(url);
  bad.send("connection", {});
  good.send("connection", {});
  await bad.next("getUserData");
  await good.next("getUserData");
  bad.ws.send("{this is not json");
  bad.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  assert.is((await bad.next("fail")).data[0]!.code, "ERR_WCS_JSON");
  assert.is((await bad.next("fail")).data[0]!.code, "ERR_WCS_BINARY");
  good.send("publishStream", { mediaSessionId: "s1", name: "srv-cam", sdp: "v=0\r\nm=video 9 RTP/SAVPF 102\r\na=rtpmap:102 H264/90000\r\n" });
  assert.equal((await good.next("setRemoteSDP")).data, ["s1", "v=0\r\nanswer-publish\r\n"] as unknown as Record<string, unknown>[]);
  assert.ok(ctx.hub!.get("srv-cam"));
  assert.is(bad.ws.readyState, WebSocket.OPEN, "the bad session is still open");
  const reasons: string[] = [];
  const stop = ctx.hub!.listen({ unpublished: (_s, r) => void reasons.push(r) });
  good.ws.close();
  await waitFor("unpublish on disconnect", () => (ctx.hub!.get("srv-cam") === undefined ? true : undefined), 3000);
  stop();
  assert.equal(reasons, ["Stopped by session disconnect"]);
});

test("a client that stops answering pings is closed after keep_alive.probes; one that answers stays", async () => {
  const url = `ws://127.0.0.1:${ctx.signaling!.ports.ws}`;
  const silent = await client(url, { answerPings: false });
  const alive = await client(url);
  const closed = new Promise<number>((r) => silent.ws.once("close", (code) => r(code)));
  assert.is(await closed, 1001);
  await sleep(STAYS_OPEN_WINDOW_MS);
  assert.is(alive.ws.readyState, WebSocket.OPEN);
  assert.ok(alive.frames.filter((f) => f.message === "ping").length >= 3);
  assert.ok(alive.frames.every((f) => Array.isArray(f.data)));
  alive.ws.close();
});

test("a plain HTTP request to the signaling port gets 426 instead of hanging", async () => {
  const res = await fetch(`http://127.0.0.1:${ctx.signaling!.ports.ws}/`);
  assert.is(res.status, 426);
});

test.run();
