/**
 * The relay's REST hook: with `rest_hook_url` set, every state change of a `/pull/pull` relay is
 * POSTed to `<rest_hook_url>/RelayStatusEvent` as the relay object `/pull/find` answers (WCS fields
 * plus `state`, `lastError`, `reconnects`), and the password of the relay's uri is in none of them.
 * The relay plays from nginx-rtmp, where ffmpeg publishes; nginx stopping makes it reconnect,
 * `/pull/terminate` stops it. ffmpeg ending its publish (nginx sends StreamEOF) makes it RECONNECTING,
 * then CONNECTING while nginx holds the play of the absent stream, and ACTIVE when ffmpeg publishes again.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { makeConfig } from "../../src/config.ts";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { killChildren, start } from "../support/process.ts";

const test = e2eSuite("e2e/relay: RelayStatusEvent hooks", ["ffmpeg", "nginx"]);
const PASSWORD = "s3cretRelayPass";
let app: App;
let nginx: NginxRtmp;
let hookServer: Server;
let dir = "";
let api = "";
const hooks: { url: string; body: string; at: number }[] = [];
/** when nginx asked its on_play and on_publish callbacks */
const plays: number[] = [];
const publishes: number[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-relay-hooks-"));
  hookServer = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hooks.push({ url: req.url ?? "", body, at: Date.now() });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, "127.0.0.1", resolve));
  const at = (times: number[]) => () => (times.push(Date.now()), 200);
  nginx = await NginxRtmp.start({ applications: ["live"], onPlay: at(plays), onPublish: at(publishes) });
  app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": await freeTcpPort(),
      "https.port": 0,
      "ws.port": 0,
      "wss.port": 0,
      "rtmp.port": 0,
      data_dir: join(dir, "data"),
      record_dir: join(dir, "records"),
      rest_hook_url: `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/apps/Backend`,
      wcs_agent_reconnect_min_delay: 200,
      wcs_agent_reconnect_max_delay: 1000,
    }),
  );
  api = `http://127.0.0.1:${app.ports.http}/rest-api`;
});

test.before.each(() => {
  hooks.length = 0;
});

