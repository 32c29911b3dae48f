/**
 * `/metrics` and `/health` of the whole app while media flows: `transpond publish` sends an FLV into
 * the embedded RTMP server, /push/startup republishes it back into the same server, an HTTP-FLV
 * client plays it; the scrape must parse strictly (and pass `promtool check metrics` where Debian's
 * prometheus package is installed) and show the streams, players, transponder and media counters.
 * Then the publisher stops and publishes again: the counters go on from where they were.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { makeConfig } from "../../src/config.ts";
import { transpondVersion } from "../../src/version.ts";
import { loopbackConfig } from "../support/app-config.ts";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { parseExposition, promtoolProblems, seriesKey, type Exposition } from "../support/prometheus.ts";
import { cutSource } from "./rtmp-publisher-media.ts";

const test = e2eSuite("e2e/metrics", ["ffmpeg"]);
let app: App;
let dir = "";
const children: ChildProcess[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-metrics-"));
  app = await startApp(
    await loopbackConfig(dir),
  );
});
test.after(async () => {
  for (const child of children) child.kill("SIGKILL");
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${app.ports.http}`;

async function scrape(): Promise<Exposition & { text: string }> {
  const answer = await fetch(`${base()}/metrics`);
  assert.is(answer.status, 200);
  assert.match(answer.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await answer.text();
  const parsed = parseExposition(text);
  assert.is(promtoolProblems(text) ?? "", "", "promtool check metrics");
  return { ...parsed, text };
}

const value = (e: Exposition, name: string, labels: Record<string, string> = {}) => {
  const v = e.series.get(seriesKey(name, labels));
  if (v === undefined) throw new Error(`no series ${seriesKey(name, labels)}`);
  return v;
};

function publishFile(source: string, url: string): ChildProcess {
  const child = spawn(process.execPath, ["bin/transpond.mjs", "publish", source, url, "--loop"], { stdio: "ignore" });
  children.push(child);
  return child;
}

test("a scrape during publish + republish shows streams, players by kind, the transponder, media counters and event-loop delay; counters go on after the publisher comes back", async () => {
  const source = await cutSource(dir, 6);
  const rtmpBase = `rtmp://127.0.0.1:${app.ports.rtmp}/live`;
  const idle = await scrape();
  assert.is(value(idle, "transpond_streams", { source: "rtmp" }), 0);
  assert.is(value(idle, "transpond_build_info", { version: transpondVersion() }), 1);

  const first = publishFile(source, `${rtmpBase}/cam`);
  await waitFor("stream cam", () => app.hub.get("cam")?.videoConfig, 15000);
  const started = await fetch(`${base()}/rest-api/push/startup`, { method: "POST", body: JSON.stringify({ streamName: "cam", rtmpUrl: rtmpBase }) });
  assert.is(started.status, 200);
  await waitFor("republished rtmp_cam", () => app.hub.get("rtmp_cam")?.videoConfig, 20000);
  const flv = new AbortController();
  const flvAnswer = await fetch(`${base()}/live/cam.flv`, { signal: flv.signal });
  const reader = flvAnswer.body!.getReader();
  await reader.read();

  const busy = await waitFor("a scrape with frames out", async () => {
    const s = await scrape();
    return value(s, "transpond_media_sent_frames_total", { track: "video" }) > 0 ? s : undefined;
  }, 15000);
  assert.is(value(busy, "transpond_streams", { source: "rtmp" }), 2, "cam and rtmp_cam");
  assert.is(value(busy, "transpond_players", { kind: "transponder" }), 1);
  assert.is(value(busy, "transpond_players", { kind: "flv" }), 1);
  assert.is(value(busy, "transpond_players", { kind: "webrtc" }), 0);
  assert.is(value(busy, "transpond_transponders", { state: "ACTIVE" }), 1);
  assert.is(value(busy, "transpond_transponders", { state: "FAILED" }), 0);
  assert.is(value(busy, "transpond_calls", { status: "ESTABLISHED" }), 0);
  assert.is(value(busy, "transpond_relays", { state: "ACTIVE" }), 0);
  for (const track of ["video", "audio"]) {
    assert.ok(value(busy, "transpond_media_received_frames_total", { track }) > 0, `${track} frames in`);
    assert.ok(value(busy, "transpond_media_received_bytes_total", { track }) > value(busy, "transpond_media_received_frames_total", { track }), `${track} bytes in`);
    assert.ok(value(busy, "transpond_media_sent_bytes_total", { track }) > 0, `${track} bytes out`);
  }
  assert.is(busy.types.get("transpond_media_received_frames_total"), "counter");
  assert.is(busy.types.get("transpond_streams"), "gauge");
  const loopP99 = value(busy, "transpond_event_loop_delay_p99_seconds");
  assert.ok(loopP99 >= 0 && loopP99 < 10, `event-loop p99 ${loopP99} s`);
  assert.ok(value(busy, "transpond_codec_worker_queue_depth") >= 0);
  assert.is(value(busy, "transpond_jitter_buffer_lost_packets_total"), value(idle, "transpond_jitter_buffer_lost_packets_total"), "no RTP in this run");
  assert.ok(value(busy, "process_resident_memory_bytes") > 1e6);

  // the publisher goes away and comes back under the same name
  first.kill("SIGKILL");
  await waitFor("cam unpublished", () => (app.hub.get("cam") ? undefined : true), 15000);
  const gone = await scrape();
  assert.is(value(gone, "transpond_players", { kind: "flv" }), 0, "the FLV client ended with the stream");
  publishFile(source, `${rtmpBase}/cam`);
  await waitFor("cam again", () => app.hub.get("cam")?.videoConfig, 15000);
  const again = await waitFor("frames counted after the republish", async () => {
    const s = await scrape();
    return value(s, "transpond_media_received_frames_total", { track: "video" }) > value(gone, "transpond_media_received_frames_total", { track: "video" }) + 25 ? s : undefined;
  }, 15000);
  for (const name of ["transpond_media_received_frames_total", "transpond_media_received_bytes_total", "transpond_media_sent_frames_total"]) {
    assert.ok(value(again, name, { track: "video" }) >= value(busy, name, { track: "video" }), `${name} never goes down`);
  }
  assert.ok(value(again, "transpond_reconnects_total", { job: "transponder" }) >= value(busy, "transpond_reconnects_total", { job: "transponder" }));
  flv.abort();
  await reader.cancel().catch(() => {});
});

test("/health answers 200 with the version; /metrics is one exact path", async () => {
  const health = await fetch(`${base()}/health`);
  assert.is(health.status, 200);
  const body = (await health.json()) as { status: string; version: string; streams: number };
  assert.equal([body.status, body.version], ["UP", transpondVersion()]);
  assert.is(typeof body.streams, "number");
  assert.is((await fetch(`${base()}/metrics/extra`)).status, 404);
  assert.is((await fetch(`${base()}/healthz`)).status, 404);
});

test("with REST users, /metrics wants their credentials and /health stays open", async () => {
  const secured = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": await freeTcpPort(),
      "https.port": 0,
      "ws.port": 0,
      "wss.port": 0,
      "rtmp.port": 0,
      disable_rest_auth: false,
      rest_users: ["ops:s3cret-pass"],
      data_dir: join(dir, "data2"),
    }),
  );
  try {
    const url = `http://127.0.0.1:${secured.ports.http}`;
    assert.is((await fetch(`${url}/metrics`)).status, 401);
    const authed = await fetch(`${url}/metrics`, { headers: { Authorization: `Basic ${Buffer.from("ops:s3cret-pass").toString("base64")}` } });
    assert.is(authed.status, 200);
    parseExposition(await authed.text());
    assert.is((await fetch(`${url}/health`)).status, 200);
  } finally {
    await secured.close();
  }
});

test.run();
