/**
 * A G.711 stream relayed between two Transpond apps without transcoding (DESIGN "Every source plays
 * everywhere": G.711 to another server as for WebRTC). A calls SIPp, which plays its PCMA capture;
 * the call is stream `sipcall` on A. `/pull/pull` on B from A: the agent's receive-only offer lists
 * PCMA and PCMU beside Opus, A's player answers PCMA, and B's stream is PCMA 8 kHz mono. B
 * republishes it to nginx-rtmp with `rtmpTransponderAudioCodec` alaw: ffprobe says pcm_alaw and the
 * recorded bytes are one unchanged run of the capture's RTP payloads (any transcoding on the way,
 * A-law -> Opus -> A-law, would change them).
 *
 * The capture lasts 7 s and SIPp plays it once, from the call's ACK: B's relay is asked for before
 * the call and retries until A has the stream, so a slow first WebRTC setup (5.6 s seen on a busy
 * host) does not eat the audio the test needs.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import { makeConfig } from "../../src/config.ts";
import { rtpPayloads } from "../audio/support/rtp.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { run } from "../support/process.ts";
import { callBody, closeAll, pcmaCapture, probeAudio, removeTemp, startSipp } from "./sip-call-rig.ts";

const test = e2eSuite("e2e/relay of a SIP call's G.711 between two Transpond apps", ["sipp", "ffmpeg", "ffprobe", "nginx"]);
let nginx: NginxRtmp | undefined;
const apps: App[] = [];
const dirs: string[] = [];

async function start(name: string): Promise<App> {
  const dir = mkdtempSync(join(tmpdir(), `transpond-relay-g711-${name}-`));
  dirs.push(dir);
  const app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": await freeTcpPort(),
      "https.port": 0,
      "ws.port": await freeTcpPort(),
      "wss.port": 0,
      "rtmp.port": 0,
      ice_interface_addresses: ["127.0.0.1"],
      data_dir: join(dir, "data"),
      rtmp_reconnect_min_delay: 200,
      wcs_agent_reconnect_min_delay: 200,
      wcs_agent_reconnect_max_delay: 500,
      ...mediaPortRange(40),
    }),
  );
  apps.push(app);
  return app;
}

async function rest(app: App, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${app.ports.http}/rest-api/${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function first(app: App, path: string, body: unknown): Promise<Record<string, unknown> | undefined> {
  const r = await rest(app, path, body);
  return r.status === 200 ? (r.body as Record<string, unknown>[])[0] : undefined;
}

test.before(async () => {
  nginx = await NginxRtmp.start();
});

test.after.each(async () => {
  for (const app of apps.splice(0)) await app.close();
  await closeAll();
});

test.after(async () => {
  await nginx?.dispose();
  removeTemp();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * B republishes `streamName` to nginx as alaw for two seconds: the recording decodes cleanly and its
 * A-law bytes are one unchanged run of the capture's RTP payloads.
 */
async function assertRecordsCapture(b: App, streamName: string, pcap: string): Promise<void> {
  const recording = `${streamName}-recorded`;
  const push = await rest(b, "push/startup", { streamName, rtmpUrl: `${nginx!.url("live")}/${recording}`, rtmpTransponderFullUrl: true, rtmpTransponderAudioCodec: "alaw" });
  assert.is(push.status, 200, JSON.stringify(push.body));
  const pushId = (push.body as { mediaSessionId: string }).mediaSessionId;
  await waitFor("two seconds of A-law relayed to B", async () => ((b.hub.get(streamName)?.frames.audio ?? 0) >= 100 + 50 ? true : undefined), 15000, 100);
  await new Promise((r) => setTimeout(r, 2000));
  assert.is((await rest(b, "push/terminate", { mediaSessionId: pushId })).status, 200);

  const file = await nginx!.recordingClosed(recording, 15000);
  const probe = await probeAudio(file);
  assert.equal([probe.codec, probe.sampleRate, probe.channels], ["pcm_alaw", 8000, 1]);
  const errors = await decodeErrors(file);
  assert.is(errors, "", `ffmpeg decodes the recording without errors: ${errors}`);
  const raw = `${file}.alaw`;
  const copied = await run("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a", "-c:a", "copy", "-f", "alaw", "-y", raw]);
  assert.is(copied.code, 0, copied.stderr);
  const recorded = readFileSync(raw);
  const sent = Buffer.concat(rtpPayloads(pcap, 8).map((p) => p.payload));
  console.log(`  recording: ${recorded.length} A-law bytes (${(recorded.length / 8000).toFixed(2)} s) of the capture's ${sent.length}`);
  assert.ok(recorded.length >= 2 * 8000, `the recording holds ${recorded.length / 8000} s`);
  assert.ok(sent.indexOf(recorded) >= 0, "the recorded A-law bytes are one run of the capture's RTP payloads, unchanged after the relay");
}

async function callEstablished(a: App, pcap: string): Promise<void> {
  const sipp = await startSipp("uas-play-pcma-late.xml", { PCAP: pcap });
  assert.is((await rest(a, "call/startup", callBody("g711-relay", sipp, { toStream: "sipcall" }))).status, 200);
  await waitFor("the call ESTABLISHED on A", async () => ((await first(a, "call/find", { callId: "g711-relay" }))?.status === "ESTABLISHED" ? true : undefined), 15000, 100);
}

test("a SIP call's PCMA on A, /pull/pull on B, republished from B as alaw: B's stream is PCMA and nginx records the capture's own A-law bytes", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const a = await start("a");
  const b = await start("b");
  const pulled = await rest(b, "pull/pull", { uri: `ws://127.0.0.1:${a.ports.ws}`, localStreamName: "g711pulled", remoteStreamName: "sipcall" });
  assert.is(pulled.status, 200, JSON.stringify(pulled.body));
  await callEstablished(a, pcap!);
  await waitFor("B's pull ACTIVE", async () => ((await first(b, "pull/find", { localStreamName: "g711pulled" }))?.state === "ACTIVE" ? true : undefined), 20000, 100);
  const audio = await waitFor("B's stream has its audio config", async () => b.hub.get("g711pulled")?.audioConfig, 10000, 50);
  assert.equal(audio, { codec: "PCMA", sampleRate: 8000, channels: 1 }, "A sent the call's PCMA as it is");
  await assertRecordsCapture(b, "g711pulled", pcap!);
});

test("a SIP call's PCMA on A, /pull/push to B, republished from B as alaw: A offers PCMA, B's stream is PCMA and nginx records the capture's own A-law bytes", async () => {
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const a = await start("a");
  const b = await start("b");
  await callEstablished(a, pcap!);
  // the offer carries the local stream's G.711 once its first packet has set the audio config
  await waitFor("A's call stream has its audio config", async () => a.hub.get("sipcall")?.audioConfig, 10000, 20);
  const pushed = await rest(a, "pull/push", { uri: `ws://127.0.0.1:${b.ports.ws}`, localStreamName: "sipcall", remoteStreamName: "g711pushed" });
  assert.is(pushed.status, 200, JSON.stringify(pushed.body));
  await waitFor("A's push ACTIVE", async () => ((await first(a, "pull/find", { localStreamName: "sipcall" }))?.state === "ACTIVE" ? true : undefined), 20000, 100);
  const audio = await waitFor("B's stream has its audio config", async () => b.hub.get("g711pushed")?.audioConfig, 10000, 50);
  assert.equal(audio, { codec: "PCMA", sampleRate: 8000, channels: 1 }, "A sent the call's PCMA as it is");
  await assertRecordsCapture(b, "g711pushed", pcap!);
});
test.run();
