/**
 * Issue 11: every source plays with sound in the browser. Headless Chromium with the official Web
 * SDK plays, over WebRTC:
 * - what ffmpeg publishes to the embedded RTMP server (a test pattern and a 1 kHz tone in AAC):
 *   getStats shows Opus audio with energy, and a WebAudio analyser on the played audio peaks at 1 kHz;
 * - an audio-only RTMP publish with the SDK's plain play(): the played media holds only audio, with
 *   energy, and with `constraints: {audio: true, video: false}` too;
 * - ffmpeg's A-law over RTMP: PCMA to the browser untranscoded, cut into 20 ms packets;
 * - a SIP call to SIPp (which answers with its PCMA capture) made with `toStream` and
 *   `hasVideo=false`: plain play() negotiates PCMA (Chromium offers it; the call's audio goes
 *   untranscoded) and the audio has energy second after second while the capture plays; a browser
 *   whose offer has no G.711 (the SDK's stripCodecs) gets the call as Opus, with audio-only
 *   constraints.
 */
import * as assert from "uvu/assert";
import { e2eSuite, hasProgram } from "../support/e2e.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { killChildren, start } from "../support/process.ts";
import { PROGRAMS, Rig } from "./webrtc-rtmp-rig.ts";
import type { SdkPage } from "../support/chromium.ts";
import { callBody, closeAll, pcmaCapture, removeTemp, startSipp } from "./sip-call-rig.ts";

const NEEDS = [...PROGRAMS, "sipp"];
const test = e2eSuite("e2e/webrtc play: sound from RTMP and SIP sources", NEEDS);
const ctx: { rig?: Rig; hangUp?: () => Promise<void> } = {};

test.before(async () => {
  if (!NEEDS.every(hasProgram)) return;
  const rtmpPort = await freeTcpPort();
  ctx.rig = await Rig.start(() => ({ "rtmp.port": rtmpPort }), undefined, ["--autoplay-policy=no-user-gesture-required"]);
});

test.after(async () => {
  killChildren();
  await closeAll();
  await ctx.rig?.close();
  removeTemp();
});

/** ffmpeg publishing a lavfi source to the embedded server for 60 s (killed by the test). */
function publish(name: string, video: boolean): ReturnType<typeof start> {
  const rig = ctx.rig!;
  const input = video ? ["-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25"] : [];
  const codecs = video ? ["-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p"] : ["-vn"];
  return start("ffmpeg", [
    "-v", "error", ...input, "-re", "-f", "lavfi", "-i", "sine=f=1000:sample_rate=44100", "-t", "60",
    ...codecs, "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "flv", `rtmp://127.0.0.1:${rig.app.ports.rtmp}/live/${name}`,
  ], 90000);
}

/** Polls the SDK's getStats until the inbound audio has energy; returns the last stats. */
async function audioWithEnergy(page: SdkPage): Promise<{ codec: string; energy: number; samples: number }> {
  return waitFor("inbound audio with energy", async () => {
    const s = await page.audioStats();
    return s && s.energy > 0.01 && s.samples > 48000 ? s : undefined;
  }, 20000, 250);
}

test("ffmpeg's test pattern and 1 kHz AAC tone over RTMP play in the browser as Opus, peaking at 1 kHz", async () => {
  const rig = ctx.rig!;
  const ffmpeg = publish("tone", true);
  await waitFor("stream tone with audio and video", () => (rig.app.hub.get("tone")?.audioConfig && rig.app.hub.get("tone")?.videoConfig ? true : undefined), 20000);
  const page = await rig.chromium.open(rig.wsUrl);
  try {
    assert.is(await page.play("tone"), "PLAYING");
    const stats = await audioWithEnergy(page);
    assert.is(stats.codec, "audio/opus");
    await waitFor("video frames decoded", async () => ((await page.framesDecoded()) > 10 ? true : undefined), 20000, 250);
    const peak = await page.analyserPeak(2000);
    console.log(`  opus in: energy ${stats.energy.toFixed(3)} over ${stats.samples} samples; analyser peak ${peak.hz.toFixed(1)} Hz at ${peak.db.toFixed(1)} dB`);
    assert.ok(Math.abs(peak.hz - 1000) < 12, `analyser peak at ${peak.hz} Hz`);
    assert.ok(peak.db > -50, `peak level ${peak.db} dB`);
  } finally {
    await page.close();
    ffmpeg.child.kill("SIGKILL");
  }
});

