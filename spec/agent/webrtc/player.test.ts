import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readAdtsFrames } from "../../../src/audio/aac/adts.ts";
import { encodeAudioSpecificConfig } from "../../../src/audio/aac/index.ts";
import { OpusPacketDecoder } from "../../../src/audio/opus-decoder.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import { withParameterSets } from "../../../src/agent/webrtc/media-sender.ts";
import { MediaReceiver } from "../../../src/agent/webrtc/media-receiver.ts";
import { createOfferingPeer } from "../../../src/agent/webrtc/offer.ts";
import { createWebRtcPlayer } from "../../../src/agent/webrtc/player.ts";
import { H264Depacketizer } from "../../../src/rtp/h264/depacketizer.ts";
import { decodeRtp } from "../../../src/rtp/packet.ts";
import { sleep, waitFor } from "../../support/net.ts";
import { tonePower } from "../../support/tone.ts";
import { ffmpeg } from "../../audio/support/ffmpeg.ts";
import { fixtureVideo, LOOPBACK_NET, OPUS_SILENCE, playingBrowser } from "../support/werift-browser.ts";

const test = suite("agent/webrtc/player");
const cleanups: (() => unknown)[] = [];
test.after.each(async () => {
  for (const c of cleanups.splice(0)) await c();
});

test("a keyframe without SPS/PPS gets the config's in front; other frames are left alone", () => {
  const { config, frames } = fixtureVideo(3);
  const idr = frames[0]!.data.filter((n) => (n[0]! & 0x1f) !== 7 && (n[0]! & 0x1f) !== 8);
  assert.equal(withParameterSets(idr, config).slice(0, 2), [config.sps, config.pps]);
  assert.is(withParameterSets(frames[1]!.data, config), frames[1]!.data);
  assert.is(withParameterSets(idr, undefined), idr);
});

test("a werift browser playing a hub stream receives the same H.264 access units and the Opus packets", async () => {
  const browser = await playingBrowser();
  cleanups.push(() => browser.close());
  let connected = false;
  const player = await createWebRtcPlayer(browser.offer, LOOPBACK_NET, { connected: () => void (connected = true), failed: () => {} }, { opusBitrate: 64000 });
  cleanups.push(() => player.close());
  assert.match(player.answerSdp, /a=sendonly/);
  assert.match(player.answerSdp, /H264\/90000/);
  const { config, frames } = fixtureVideo(30);
  const hub = new StreamHub();
  let keyframeRequests = 0;
  const stream = hub.publish("cam", { kind: "rtmp", requestKeyframe: () => void keyframeRequests++, stop: () => {} });
  stream.setConfig(config);
  stream.setConfig({ codec: "OPUS", sampleRate: 48000, channels: 2 });
  await browser.accept(player.answerSdp);
  await waitFor("connected", () => (connected ? true : undefined), 10000);
  stream.addSink(player.sink);
  assert.is(keyframeRequests, 1, "the hub asked the source for a keyframe when the player joined");
  for (const [i, f] of frames.entries()) {
    stream.pushFrame(f);
    stream.pushFrame({ kind: "audio", codec: "OPUS", dts: f.dts, pts: f.dts, key: true, data: OPUS_SILENCE });
    stream.pushFrame({ kind: "audio", codec: "AAC", dts: f.dts, pts: f.dts, key: true, data: new Uint8Array(4) });
    if (i % 5 === 0) await sleep(5);
  }
  await waitFor("video packets", () => (browser.received.video > frames.length ? true : undefined), 5000);
  await waitFor("audio packets", () => (browser.received.audio >= frames.length - 1 ? true : undefined), 5000);
  assert.is(player.stats.audioSkipped, frames.length, "frames of another codec than the audio track's are not sent");
  assert.ok(browser.received.audio >= frames.length - 1, `audio packets ${browser.received.audio}`);
  assert.equal([...browser.received.audioPayloads[0]!], [...OPUS_SILENCE]);
  // Depacketize what arrived: the same NAL units as were pushed (SPS/PPS travel in front of the IDR).
  const depack = new H264Depacketizer();
  const got = browser.received.videoPackets.flatMap((bytes) => depack.push(decodeRtp(bytes))).flatMap((o) => (o.type === "frame" ? [o.frame] : []));
  assert.ok(got.length >= frames.length - 1, `${got.length} frames out of ${frames.length}`);
  for (const [i, f] of got.entries()) {
    const sent = withParameterSets(frames[i]!.data, config);
    assert.equal(f.data.map((n) => n.length), sent.map((n) => n.length), `frame ${i}`);
    assert.equal(Math.round(f.pts - got[0]!.pts), frames[i]!.pts - frames[0]!.pts, `frame ${i} time`);
  }
});

