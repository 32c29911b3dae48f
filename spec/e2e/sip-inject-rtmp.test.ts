/**
 * Issue 11: `/call/inject_stream` of a stream ffmpeg publishes to the embedded RTMP server (a 1 kHz
 * tone in AAC) is heard in the SIP call: the AAC is decoded by our decoder, resampled and encoded
 * to G.711. `/call/startup` registers alice with kamailio and calls baresip (bob, whose own
 * microphone plays 440 Hz) through it; baresip's recording of what it received has the 1 kHz tone
 * for as long as the injection ran, and not after.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { decodeWav } from "../../src/audio/wav-reader.ts";
import { Baresip } from "../support/baresip.ts";
import { tonePower } from "../support/tone.ts";
import { e2eSuite, hasProgram } from "../support/e2e.ts";
import { Kamailio } from "../support/kamailio.ts";
import { freeTcpPort, sleep, waitFor } from "../support/net.ts";
import { killChildren, start } from "../support/process.ts";
import { PROGRAMS, Rig } from "./webrtc-rtmp-rig.ts";

const NEEDS = [...PROGRAMS, "kamailio", "baresip", "sox"];
const test = e2eSuite("e2e/sip call: inject_stream of an RTMP-published (AAC) stream", NEEDS);
const ALICE = { user: "alice", password: "alice-secret" };
const BOB = { user: "bob", password: "bob-secret" };
/** G.711 frames of 20 ms analysed one by one */
const WINDOW = 160;

const ctx: { dir?: string; rig?: Rig; kamailio?: Kamailio; bob?: Baresip } = {};

test.before(async () => {
  if (!NEEDS.every(hasProgram)) return;
  ctx.dir = mkdtempSync(join(tmpdir(), "transpond-sip-inject-rtmp-"));
  const bobSource = join(ctx.dir, "bob-440hz.wav");
  execFileSync("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", bobSource, "synth", "60", "sine", "440", "vol", "0.5"]);
  ctx.kamailio = await Kamailio.start({ users: [ALICE, BOB] });
  ctx.bob = await Baresip.start({ ...BOB, registrar: ctx.kamailio.domain, source: bobSource });
  await ctx.bob.registered();
  // silence from Transpond outside the injection, so baresip records the whole call
  const rtmpPort = await freeTcpPort();
  ctx.rig = await Rig.start(() => ({ generate_av_for_ua: "all", "rtmp.port": rtmpPort }));
});

test.after(async () => {
  killChildren();
  await ctx.rig?.close();
  await ctx.bob?.dispose();
  await ctx.kamailio?.dispose();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

async function callStatus(callId: string): Promise<string | undefined> {
  const answer = await ctx.rig!.rest("/call/find", { callId });
  return answer.status === 200 ? (answer.body as { status: string }[])[0]?.status : undefined;
}

function waitCall(callId: string, status: string): Promise<true> {
  return waitFor(`call ${callId} ${status}`, async () => ((await callStatus(callId)) === status ? true : undefined), 10000, 100);
}


test("ffmpeg's 1 kHz AAC tone, published over RTMP and injected into the call, is in baresip's recording for the 3 s it was injected and not after", async () => {
  const { rig, bob, kamailio } = ctx as Required<typeof ctx>;
  const ffmpeg = start("ffmpeg", [
    "-v", "error", "-re", "-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*1000*t):s=44100:d=60", "-c:a", "aac", "-b:a", "96k", "-ac", "2",
    "-f", "flv", `rtmp://127.0.0.1:${rig.app.ports.rtmp}/live/rtmp-tone`,
  ], 90000);
  await waitFor("stream rtmp-tone with AAC", () => (rig.app.hub.get("rtmp-tone")?.audioConfig?.codec === "AAC" ? true : undefined), 20000);
  const callId = "inject-rtmp";
  const started = await rig.rest("/call/startup", kamailio.callBody(callId, ALICE, "bob", { sipRegisterRequired: "true" }));
  assert.is(started.status, 200, started.text);
  await waitCall(callId, "ESTABLISHED");
  await sleep(1000);

  const injected = await rig.rest("/call/inject_stream", { callId, streamName: "rtmp-tone" });
  assert.is(injected.status, 200, injected.text);
  // the 3 s count from the first injected frame on the wire: on a loaded machine the codec worker may take a second to start
  const asked = Date.now();
  await waitFor("the first injected frame sent into the call", () => ((rig.app.calls.get(callId).audioOut?.injected ?? 0) > 0 ? true : undefined), 10000, 10);
  console.log(`  injection on the wire ${Date.now() - asked} ms after inject_stream`);
  await sleep(3000);
  const stopped = await rig.rest("/call/inject_stream/terminate", { callId });
  assert.is(stopped.status, 200, stopped.text);
  await sleep(1500);
  assert.is((await rig.rest("/call/terminate", { callId })).status, 200);
  await waitCall(callId, "FINISH");
  await bob.callEnded(1);
  ffmpeg.child.kill("SIGKILL");

  const file = bob.latestDecodedRecording();
  assert.ok(file, "baresip recorded the call");
  const x = decodeWav(readFileSync(file!)).pcm.samples;
  const tone: number[] = [];
  for (let at = 0; at + WINDOW <= x.length; at += WINDOW) {
    const w = x.subarray(at, at + WINDOW);
    if (tonePower(w, 1000, 8000) > 0.05 && tonePower(w, 1000, 8000) > 50 * tonePower(w, 440, 8000)) tone.push(at / 8000);
  }
  const seconds = (tone.length * WINDOW) / 8000;
  console.log(`  baresip recorded ${(x.length / 8000).toFixed(2)} s; 1 kHz in ${seconds.toFixed(2)} s of it, from ${tone[0]?.toFixed(2)} s to ${tone.at(-1)?.toFixed(2)} s`);
  assert.ok(seconds > 2.4 && seconds < 3.6, `${seconds} s of 1 kHz in baresip's recording (3 s injected)`);
  // one span: the windows with the tone lie together, and the recording goes on without it after
  const span = tone.at(-1)! - tone[0]!;
  assert.ok(span < 3.6, `the tone spans ${span.toFixed(2)} s`);
  assert.ok(tone[0]! > 0.5, `the tone starts ${tone[0]!.toFixed(2)} s into the call, after inject_stream`);
  assert.ok(x.length / 8000 - tone.at(-1)! > 1, `${(x.length / 8000 - tone.at(-1)!).toFixed(2)} s recorded after the injection ended`);
});

test.run();
