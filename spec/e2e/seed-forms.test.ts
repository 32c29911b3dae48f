/**
 * The product pages' own forms against a running app (startApp, REST over HTTP) and real software
 * (issue 9): a call to SIPp with seed 004's `rtmpUrl` (instance and query) reaching nginx-rtmp;
 * seed 000's auto-start URL with an empty application against nginx; 20 concurrent identical
 * `/push/startup`; `/push/startup` on a call's `toStream` before the call is established (seed 000).
 * nginx's on_connect / on_publish callbacks go to a loopback HTTP server of the test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { makeConfig } from "../../src/config.ts";
import type { TransponderStateChange } from "../../src/core/push/transponders.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { callBody, closeAll, pcmaCapture, probeAudio, removeTemp, startSipp } from "./sip-call-rig.ts";

const test = e2eSuite("e2e/seed forms (issue 9)", ["sipp", "ffmpeg", "ffprobe", "nginx"]);
let nginx: NginxRtmp | undefined;
let app: App | undefined;
const dirs: string[] = [];

test.before(async () => {
  nginx = await NginxRtmp.start({ applications: ["live", "live/_definst_"], onConnect: () => 200, onPublish: () => 200 });
});

test.after.each(async () => {
  await app?.close();
  app = undefined;
  await closeAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test.after(async () => {
  await nginx?.dispose();
  removeTemp();
});

async function start(overrides: Parameters<typeof makeConfig>[0] = {}): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), "transpond-seed-e2e-"));
  dirs.push(dir);
  app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": await freeTcpPort(),
      "https.port": 0,
      "ws.port": 0,
      "wss.port": 0,
      "rtmp.port": 0,
      data_dir: join(dir, "data"),
      media_dir: join(dir, "media"),
      record_dir: join(dir, "records"),
      rtmp_reconnect_min_delay: 200,
      ...mediaPortRange(20),
      ...overrides,
    }),
  );
  return app;
}

async function rest(a: App, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${a.ports.http}/rest-api/${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function findCall(a: App, callId: string): Promise<Record<string, unknown> | undefined> {
  const r = await rest(a, "call/find", { callId });
  return r.status === 200 ? (r.body as Record<string, unknown>[])[0] : undefined;
}

/** Lets SIPp's capture play for about 3 s (150 packets of 20 ms), then hangs up. */
async function hangUpAfterThreeSeconds(a: App, callId: string): Promise<void> {
  await waitFor("three seconds of the capture", async () => {
    const c = await findCall(a, callId);
    return ((c?.rtpStats as { audio?: { session: { packetsReceived: number } } } | undefined)?.audio?.session.packetsReceived ?? 0) >= 150 ? true : undefined;
  }, 15000, 200);
  assert.is((await rest(a, "call/terminate", { callId })).status, 200);
}

async function expectCleanAacRecording(name: string): Promise<void> {
  const file = await nginx!.recordingClosed(name, 15000);
  const probe = await probeAudio(file);
  assert.is(probe.codec, "aac");
  assert.ok(probe.duration > 2, `the recording lasts ${probe.duration} s`);
  assert.is(await decodeErrors(file), "", "ffmpeg decodes the recording without errors");
}

function callbacks(path: string, name: string): Readonly<Record<string, string>>[] {
  return nginx!.calls.filter((c) => c.path === path && (c.fields.name === undefined || c.fields.name === name)).map((c) => c.fields);
}