test("an audio-only AAC stream plays as Opus, the video section inactive: the 1 kHz tone arrives", async () => {
  const adts = ffmpeg(["-f", "lavfi", "-i", "sine=f=1000:r=44100:d=3", "-ac", "2", "-c:a", "aac", "-f", "adts", "-"]);
  const aac = readAdtsFrames(adts);
  const hub = new StreamHub();
  const stream = hub.publish("tone", { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });
  stream.setConfig({ codec: "AAC", sampleRate: 44100, channels: 2, asc: encodeAudioSpecificConfig({ sampleRate: 44100, channels: 2 }) });
  const browser = await playingBrowser();
  cleanups.push(() => browser.close());
  let connected = false;
  const source = { audio: stream.audioConfig!, video: false };
  const player = await createWebRtcPlayer(browser.offer, LOOPBACK_NET, { connected: () => void (connected = true), failed: () => {} }, { opusBitrate: 48000, source });
  cleanups.push(() => player.close());
  assert.match(player.answerSdp, /m=video[^]*a=inactive/);
  assert.match(player.answerSdp, /opus\/48000/);
  await browser.accept(player.answerSdp);
  await waitFor("connected", () => (connected ? true : undefined), 10000);
  stream.addSink(player.sink);
  for (const [i, f] of aac.entries()) {
    const pts = Math.round((i * 1024 * 1000) / 44100);
    stream.pushFrame({ kind: "audio", codec: "AAC", dts: pts, pts, key: true, data: f.payload });
    if (i % 10 === 0) await sleep(5);
  }
  const want = Math.floor((aac.length * 1024) / 44100 / 0.02) - 2;
  await waitFor("Opus packets", () => (browser.received.audio >= want ? true : undefined), 10000);
  assert.is(browser.received.video, 0);
  const dec = await OpusPacketDecoder.create();
  cleanups.push(() => dec.free());
  const pcm = Float32Array.from(browser.received.audioPayloads.flatMap((p) => [...dec.decode(p).samples]));
  assert.is(dec.errors, 0);
  const left = pcm.filter((_, i) => i % 2 === 0).subarray(48000);
  assert.ok(tonePower(left, 1000, 48000) > 1000 * tonePower(left, 1500, 48000), "a 1 kHz tone");
  assert.ok(tonePower(left, 1000, 48000) > (0.05 ** 2 * left.length) / 4, "with energy");
});

// The agent client playing from another server is a werift offerer: its recvonly sections carry
// the SSRC its RTCP comes from, which werift's router used to take for a receiver of ours.
test("a PLI from a werift viewer (the agent client pulling a relay) reaches the player's keyframe handler", async () => {
  let connected = false;
  const viewer = createOfferingPeer({ net: LOOPBACK_NET, kinds: ["audio", "video"], events: { connected: () => void (connected = true), failed: () => {} } });
  cleanups.push(() => viewer.close());
  const receiver = new MediaReceiver(viewer.pc, { keyframeRequestGapMs: 0 });
  cleanups.push(() => receiver.close());
  const offer = await viewer.offer();
  assert.match(offer, /m=video[^]*a=recvonly[^]*a=ssrc:\d+ /, "werift's recvonly offer names its RTCP SSRC");
  const player = await createWebRtcPlayer(offer, LOOPBACK_NET, { connected: () => {}, failed: () => {} }, { opusBitrate: 64000 });
  cleanups.push(() => player.close());
  let keyframeRequests = 0;
  player.onKeyframeRequest(() => void keyframeRequests++);
  await viewer.accept(player.answerSdp);
  await waitFor("connected", () => (connected ? true : undefined), 10000);
  const hub = new StreamHub();
  const stream = hub.publish("cam", { kind: "rtmp", requestKeyframe: () => {}, stop: () => {} });
  const { config, frames } = fixtureVideo(2);
  stream.setConfig(config);
  stream.addSink(player.sink);
  stream.pushFrame(frames[0]!);
  // the viewer's PLI names the SSRC it saw (onTrack), so wait for a packet first
  await waitFor("PLI answered", () => {
    receiver.requestKeyframe();
    return keyframeRequests > 0 ? true : undefined;
  }, 10000, 200);
});

test.run();
