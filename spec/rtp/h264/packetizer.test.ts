import { suite } from "uvu";
import * as assert from "uvu/assert";
import { TranspondError } from "../../../src/errors.ts";
import { decodeRtp, rtpPacket } from "../../../src/rtp/packet.ts";
import { H264Depacketizer } from "../../../src/rtp/h264/depacketizer.ts";
import { packetizeH264 } from "../../../src/rtp/h264/packetizer.ts";
import { decodeH264Payload } from "../../../src/rtp/h264/payload.ts";
import type { VideoFrame } from "../../../src/codecs/frame.ts";
import { STR0M, capturePath, datagrams, hex } from "../captures.ts";

const test = suite("rtp/h264/packetizer");

const SPS = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80);
const PPS = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const idr = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 0x65 : (i * 7) & 0xff));

test("puts SPS and PPS in one STAP-A and splits a large IDR into FU-A fragments that fit the MTU", () => {
  const payloads = packetizeH264([SPS, PPS, idr(2500)], { mtu: 1200 });
  assert.is(payloads[0]![0]! & 0x1f, 24);
  const stap = decodeH264Payload(payloads[0]!);
  if (stap.type === "stap-a") assert.equal(stap.nalus.map(hex), [hex(SPS), hex(PPS)]);
  const fus = payloads.slice(1).map(decodeH264Payload);
  assert.equal(fus.map((f) => (f.type === "fu-a" ? `${f.start ? "S" : ""}${f.end ? "E" : ""}` : f.type)), ["S", "", "E"]);
  assert.ok(payloads.every((p) => p.length <= 1200));
  const sizes = payloads.slice(1).map((p) => p.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `even fragments ${sizes}`);
});

test("packetization-mode 0 sends each NAL unit alone and refuses one larger than the MTU", () => {
  assert.equal(packetizeH264([SPS, PPS, idr(100)], { packetizationMode: 0 }).map((p) => p[0]! & 0x1f), [7, 8, 5]);
  assert.throws(() => packetizeH264([idr(2000)], { packetizationMode: 0, mtu: 1200 }), (e: unknown) => e instanceof TranspondError && e.code === "ERR_RTP_H264_NAL_TOO_LARGE");
});

test("every frame of the str0m capture survives packetize -> depacketize at MTUs 1200, 500 and 100 unchanged", () => {
  const path = capturePath(STR0M);
  if (!path) return;
  const source = new H264Depacketizer({ requireKeyframe: false, waitForKeyframeAfterDrop: false });
  const frames: VideoFrame[] = [];
  for (const d of datagrams(path)) for (const o of source.push(decodeRtp(d.payload))) if (o.type === "frame") frames.push(o.frame);
  assert.ok(frames.length > 200);
  for (const mtu of [1200, 500, 100]) {
    const sink = new H264Depacketizer({ requireKeyframe: false });
    let seq = 65000;
    const out: VideoFrame[] = [];
    frames.forEach((f, i) => {
      const payloads = packetizeH264(f.data, { mtu });
      payloads.forEach((payload, k) => {
        assert.ok(payload.length <= mtu);
        const p = rtpPacket({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: i * 3000, ssrc: 5, marker: k === payloads.length - 1, payload });
        for (const o of sink.push(p)) if (o.type === "frame") out.push(o.frame);
      });
    });
    assert.is(out.length, frames.length, `mtu ${mtu}`);
    assert.ok(out.every((f, i) => f.data.map(hex).join() === frames[i]!.data.map(hex).join()), `mtu ${mtu} same NAL units`);
  }
});

test.run();
