/**
 * The REST call layer (`/rest-api/call/*` over HTTP: CallRegistry + call routes) against real
 * peers on 127.0.0.1: kamailio as registrar and proxy with digest, baresip as the registered
 * callee that answers by itself. `/call/startup` with sipRegisterRequired registers alice and calls
 * bob through the proxy; `/call/send_dtmf` with type RFC2833 and INFO must show up in baresip's log
 * as those digits; `/call/terminate` ends the call on both sides and the status becomes FINISH.
 * `/call/inject_stream` of a hub stream (published as a WebRTC source would, fed PCMA frames of a
 * 1 kHz tone) is heard by baresip: its recording has the tone for as long as the stream had it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { encodeG711 } from "../../src/audio/g711.ts";
import { decodeWav } from "../../src/audio/wav-reader.ts";
import { CallRegistry } from "../../src/core/call/calls.ts";
import { callObject } from "../../src/rest/wcs-objects.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { registerCallRoutes } from "../../src/rest/call-routes.ts";
import { Router } from "../../src/rest/router.ts";
import { memoryLogger, testConfig, type LogLine } from "../core/call/calls-support.ts";
import { Baresip } from "../support/baresip.ts";
import { tonePower } from "../support/tone.ts";
import { e2eSuite } from "../support/e2e.ts";
import { Kamailio } from "../support/kamailio.ts";
import { sleep, waitFor } from "../support/net.ts";

/** baresip's jitter buffer holds up to 10 packets (jitter_buffer_delay 1-10) before it decodes and records them. */
const BARESIP_PLAYOUT_MS = 200;
const test = e2eSuite("e2e/sip interop: REST /call/* through kamailio to baresip", ["kamailio", "baresip", "sox"]);
const run = promisify(execFile);
const ALICE = { user: "alice", password: "alice-secret" };
const BOB = { user: "bob", password: "bob-secret" };