test.after(async () => {
  killChildren();
  await app?.close();
  await nginx?.dispose();
  await new Promise<void>((resolve) => (hookServer ? hookServer.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) => fetch(`${api}${path}`, { method: "POST", body: JSON.stringify(body) });

function publishPattern(url: string, seconds: number) {
  return start("ffmpeg", [
    "-v", "error", "-re",
    "-f", "lavfi", "-i", `testsrc2=size=320x240:rate=25:duration=${seconds}`,
    "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
    "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-f", "flv", url,
  ], (seconds + 30) * 1000);
}

interface RelayEvent {
  localMediaSessionId: string;
  localStreamName: string;
  remoteStreamName: string;
  uri: string;
  status: string;
  state: string;
  lastError?: string;
  reconnects: number;
}

const relayHooks = () => hooks.filter((h) => h.url === "/apps/Backend/RelayStatusEvent").map((h) => ({ at: h.at, event: JSON.parse(h.body) as RelayEvent }));
const relayEvents = (): RelayEvent[] => relayHooks().map((h) => h.event);
const states = (): string[] => relayEvents().map((e) => e.state);

test("an RTMP pull whose remote stream ends (StreamEOF) waits CONNECTING until it is published again, then posts ACTIVE", async () => {
  const first = publishPattern(nginx.url("live/eof"), 3);
  const res = await post("/pull/pull", { uri: nginx.url("live/eof"), localStreamName: "eofed" });
  assert.is(res.status, 200, await res.clone().text());
  const id = ((await res.json()) as RelayEvent).localMediaSessionId;
  const mine = () => relayEvents().filter((e) => e.localMediaSessionId === id);
  let second: ReturnType<typeof publishPattern> | undefined;
  try {
    await waitFor("ACTIVE posted", () => (mine().some((e) => e.state === "ACTIVE") ? true : undefined), 20000);
    await first.done;
    await waitFor("CONNECTING posted after the stream ended", () => (mine().some((e) => e.state === "CONNECTING") ? true : undefined), 20000);
    // nginx-rtmp starts a play of a stream nobody publishes: that is no ACTIVE relay
    await waitFor("the relay plays again on nginx", () => (plays.length >= 2 ? true : undefined), 10000);
    const away = (await (await post("/pull/find", { localMediaSessionId: id })).json()) as RelayEvent[];
    assert.is(away[0]!.state, "CONNECTING", "nothing to relay while the remote stream is away");
    assert.is(app.hub.get("eofed"), undefined, "the pulled stream is unpublished here while the remote one is away");

    second = publishPattern(nginx.url("live/eof"), 60);
    await waitFor("ACTIVE posted again", () => (mine().filter((e) => e.state === "ACTIVE").length >= 2 ? true : undefined), 20000);
    const activeAgain = relayHooks().filter((h) => h.event.localMediaSessionId === id && h.event.state === "ACTIVE")[1]!;
    assert.ok(publishes.length >= 2 && activeAgain.at >= publishes[1]!, "ACTIVE again once ffmpeg publishes again, not when nginx starts the play");
    await waitFor("frames of the second publisher here", () => ((app.hub.get("eofed")?.frames.video ?? 0) > 25 ? true : undefined), 20000);
    assert.is((await post("/pull/terminate", { localMediaSessionId: id })).status, 200);
    await waitFor("STOPPED posted", () => (mine().at(-1)?.state === "STOPPED" ? true : undefined), 10000);
    assert.equal(mine().map((e) => e.state), ["ACTIVE", "RECONNECTING", "CONNECTING", "ACTIVE", "STOPPED"]);
    assert.match(mine()[1]!.lastError ?? "", /remote stream ended \(StreamEOF\)/);
    assert.is(mine()[3]!.reconnects, 1);
  } finally {
    await post("/pull/terminate", { localMediaSessionId: id });
    second?.child.kill("SIGKILL");
    await second?.done;
  }
});

test("each state change of a relay reaches the hook server as the relay object, never with the uri's password", async () => {
  const publisher = publishPattern(nginx.url("live/src"), 60);
  const withPassword = nginx.url("live/src").replace("rtmp://", `rtmp://relayuser:${PASSWORD}@`);
  const res = await post("/pull/pull", { uri: withPassword, localStreamName: "hooked" });
  assert.is(res.status, 200, await res.clone().text());
  const id = ((await res.json()) as RelayEvent).localMediaSessionId;
  await waitFor("ACTIVE posted", () => (states().includes("ACTIVE") ? true : undefined), 20000);

  // nginx going away drops the relay's connection
  await nginx.stop();
  publisher.child.kill("SIGKILL");
  await publisher.done;
  await waitFor("RECONNECTING posted", () => (states().includes("RECONNECTING") ? true : undefined), 20000);
  assert.is((await post("/pull/terminate", { localMediaSessionId: id })).status, 200);
  await waitFor("STOPPED posted", () => (states().at(-1) === "STOPPED" ? true : undefined), 10000);

  const events = relayEvents();
  const active = events.find((e) => e.state === "ACTIVE")!;
  assert.equal([active.localMediaSessionId, active.localStreamName, active.remoteStreamName, active.status], [id, "hooked", "src", "PROCESSED_REMOTE"]);
  assert.is(active.uri, nginx.url("live/src").replace("rtmp://", "rtmp://relayuser@"));
  const reconnecting = events.find((e) => e.state === "RECONNECTING")!;
  assert.ok(reconnecting.lastError, "RECONNECTING says why");
  // each posted state differs from the one before: one post per change
  for (let i = 1; i < events.length; i++) assert.is.not(events[i]!.state, events[i - 1]!.state, states().join(" "));
  for (const hook of hooks) assert.not.ok(hook.body.includes(PASSWORD), `no password in ${hook.url}: ${hook.body}`);
});

test.run();
