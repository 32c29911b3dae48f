import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame, VideoFrame } from "../../src/codecs/frame.ts";
import { ReceivePipeline, type ReceiveOutput } from "../../src/rtp/receive-pipeline.ts";
import { msToNtp } from "../../src/rtp/clock.ts";
import { packetizeH264 } from "../../src/rtp/h264/packetizer.ts";
import { rtpPacket, type RtpPacket } from "../../src/rtp/packet.ts";
import { fixtureVideo } from "../agent/support/werift-browser.ts";

const test = suite("rtp/receive-pipeline");
const { config, frames } = fixtureVideo(30);

/** RTP packets of fixture frame `i` with RTP timestamp base `base`. */
function videoPackets(i: number, base: number, seq: { n: number }, mtu = 1200): RtpPacket[] {
  const f = frames[i]!;
  const payloads = packetizeH264(f.key ? [config.sps, config.pps, ...f.data] : f.data, { mtu });
  return payloads.map((payload, k) => rtpPacket({ payloadType: 102, sequenceNumber: seq.n++ & 0xffff, timestamp: (base + f.dts * 90) >>> 0, ssrc: 1, marker: k === payloads.length - 1, payload }));
}
const audioPacket = (i: number, base: number) => rtpPacket({ payloadType: 111, sequenceNumber: (7000 + i) & 0xffff, timestamp: (base + i * 960) >>> 0, ssrc: 2, payload: new Uint8Array([0xf8, i & 0xff]) });
const videoFrames = (out: ReceiveOutput[]) => out.flatMap((o) => (o.type === "frame" && o.frame.kind === "video" ? [o.frame as VideoFrame] : []));
const audioFrames = (out: ReceiveOutput[]) => out.flatMap((o) => (o.type === "frame" && o.frame.kind === "audio" ? [o.frame as AudioFrame] : []));
const sr = (wallMs: number, rtpTimestamp: number) => ({ ...(({ msw, lsw }) => ({ ntpMsw: msw, ntpLsw: lsw }))(msToNtp(wallMs)), rtpTimestamp: rtpTimestamp >>> 0 });

test("H.264 frames come out whole with the SPS/PPS config first and times from the RTP clock", () => {
  const p = new ReceivePipeline({ jitterBuffer: false });
  const seq = { n: 100 };
  const out = frames.slice(0, 10).flatMap((_, i) => videoPackets(i, 5000, seq).flatMap((pkt) => p.push("video", pkt, 1000 + frames[i]!.dts)));
  assert.is(out[0]!.type, "config");
  const cfg = out[0]!.type === "config" ? out[0].config : undefined;
  assert.equal(cfg && "width" in cfg ? [cfg.width, cfg.height] : [], [480, 270]);
  const v = videoFrames(out);
  assert.is(v.length, 10);
  assert.equal(v.map((f) => f.dts), frames.slice(0, 10).map((f) => f.dts - frames[0]!.dts));
  assert.ok(v[0]!.key);
});

test("audio and video of one sender land on one timeline once both have sender reports", () => {
  const p = new ReceivePipeline({ jitterBuffer: false });
  const wall0 = 1_700_000_000_000; // sender wall clock at media time 0
  const vBase = 0xfff00000; // wraps during the test
  const aBase = 123_456;
  // Sender reports map both clocks to the same wall clock.
  p.senderReport("video", sr(wall0, vBase));
  p.senderReport("audio", sr(wall0, aBase));
  const seq = { n: 1 };
  const out: ReceiveOutput[] = [];
  // audio arrives 80 ms before video (another network path); arrival must not matter after SR
  for (let i = 0; i < 50; i++) out.push(...p.push("audio", audioPacket(i, aBase), 10 + i * 20));
  for (let i = 0; i < 30; i++) for (const pkt of videoPackets(i, vBase, seq)) out.push(...p.push("video", pkt, 90 + frames[i]!.dts));
  const a = audioFrames(out);
  const v = videoFrames(out);
  // media time t in both tracks gives the same timeline ms
  const audioAt = (ms: number) => a.find((_f, i) => i * 20 === ms)!.dts;
  const videoAt = (ms: number) => v.find((_f, i) => frames[i]!.dts === ms)!.dts;
  const common = frames.map((f) => f.dts).filter((d) => d % 20 === 0 && d < 1000 && d > 0);
  assert.ok(common.length > 0, "some instants are shared by both tracks");
  for (const t of common) assert.ok(Math.abs(audioAt(t) - videoAt(t)) < 1, `at ${t} ms: audio ${audioAt(t)} vs video ${videoAt(t)}`);
  for (let i = 1; i < v.length; i++) assert.ok(v[i]!.dts > v[i - 1]!.dts, "video times go up across the RTP timestamp wrap");
});

