/**
 * Issue 18: a Flash-era publisher's Speex plays in the browser. ffmpeg publishes a 1 kHz tone coded
 * by libspeex (16 kHz, two frames per message, as Flash Player sent it) to the embedded RTMP server;
 * headless Chromium with the official Web SDK plays the stream over WebRTC: getStats shows Opus audio
 * with energy (the Speex decoder feeds the Opus encoder), and a WebAudio analyser on the played audio
 * peaks at 1 kHz.
 *
 * The tone has a noise floor (toneWithNoiseFloor): the player's decoder starts at whatever packet is
 * live when it joins, and on a pure sine a Speex decoder joined mid-stream saturates - this test then
 * saw a clipped 59 Hz buzz in about one run in three, depending on the packet it joined at.
 */
import * as assert from "uvu/assert";
import { e2eSuite, hasProgram } from "../support/e2e.ts";
import { toneWithNoiseFloor } from "../support/tone.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { killChildren, start } from "../support/process.ts";
import { PROGRAMS, Rig } from "./webrtc-rtmp-rig.ts";

const test = e2eSuite("e2e/webrtc play: Speex from an RTMP publisher", PROGRAMS);
const ctx: { rig?: Rig } = {};

test.before(async () => {
  if (!PROGRAMS.every(hasProgram)) return;
  const rtmpPort = await freeTcpPort();
  ctx.rig = await Rig.start(() => ({ "rtmp.port": rtmpPort }), undefined, ["--autoplay-policy=no-user-gesture-required"]);
});

test.after(async () => {
  killChildren();
  await ctx.rig?.close();
});

test("ffmpeg's libspeex tone over RTMP plays in the browser as Opus, peaking at 1 kHz", async () => {
  const rig = ctx.rig!;
  const ffmpeg = start("ffmpeg", [
    "-v", "error", "-re", "-f", "lavfi", "-i", toneWithNoiseFloor(1000, 16000), "-t", "60", "-c:a", "libspeex", "-frames_per_packet", "2", "-ac", "1",
    "-f", "flv", `rtmp://127.0.0.1:${rig.app.ports.rtmp}/live/speex`,
  ], 90000);
  await waitFor("stream speex with audio", () => (rig.app.hub.get("speex")?.audioConfig?.codec === "SPEEX" ? true : undefined), 20000);
  const page = await rig.chromium.open(rig.wsUrl);
  try {
    assert.is(await page.play("speex"), "PLAYING");
    const stats = await waitFor("inbound audio with energy", async () => {
      const s = await page.audioStats();
      return s && s.energy > 0.01 && s.samples > 48000 ? s : undefined;
    }, 20000, 250);
    assert.is(stats.codec, "audio/opus");
    const peak = await page.analyserPeak(1000);
    console.log(`  opus in: energy ${stats.energy.toFixed(3)} over ${stats.samples} samples; analyser peak ${peak.hz.toFixed(1)} Hz at ${peak.db.toFixed(1)} dB`);
    assert.ok(Math.abs(peak.hz - 1000) < 12, `analyser peak at ${peak.hz} Hz`);
    assert.ok(peak.db > -50, `peak level ${peak.db} dB`);
  } finally {
    await page.close();
    ffmpeg.child.kill("SIGKILL");
  }
});

test.run();