let dir = "";
let kamailio: Kamailio | undefined;
let bob: Baresip | undefined;
let calls: CallRegistry | undefined;
let hub: StreamHub | undefined;
const hubOf = (): StreamHub => hub!;
let http: Server | undefined;
let base = "";
const logs: LogLine[] = [];
const statuses: Record<string, unknown>[] = [];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-sip-rest-"));
  const source = join(dir, "bob-440hz.wav");
  await run("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", source, "synth", "30", "sine", "440", "vol", "0.5"]);
  kamailio = await Kamailio.start({ users: [ALICE, BOB] });
  bob = await Baresip.start({ ...BOB, registrar: kamailio.domain, source });
  await bob.registered();
  hub = new StreamHub();
  calls = new CallRegistry({ hub, config: testConfig(), log: memoryLogger(logs), rtcpIntervalMs: 0, onCallStatus: (c) => statuses.push(callObject(c)) });
  const router = new Router({ allowOrigin: "*", users: new Map() });
  registerCallRoutes(router, calls);
  const server = createServer(router.handle);
  http = server;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(async () => {
  await calls?.close();
  http?.closeAllConnections();
  await new Promise<void>((done) => (http ? http.close(() => done()) : done()));
  await bob?.dispose();
  await kamailio?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/rest-api/call/${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function find(callId: string): Promise<Record<string, unknown> | undefined> {
  const r = await post("find", { callId });
  return r.status === 200 ? (r.body as Record<string, unknown>[])[0] : undefined;
}

function waitStatus(callId: string, status: string, timeoutMs = 8000): Promise<Record<string, unknown>> {
  return waitFor(`call ${callId} ${status}`, async () => {
    const call = await find(callId);
    return call?.status === status ? call : undefined;
  }, timeoutMs, 100);
}

test("/call/startup registers alice and calls bob through kamailio; send_dtmf RFC2833 and INFO reach baresip as those digits; terminate gives FINISH", async () => {
  const callId = "interop-rest-1";
  const start = await post("startup", kamailio!.callBody(callId, ALICE, "bob", { sipAuthenticationName: ALICE.user, sipRegisterRequired: "true" }));
  assert.is(start.status, 200, JSON.stringify(start.body));
  const established = await waitStatus(callId, "ESTABLISHED");
  assert.is(established.sipPassword, undefined, "the password is never returned");
  assert.ok(kamailio!.events().includes("authorized REGISTER alice"), "alice registered with digest");
  const invite = kamailio!.dialogOf("authorized INVITE alice");
  assert.is(invite[0], "challenge INVITE");
  assert.match(invite[2] ?? "", new RegExp(`^relay INVITE sip:bob[^@]*@127\\.0\\.0\\.1:${bob!.port}`));

  const rtpBefore = bob!.rtpDtmf().length;
  const infoBefore = bob!.infoDtmf().length;
  assert.is((await post("send_dtmf", { callId, dtmf: "159", type: "RFC2833" })).status, 200);
  assert.is((await post("send_dtmf", { callId, dtmf: "#", type: "INFO" })).status, 200);
  await waitFor("baresip to log the digits", () => (bob!.rtpDtmf().length - rtpBefore >= 3 && bob!.infoDtmf().length - infoBefore >= 1 ? true : undefined), 5000);
  assert.equal(bob!.rtpDtmf().slice(rtpBefore), ["1", "5", "9"]);
  assert.equal(bob!.infoDtmf().slice(infoBefore).map((d) => d.digit), ["#"]);

  assert.is((await post("terminate", { callId })).status, 200);
  await waitStatus(callId, "FINISH");
  await bob!.callEnded(1);
  await waitFor("baresip to log the BYE", () => (bob!.hungUpByPeer() === 1 ? true : undefined), 5000);
  assert.ok(statuses.some((s) => s.callId === callId && s.status === "ESTABLISHED"), "CallStatusEvent for ESTABLISHED");
  assert.not.ok(JSON.stringify(logs).includes(ALICE.password), "the password is never logged");
});

async function startCall(callId: string): Promise<void> {
  const start = await post("startup", kamailio!.callBody(callId, ALICE, "bob"));
  assert.is(start.status, 200, JSON.stringify(start.body));
  await waitStatus(callId, "ESTABLISHED");
}

test("/call/inject_stream of a published hub stream: baresip's recording has the stream's 1 kHz tone for the 1.6 s the stream had it", async () => {
  const callId = "interop-rest-inject";
  const published = hubOf().publish("injected-tone", { kind: "webrtc", requestKeyframe: () => undefined, stop: () => undefined });
  published.setConfig({ codec: "PCMA", sampleRate: 8000, channels: 1 });
  await startCall(callId);
  assert.is((await post("inject_stream", { callId, streamName: "injected-tone" })).status, 200);
  for (let i = 0; i < 80; i++) {
    const samples = new Int16Array(160);
    for (let k = 0; k < 160; k++) samples[k] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (i * 160 + k)) / 8000));
    published.pushFrame({ kind: "audio", codec: "PCMA", dts: i * 20, pts: i * 20, key: true, data: encodeG711("PCMA", samples) });
    await sleep(20); // the stream's pace: one 20 ms frame at a time
  }
  // every frame went out as a packet to baresip (the call plays them at its own 20 ms pace)
  await waitFor("the 80 injected packets sent", async () => (((await find(callId))?.audioOut as { injected: number } | null)?.injected ?? 0) >= 80 ? true : undefined, 5000);
  await sleep(BARESIP_PLAYOUT_MS);
  assert.is((await post("terminate", { callId })).status, 200);
  await waitStatus(callId, "FINISH");
  await bob!.callEnded(2);
  const file = bob!.latestDecodedRecording();
  assert.ok(file, "baresip recorded the call");
  const { stderr } = await run("sox", [file, "-n", "stat"]);
  const rough = Number(/Rough\s+frequency:\s+(\d+)/.exec(stderr)?.[1]);
  assert.ok(Math.abs(rough - 1000) < 80, `sox hears ${rough} Hz`);
  const wav = decodeWav(readFileSync(file));
  const x = wav.pcm.samples;
  let toneWindows = 0;
  for (let at = 0; at + 160 <= x.length; at += 160) {
    const w = x.subarray(at, at + 160);
    if (tonePower(w, 1000, 8000) > 0.5 && tonePower(w, 1000, 8000) > 50 * tonePower(w, 440, 8000)) toneWindows++;
  }
  const toneSeconds = (toneWindows * 160) / 8000;
  assert.ok(toneSeconds > 1.3 && toneSeconds < 1.9, `${toneSeconds} s of 1 kHz in baresip's recording (1.6 s injected)`);
});


test.run();