test("seed 004's rtmpUrl .../live/_definst_?param1=value1&param2=value2: nginx sees app live/_definst_, the query as arguments and rtmpStream as the name; the recording decodes", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const a = await start();
  const sipp = await startSipp("uas-play-pcma.xml", { PCAP: pcap! });
  nginx!.calls.length = 0;
  const rtmpUrl = `${nginx!.url("live/_definst_")}?param1=value1&param2=value2`;
  assert.is((await rest(a, "call/startup", callBody("seed-004", sipp, { rtmpUrl, rtmpStream: "rtmp_stream1" }))).status, 200);
  await waitFor("ESTABLISHED and RTMP_STREAM_ACTIVE", async () => {
    const c = await findCall(a, "seed-004");
    return c?.status === "ESTABLISHED" && c.rtmpStreamStatus === "RTMP_STREAM_ACTIVE" ? c : undefined;
  }, 15000, 100);
  const publish = callbacks("/on_publish", "rtmp_stream1")[0];
  const connect = nginx!.calls.find((c) => c.path === "/on_connect")?.fields;
  console.log(`  nginx on_connect: ${JSON.stringify(connect)}\n  nginx on_publish: ${JSON.stringify(publish)}`);
  assert.ok(connect && publish, "nginx called on_connect and on_publish");
  assert.is(connect!.app, "live/_definst_", "nginx cuts the query off the connect app");
  assert.is(connect!.tcurl, rtmpUrl, "tcUrl carries the URL as given");
  assert.is(connect!.param1, "value1");
  assert.is(connect!.param2, "value2");
  assert.is(publish!.app, "live/_definst_");
  assert.is(publish!.name, "rtmp_stream1");
  assert.is(publish!.tcurl, rtmpUrl);
  assert.is(publish!.param1, undefined, "nginx hands connect's arguments to on_connect only; on_publish has them in tcurl");
  assert.match(nginx!.errorLog, /connect: app='live\/_definst_' args='param1=value1&param2=value2'/);
  await hangUpAfterThreeSeconds(a, "seed-004");
  await expectCleanAacRecording("rtmp_stream1");
});

test("seed 000's rtmp_push_auto_start_url rtmp://host:port/ connects with app '': nginx finds no such application and closes, and lastError says so and that the URL has no application", async () => {
  const a = await start({ rtmp_push_auto_start: true, rtmp_push_auto_start_url: `rtmp://127.0.0.1:${nginx!.port}/` });
  const lost = new Promise<TransponderStateChange>((done) => {
    const off = a.transponders.on("state", (change) => {
      if (change.to === "RECONNECTING" || change.to === "FAILED") done(change), off();
    });
  });
  a.hub.publish("auto1", { kind: "webrtc", requestKeyframe: () => {}, stop: () => {} });
  const change = await lost;
  const found = (await rest(a, "push/find", { streamName: "auto1" })).body as { lastError: string; rtmpUrl: string; status: string }[];
  console.log(`  ${change.from} -> ${change.to}: ${change.transponder.lastError}`);
  assert.is(found[0]!.rtmpUrl, `rtmp://127.0.0.1:${nginx!.port}/`);
  assert.match(found[0]!.lastError, /\(the RTMP URL has no application\)$/);
  assert.match(found[0]!.lastError, /closed/, "what nginx did: it closed the connection");
  assert.match(nginx!.errorLog, /connect: application not found: ''/);
});

test("20 concurrent identical /push/startup over HTTP: one 200 and nineteen 409s, one transponder", async () => {
  const a = await start();
  a.hub.publish("race", { kind: "webrtc", requestKeyframe: () => {}, stop: () => {} });
  const body = { streamName: "race", rtmpUrl: nginx!.url("live") };
  const answers = await Promise.all(Array.from({ length: 20 }, () => rest(a, "push/startup", body)));
  const statuses = answers.map((r) => r.status).sort();
  assert.equal(statuses, [200, ...Array(19).fill(409)]);
  assert.match((answers.find((r) => r.status === 409)!.body as { message: string }).message, "already exists");
  assert.is(((await rest(a, "push/find_all", {})).body as unknown[]).length, 1);
});

test("/push/startup on a call's toStream right after /call/startup answers WAITING; nginx's recording starts when the call is established and decodes", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const a = await start();
  const sipp = await startSipp("uas-play-pcma-late.xml", { PCAP: pcap! });
  assert.is((await rest(a, "call/startup", callBody("seed-000", sipp, { toStream: "call-000" }))).status, 200);
  const push = await rest(a, "push/startup", { streamName: "call-000", rtmpUrl: nginx!.url("live") });
  assert.is(push.status, 200);
  assert.is((push.body as { status: string }).status, "WAITING");
  assert.is((push.body as { streamName: string }).streamName, "rtmp_call-000");
  const call = await waitFor("ESTABLISHED", async () => {
    const c = await findCall(a, "seed-000");
    return c?.status === "ESTABLISHED" ? c : undefined;
  }, 15000, 50);
  assert.is(call.streamName, "call-000");
  const active = await waitFor("the transponder ACTIVE", async () => {
    const found = (await rest(a, "push/find", { streamName: "call-000" })).body as { status: string }[];
    return found[0]?.status === "ACTIVE" ? found[0] : undefined;
  }, 15000, 100);
  assert.is(active.status, "ACTIVE");
  await hangUpAfterThreeSeconds(a, "seed-000");
  await expectCleanAacRecording("rtmp_call-000");
});

test.run();
