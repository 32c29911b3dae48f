import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame, Frame, VideoFrame } from "../../../src/codecs/frame.ts";
import { StreamHub } from "../../../src/core/stream/hub.ts";
import type { MediaSource } from "../../../src/core/stream/media-sink.ts";
import { createWebRtcPublisher } from "../../../src/agent/webrtc/publisher.ts";
import type { PublishPeer } from "../../../src/agent/signaling/media-engine.ts";
import { sleep, waitFor } from "../../support/net.ts";
import { fixtureVideo, LOOPBACK_NET, OPUS_SILENCE, publishingBrowser, writeOpus, writeVideo } from "../support/werift-browser.ts";

const test = suite("agent/webrtc/publisher");
/** The receiver's keyframe-request rate limit (keyframeRequestGapMs' default). */
const PLI_GAP_MS = 500;

const cleanups: (() => unknown)[] = [];
test.after.each(async () => {
  for (const c of cleanups.splice(0)) await c();
});

test("a werift browser publishing H.264 and Opus fills a hub stream with the fixture's frames and configs", async () => {
  const browser = await publishingBrowser();
  cleanups.push(() => browser.close());
  let connected = false;
  const failures: string[] = [];
  const peer: PublishPeer = await createWebRtcPublisher(browser.offer, LOOPBACK_NET, { connected: () => void (connected = true), failed: (i) => void failures.push(i) });
  cleanups.push(() => peer.close());

  assert.not.match(browser.offer, /a=candidate/, "the offer carries no candidates, like the Web SDK's");
  const candidates = peer.answerSdp.match(/^a=candidate:.*$/gm) ?? [];
  assert.ok(candidates.length > 0, "the answer is complete");
  for (const c of candidates) {
    const [, , , , address, port] = c.split(" ");
    assert.is(address, "127.0.0.1");
    assert.ok(Number(port) >= LOOPBACK_NET.portFrom && Number(port) <= LOOPBACK_NET.portTo, `port ${port} inside the media range`);
  }
  assert.match(peer.answerSdp, /a=rtpmap:\d+ H264\/90000/);
  assert.match(peer.answerSdp, /packetization-mode=1/);
  assert.not.match(peer.answerSdp, /packetization-mode=0/);
  assert.not.match(peer.answerSdp, /VP8/);

  const hub = new StreamHub();
  const source: MediaSource = { kind: "webrtc", requestKeyframe: () => peer.requestKeyframe(), stop: () => peer.close() };
  const stream = hub.publish("cam", source);
  const got: Frame[] = [];
  stream.addSink({ config: () => {}, frame: (f) => void got.push(f), end: () => {} });
  peer.attach(stream);

  await browser.accept(peer.answerSdp);
  await waitFor("ICE + DTLS", () => (connected ? true : undefined), 10000);

  const { config, frames } = fixtureVideo(40);
  const seq = { n: 1000 };
  for (let i = 0; i < frames.length; i++) {
    writeVideo(browser.video, frames[i]!, config, seq);
    writeOpus(browser.audio, i * 2);
    writeOpus(browser.audio, i * 2 + 1);
    await sleep(5);
  }
  await waitFor("video frames", () => (stream.frames.video >= frames.length - 2 ? true : undefined), 5000);
  await waitFor("audio frames", () => (got.filter((f) => f.kind === "audio").length >= frames.length * 2 - 4 ? true : undefined), 5000);

  assert.equal(failures, []);
  assert.is(stream.videoConfig?.width, 480);
  assert.is(stream.videoConfig?.height, 270);
  assert.equal([...stream.videoConfig!.sps], [...config.sps]);
  assert.is(stream.audioConfig?.codec, "OPUS");
  const video = got.filter((f): f is VideoFrame => f.kind === "video");
  const audio = got.filter((f): f is AudioFrame => f.kind === "audio");
  assert.ok(video[0]!.key, "the sink starts at a keyframe");
  // The same NAL units come out as went in (the last one waits for the next frame's timestamp).
  for (const [i, f] of video.slice(0, frames.length - 1).entries()) {
    const sent = frames[i]!.key ? [config.sps, config.pps, ...frames[i]!.data] : frames[i]!.data;
    assert.equal(f.data.map((n) => n.length), sent.map((n) => n.length), `frame ${i} NAL sizes`);
    assert.is(Math.round(f.dts - video[0]!.dts), frames[i]!.dts - frames[0]!.dts, `frame ${i} time`);
  }
  assert.ok(audio.length >= frames.length * 2 - 4, `audio frames: ${audio.length}`);
  assert.equal([...audio[0]!.data], [...OPUS_SILENCE]);
  assert.ok(browser.plis >= 1, "a PLI went to the browser when the stream started");

  // Regression (Chromium e2e, sink waiting for the next GOP): a keyframe request inside the PLI
  // rate-limit gap is sent once the gap has passed, never dropped.
  await sleep(PLI_GAP_MS + 100);
  const before = browser.plis;
  peer.requestKeyframe();
  peer.requestKeyframe();
  peer.requestKeyframe();
  await waitFor("the deferred PLI", () => (browser.plis > before ? true : undefined), 2000);
  await sleep(PLI_GAP_MS + 200); // a third PLI, if one were sent, would come within this window
  assert.ok(browser.plis - before <= 2, `at most two PLIs for a burst of requests, got ${browser.plis - before}`);
});

test.run();
