/**
 * The phone's RTP made into stream frames: G.711 through the jitter buffer (reordering undone,
 * loss counted, late release by wall clock), telephone-events reported once per digit, H.264
 * access units with their SPS/PPS config on the audio's timeline, and keyframe requests (RTCP and
 * SIP INFO) merged within 500 ms and made when the depacketizer loses a frame.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CallMedia, type CallRtpSession } from "../../../src/core/call/media.ts";
import { rtpPacket, type RtpPacket } from "../../../src/rtp/packet.ts";
import { encodeTelephoneEvent } from "../../../src/rtp/telephone-event.ts";
import { msToNtp } from "../../../src/rtp/clock.ts";
import { packetizeH264 } from "../../../src/rtp/h264/packetizer.ts";
import type { RtpSessionStats } from "../../../src/rtp/udp-session.ts";
import type { Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import { hexBytes } from "../../support/tshark.ts";

const test = suite("core/call/media");
const SPS = hexBytes("6742c00ad902847e5c0440000003004000000503c48992"); // x264 baseline 160x120
const PPS = hexBytes("68cb83cb20");
const IDR = hexBytes("65888400");
const P = hexBytes("419a0000");
const ntp = (wallMs: number) => (({ msw, lsw }) => ({ ntpMsw: msw, ntpLsw: lsw }))(msToNtp(wallMs));
const STATS: RtpSessionStats = { packetsSent: 0, octetsSent: 0, packetsReceived: 0, octetsReceived: 0, packetsLost: 0, jitterMs: 0, rtcpSent: 0, rtcpReceived: 0, malformed: 0, foreignDropped: 0 };

function setup(jitterBuffer = true) {
  let now = 0;
  const frames: Frame[] = [];
  const configs: TrackConfig[] = [];
  const digits: string[] = [];
  const firs: number[] = [];
  let infos = 0;
  const session: CallRtpSession = { stats: STATS, requestKeyframe: (seq) => firs.push(seq) };
  const media = new CallMedia({
    audio: { session, codec: "PCMA", payloadType: 8, telephoneEventPayloadType: 101 },
    video: { session, payloadTypes: [96] },
    jitterBuffer,
    jitterDelayMs: 100,
    output: { config: (c) => configs.push(c), frame: (f) => frames.push(f) },
    onKeyframeInfo: () => infos++,
    onDtmf: (d) => digits.push(d),
    now: () => now,
  });
  return { media, frames, configs, digits, firs, infos: () => infos, setNow: (t: number) => (now = t) };
}

function audio(seq: number, payloadType = 8, payload: Uint8Array = new Uint8Array(160).fill(seq & 0xff)): RtpPacket {
  return rtpPacket({ payloadType, sequenceNumber: seq, timestamp: 16000 + 160 * (seq - 10), ssrc: 5, payload });
}

test("reordered G.711 comes out in order on the RTP clock, with the PCMA config first", () => {
  const { media, frames, configs } = setup();
  for (const seq of [10, 12, 11, 13]) media.receiveAudio(audio(seq));
  assert.equal(configs, [{ codec: "PCMA", sampleRate: 8000, channels: 1 }]);
  assert.equal(frames.map((f) => f.dts), [0, 20, 40, 60]);
  assert.equal(frames.map((f) => (f.kind === "audio" ? f.data[0] : -1)), [10, 11, 12, 13]);
  const jb = media.stats.audio!.jitterBuffer!;
  assert.equal([jb.reordered, jb.lost], [1, 0]);
});

test("a lost packet is given up after the buffer delay (by RTP time, or by wall clock with poll) and counted", () => {
  const { media, frames, setNow } = setup();
  media.receiveAudio(audio(10));
  media.receiveAudio(audio(12));
  assert.is(frames.length, 1, "12 waits for 11");
  setNow(150);
  media.poll();
  assert.equal(frames.map((f) => f.dts), [0, 40], "11 given up after 100 ms, 12 keeps its place on the clock");
  assert.is(media.stats.audio!.jitterBuffer!.lost, 1);
  media.receiveAudio(audio(11));
  assert.is(media.stats.audio!.jitterBuffer!.late, 1, "too late now");
  assert.is(frames.length, 2);
});

test("without the jitter buffer packets go straight through and no jitter stats are reported", () => {
  const { media, frames } = setup(false);
  for (const seq of [10, 12, 11]) media.receiveAudio(audio(seq));
  assert.equal(frames.map((f) => f.dts), [0, 40, 20]);
  assert.is(media.stats.audio!.jitterBuffer, undefined);
});

test("telephone-events from the phone are one digit each, whatever the retransmitted end packets", () => {
  const { media, digits, frames } = setup();
  let seq = 10;
  for (const [duration, end] of [[160, false], [320, false], [400, true], [400, true], [400, true]] as const) {
    media.receiveAudio(rtpPacket({ payloadType: 101, sequenceNumber: seq++, timestamp: 16000, ssrc: 5, payload: encodeTelephoneEvent({ event: 11, end, volume: 10, duration }) }));
  }
  assert.equal(digits, ["#"]);
  assert.is(frames.length, 0, "events are not audio frames");
  assert.is(media.stats.audio!.dtmfReceived, 1);
});

test("H.264 gets its SPS/PPS config (160x120) and keyframe, on the timeline where audio started first", () => {
  const { media, frames, configs, setNow } = setup(false);
  media.receiveAudio(audio(10));
  setNow(40);
  let seq = 1;
  const send = (nalus: Uint8Array[], ts: number) => {
    const payloads = packetizeH264(nalus);
    payloads.forEach((payload, i) => media.receiveVideo(rtpPacket({ payloadType: 96, sequenceNumber: seq++, timestamp: ts, ssrc: 9, marker: i === payloads.length - 1, payload })));
  };
  send([SPS, PPS, IDR], 90000);
  send([P], 93000);
  send([P], 96000);
  const video = frames.filter((f) => f.kind === "video");
  const h264 = configs.find((c) => c.codec === "H264");
  assert.ok(h264 && h264.codec === "H264" && h264.width === 160 && h264.height === 120);
  assert.equal(video.map((f) => f.kind === "video" && f.key), [true, false, false]);
  assert.equal(video.map((f) => Math.round(f.dts - video[0]!.dts)), [0, 33, 67], "on the 90 kHz clock");
  assert.is(video[0]!.dts, 40, "video's first frame at its arrival, 40 ms after the audio's");
  assert.is(media.stats.video!.depacketizer.keyframes, 1);
});

test("keyframe requests send PLI/FIR and SIP INFO at most every 500 ms, and a lost video packet asks for one", () => {
  const { media, firs, infos, setNow } = setup(false);
  media.requestKeyframe();
  media.requestKeyframe();
  assert.equal(firs, [0]);
  assert.is(infos(), 1);
  setNow(600);
  media.requestKeyframe();
  assert.equal(firs, [0, 1], "the FIR sequence number grows");
  setNow(1200);
  // a frame whose FU-A start fragment is missing cannot be rebuilt
  const payloads = packetizeH264([new Uint8Array(3000).fill(0x65)], { mtu: 1200 });
  payloads.slice(1).forEach((payload, i) => media.receiveVideo(rtpPacket({ payloadType: 96, sequenceNumber: 50 + i, timestamp: 1000, ssrc: 9, marker: i === payloads.length - 2, payload })));
  media.receiveVideo(rtpPacket({ payloadType: 96, sequenceNumber: 60, timestamp: 4000, ssrc: 9, marker: true, payload: P }));
  assert.is(firs.length, 3, "the dropped frame asked for a keyframe");
  assert.is(media.stats.video!.keyframeRequests, 3);
});

test("with the phone's RTCP sender reports, audio and video are put on its wall clock: same instant, same time, whatever the arrival", () => {
  const { media, frames, setNow } = setup(false);
  const wall0 = 1_700_000_000_000;
  const aBase = 16000; // audio(seq) has timestamp 16000 + 160 * (seq - 10)
  const vBase = 0xffff0000; // wraps during the call
  media.senderReport("audio", { ...ntp(wall0), rtpTimestamp: aBase });
  media.senderReport("video", { ...ntp(wall0), rtpTimestamp: vBase });
  for (let i = 0; i < 10; i++) media.receiveAudio(audio(10 + i));
  setNow(300); // video comes 300 ms later over another path, covering the same 0..180 ms of media
  let seq = 1;
  for (const [i, ms] of [0, 40, 80, 120, 160].entries()) {
    const payloads = packetizeH264(i === 0 ? [SPS, PPS, IDR] : [P]);
    payloads.forEach((payload, k) => media.receiveVideo(rtpPacket({ payloadType: 96, sequenceNumber: seq++, timestamp: (vBase + ms * 90) >>> 0, ssrc: 9, marker: k === payloads.length - 1, payload })));
  }
  const audioAt = (ms: number) => frames.filter((f) => f.kind === "audio")[ms / 20]!.dts;
  const video = frames.filter((f) => f.kind === "video");
  assert.is(video.length, 5);
  for (const [i, ms] of [0, 40, 80, 120, 160].entries()) assert.ok(Math.abs(video[i]!.dts - audioAt(ms)) < 1, `at ${ms} ms of media: video ${video[i]!.dts} vs audio ${audioAt(ms)}`);
});

test.run();