test("an audio-only RTMP stream plays with plain play() and with audio-only constraints", async () => {
  const rig = ctx.rig!;
  const ffmpeg = publish("voice", false);
  await waitFor("stream voice with audio", () => (rig.app.hub.get("voice")?.audioConfig ? true : undefined), 20000);
  try {
    for (const constraints of [undefined, { audio: true, video: false }]) {
      const page = await rig.chromium.open(rig.wsUrl);
      try {
        assert.is(await page.play("voice", constraints), "PLAYING");
        const stats = await audioWithEnergy(page);
        assert.is(stats.codec, "audio/opus");
        assert.equal(await page.remoteTracks(), ["audio"], "only the audio track is live");
        const peak = await page.analyserPeak(1000);
        assert.ok(Math.abs(peak.hz - 1000) < 12, `analyser peak at ${peak.hz} Hz`);
      } finally {
        await page.close();
      }
    }
  } finally {
    ffmpeg.child.kill("SIGKILL");
  }
});

test("ffmpeg's A-law over RTMP (128 ms per message) plays as PCMA in 20 ms packets, peaking at 1 kHz", async () => {
  const rig = ctx.rig!;
  const ffmpeg = start("ffmpeg", [
    "-v", "error", "-re", "-f", "lavfi", "-i", "sine=f=1000:sample_rate=8000", "-t", "60", "-c:a", "pcm_alaw", "-ar", "8000", "-ac", "1",
    "-f", "flv", `rtmp://127.0.0.1:${rig.app.ports.rtmp}/live/alaw`,
  ], 90000);
  await waitFor("stream alaw with audio", () => (rig.app.hub.get("alaw")?.audioConfig ? true : undefined), 20000);
  const page = await rig.chromium.open(rig.wsUrl);
  try {
    assert.is(await page.play("alaw"), "PLAYING");
    const stats = await waitFor("inbound audio with energy", async () => {
      const s = await page.audioStats();
      return s && s.energy > 0.01 ? s : undefined;
    }, 20000, 250);
    assert.is(stats.codec, "audio/PCMA");
    const peak = await page.analyserPeak(1000);
    assert.ok(Math.abs(peak.hz - 1000) < 12, `analyser peak at ${peak.hz} Hz`);
  } finally {
    await page.close();
    ffmpeg.child.kill("SIGKILL");
  }
});

/** Calls SIPp (playing its PCMA capture) with `toStream`, plays the stream; the first audio stats with energy. */
async function playSipCall(page: SdkPage, callId: string, stream: string, play: () => Promise<string>): Promise<{ codec: string; energy: number }> {
  const rig = ctx.rig!;
  const pcap = pcmaCapture();
  assert.ok(pcap, "SIPp's g711a.pcap is available");
  const sipp = await startSipp("uas-play-pcma.xml", { PCAP: pcap! });
  const started = await rig.rest("/call/startup", callBody(callId, sipp, { toStream: stream }));
  assert.is(started.status, 200, started.text);
  await waitFor(`stream ${stream} with audio`, () => (rig.app.hub.get(stream)?.audioConfig ? true : undefined), 15000, 50);
  assert.is(await play(), "PLAYING");
  const first = await waitFor("inbound audio with energy", async () => {
    const s = await page.audioStats();
    return s && s.energy > 0 ? s : undefined;
  }, 10000, 100);
  ctx.hangUp = async () => {
    assert.is((await rig.rest("/call/terminate", { callId })).status, 200);
    assert.is(await sipp.exit, 0);
  };
  return first;
}

test("a SIP call with toStream and hasVideo=false plays with plain play(): PCMA, untranscoded, with energy while the capture plays", async () => {
  const rig = ctx.rig!;
  const page = await rig.chromium.open(rig.wsUrl);
  try {
    const first = await playSipCall(page, "call-play", "sipcall", () => page.play("sipcall"));
    assert.is(first.codec, "audio/PCMA");
    assert.equal(await page.remoteTracks(), ["audio"], "only the audio track is live");
    // energy grows second after second while SIPp's 7 s capture plays
    let last = first.energy;
    let growing = 0;
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = (await page.audioStats())!;
      if (s.energy > last + 1e-4) growing++;
      last = s.energy;
    }
    console.log(`  PCMA in: energy ${last.toFixed(4)}, grew in ${growing} of 4 seconds`);
    assert.is(growing, 4, "audio energy in every second of the call");
    await ctx.hangUp!();
  } finally {
    await page.close();
  }
});

test("a browser whose offer has no G.711 gets the SIP call's audio as Opus (audio-only constraints)", async () => {
  const rig = ctx.rig!;
  const page = await rig.chromium.open(rig.wsUrl);
  try {
    const first = await playSipCall(page, "call-opus", "sipcall-opus", () => page.play("sipcall-opus", { audio: true, video: false }, "PCMA,PCMU"));
    assert.is(first.codec, "audio/opus");
    await new Promise((r) => setTimeout(r, 1500));
    const later = (await page.audioStats())!;
    assert.ok(later.energy > first.energy + 1e-4, `energy ${first.energy} -> ${later.energy}`);
    await ctx.hangUp!();
  } finally {
    await page.close();
  }
});

test.run();