test("without sender reports each track starts at its first packet's arrival", () => {
  const p = new ReceivePipeline({ jitterBuffer: false });
  const out = [...p.push("audio", audioPacket(0, 0), 1000), ...p.push("audio", audioPacket(1, 0), 1020)];
  const seq = { n: 1 };
  for (const pkt of videoPackets(0, 777, seq)) out.push(...p.push("video", pkt, 1100));
  for (const pkt of videoPackets(1, 777, seq)) out.push(...p.push("video", pkt, 1140));
  assert.equal(audioFrames(out).map((f) => f.dts), [0, 20]);
  assert.is(videoFrames(out)[0]!.dts, 100);
});

test("reordered packets of a frame are put back in order by the jitter buffer", () => {
  const p = new ReceivePipeline({ jitterDelayMs: 200 });
  const seq = { n: 10 };
  const first = videoPackets(0, 0, seq, 100);
  assert.ok(first.length >= 3, "the keyframe spans several packets");
  const swapped = [first[0]!, first[2]!, first[1]!, ...first.slice(3), ...videoPackets(1, 0, seq), ...videoPackets(2, 0, seq)];
  const out = swapped.flatMap((pkt, i) => p.push("video", pkt, i));
  const v = videoFrames(out);
  assert.ok(v.length >= 2);
  assert.equal(v[0]!.data.map((n) => n.length), [config.sps, config.pps, ...frames[0]!.data].map((n) => n.length));
  assert.is(p.stats.jitter.video?.reordered, 1);
});

test("a lost packet drops its frame, asks for a keyframe, and nothing broken is passed on", () => {
  const p = new ReceivePipeline({ jitterBuffer: false });
  const seq = { n: 10 };
  const out: ReceiveOutput[] = [];
  for (const pkt of videoPackets(0, 0, seq)) out.push(...p.push("video", pkt, 0));
  const lossy = videoPackets(1, 0, seq, 24);
  assert.ok(lossy.length >= 3);
  lossy.splice(1, 1);
  for (const pkt of [...lossy, ...videoPackets(2, 0, seq), ...videoPackets(3, 0, seq)]) out.push(...p.push("video", pkt, 40));
  assert.ok(out.some((o) => o.type === "keyframe-request"));
  const v = videoFrames(out);
  assert.is(v.length, 1, "only the first keyframe; the rest waits for the next keyframe");
});

test("keyframe requests are rate limited", () => {
  const p = new ReceivePipeline({ keyframeRequestGapMs: 500 });
  assert.ok(p.takeKeyframeRequest(0));
  assert.not.ok(p.takeKeyframeRequest(100));
  assert.ok(p.takeKeyframeRequest(600));
  assert.is(p.keyframeRequests, 2);
});

test("G.711 with its payload type: frames on the 8 kHz clock, other payload types in order as events, video of other types dropped, flush releases what is held", () => {
  const p = new ReceivePipeline({ jitterDelayMs: 200, audio: { codec: "PCMU", sampleRate: 8000, channels: 1 }, audioPayloadType: 0, videoPayloadTypes: [96] });
  const g711 = (seq: number, payloadType = 0) => rtpPacket({ payloadType, sequenceNumber: seq, timestamp: 160 * seq, ssrc: 3, payload: new Uint8Array(160).fill(seq) });
  const out = [...p.push("audio", g711(1), 0), ...p.push("audio", g711(3), 20), ...p.push("audio", g711(2, 101), 40)];
  out.push(...p.push("audio", g711(5), 60));
  const seq = { n: 1 };
  for (const pkt of videoPackets(0, 0, seq)) out.push(...p.push("video", pkt, 60)); // payload type 102: not the call's
  out.push(...p.flush(80));
  assert.equal(out.filter((o) => o.type === "config").map((o) => o.type === "config" && o.config), [{ codec: "PCMU", sampleRate: 8000, channels: 1 }]);
  assert.equal(out.flatMap((o) => (o.type === "frame" ? [`${o.frame.codec}@${o.frame.dts}`] : o.type === "event" ? [`event ${o.packet.sequenceNumber}`] : [])), ["PCMU@0", "event 2", "PCMU@40", "PCMU@80"]);
  assert.is(videoFrames(out).length, 0);
});

test.run();
