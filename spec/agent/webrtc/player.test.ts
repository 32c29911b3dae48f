import { suite } from "uvu";
import * as assert from "uvu/assert";
import { StreamHub } from "../../../src/core/hub.ts";
import { createWebRtcPlayer, withParameterSets } from "../../../src/agent/webrtc/player.ts";
import { H264Depacketizer } from "../../../src/rtp/h264/depacketizer.ts";
import { decodeRtp } from "../../../src/rtp/packet.ts";
import { sleep, waitFor } from "../../support/net.ts";
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
  const player = await createWebRtcPlayer(browser.offer, LOOPBACK_NET, { connected: () => void (connected = true), failed: () => {} });
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
  await sleep(200);
  assert.is(player.stats.audioSkipped, frames.length, "AAC is not sent to a WebRTC player");
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

test.run();
