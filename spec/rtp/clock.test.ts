import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ClockMapper, msToNtp, ntpMiddle32, ntpToMs, rtpToMs, SR_TOLERANCE_MS } from "../../src/rtp/clock.ts";
import { decodeRtcpCompound } from "../../src/rtp/rtcp/compound.ts";
import { RTCP_COMPOUND, capturePath, datagrams } from "./captures.ts";

const test = suite("rtp/clock");

test("ntpToMs gives Unix time: the SR in the FreeSWITCH capture is 2017-08-13 12:15:44.302 UTC, as tshark prints it", () => {
  const ms = ntpToMs(3711615344, 1298222584);
  assert.is(new Date(ms).toISOString(), "2017-08-13T12:15:44.302Z");
});

test("msToNtp and ntpToMs round-trip to well under a millisecond", () => {
  for (const ms of [0, 1_700_000_000_123.5, 1_999_999_999_999]) {
    const { msw, lsw } = msToNtp(ms);
    assert.ok(Math.abs(ntpToMs(msw, lsw) - ms) < 0.001);
  }
  assert.is(ntpMiddle32(0xdd3ac170, 0x4d614df8), 0xc1704d61);
});

test("rtpToMs converts clock ticks", () => {
  assert.equal([rtpToMs(90000, 90000), rtpToMs(160, 8000), rtpToMs(960, 48000)], [1000, 20, 20]);
});

test("relativeMs counts from the first timestamp across the 32-bit wrap", () => {
  const c = new ClockMapper(90000);
  assert.equal([c.relativeMs(0xffffd8f0), c.relativeMs(0x2710), c.relativeMs(0x2710 + 90000)], [0, 20000 / 90, 20000 / 90 + 1000]);
});

test("sender reports put audio and video on one wall clock", () => {
  const base = 1_700_000_000_000;
  const video = new ClockMapper(90000);
  const audio = new ClockMapper(48000);
  assert.is(video.wallClockMs(1000), undefined);
  const at = msToNtp(base);
  video.onSenderReport({ ntpMsw: at.msw, ntpLsw: at.lsw, rtpTimestamp: 4_294_000_000 }); // near the wrap
  audio.onSenderReport({ ntpMsw: at.msw, ntpLsw: at.lsw, rtpTimestamp: 123_456 });
  // 2 s later on both clocks, the video timestamp has wrapped
  const v = video.wallClockMs((4_294_000_000 + 180_000) >>> 0)!;
  const a = audio.wallClockMs(123_456 + 96_000)!;
  assert.ok(Math.abs(v - (base + 2000)) < 0.01 && Math.abs(a - (base + 2000)) < 0.01, `${v - base} ${a - base}`);
});

test("SRs stamped at send time (off by a send delay) keep the first mapping; two in a row that disagree past the tolerance replace it", () => {
  const base = 1_700_000_000_000;
  const audio = new ClockMapper(8000);
  const sr = (rtpTimestamp: number, ms: number) => {
    const ntp = msToNtp(ms);
    audio.onSenderReport({ ntpMsw: ntp.msw, ntpLsw: ntp.lsw, rtpTimestamp });
  };
  sr(0, base);
  // 5 s later the last packet sent (RTP 5 s) went out 40 ms late; at 10 s one SR is stamped almost the tolerance early
  sr(40_000, base + 5040);
  assert.ok(Math.abs(audio.wallClockMs(48_000)! - (base + 6000)) < 0.01, "the first mapping holds");
  sr(80_000, base + 10000 - SR_TOLERANCE_MS + 30);
  assert.ok(Math.abs(audio.wallClockMs(88_000)! - (base + 11000)) < 0.01, "the first mapping still holds");
  // the sender's clock moved on by more than the tolerance (a restart, a drift): followed once the next SR confirms it
  sr(120_000, base + 15000 + SR_TOLERANCE_MS + 20);
  assert.ok(Math.abs(audio.wallClockMs(128_000)! - (base + 16000)) < 0.01, "one SR is not enough");
  sr(136_000, base + 17000 + SR_TOLERANCE_MS + 25);
  assert.ok(Math.abs(audio.wallClockMs(144_000)! - (base + 18000 + SR_TOLERANCE_MS + 25)) < 0.01, "the confirmed SR is taken");
});

test("one SR from a stalled sender (950 ms late, measured with both cores busy) does not move the mapping", () => {
  const base = 1_700_000_000_000;
  const audio = new ClockMapper(8000);
  const sr = (rtpTimestamp: number, ms: number) => {
    const ntp = msToNtp(ms);
    audio.onSenderReport({ ntpMsw: ntp.msw, ntpLsw: ntp.lsw, rtpTimestamp });
  };
  sr(0, base);
  sr(8_000, base + 1000 + 950);
  sr(16_000, base + 2000 + 50);
  sr(24_000, base + 3000 + 20);
  assert.ok(Math.abs(audio.wallClockMs(32_000)! - (base + 4000)) < 0.01, `mapped to ${audio.wallClockMs(32_000)! - base}`);
});

test("a first SR stamped late (its sender stalled) is not replaced by the on-time ones after it, 540 and 830 ms earlier, as measured: the timeline does not step back", () => {
  const base = 1_700_000_000_000;
  const audio = new ClockMapper(8000);
  const sr = (rtpTimestamp: number, ms: number) => {
    const ntp = msToNtp(ms);
    audio.onSenderReport({ ntpMsw: ntp.msw, ntpLsw: ntp.lsw, rtpTimestamp });
  };
  sr(0, base + 830);
  sr(8_000, base + 1000 + 830 - 540);
  sr(16_000, base + 2000);
  assert.ok(Math.abs(audio.wallClockMs(24_000)! - (base + 3830)) < 0.01, `mapped to ${audio.wallClockMs(24_000)! - base}`);
});

test("the SRs of the compound RTCP capture map their RTP timestamps to increasing wall-clock times", () => {
  const path = capturePath(RTCP_COMPOUND);
  if (!path) return;
  const srs = datagrams(path).flatMap((d) => decodeRtcpCompound(d.payload)).flatMap((p) => (p.type === "sr" ? [p] : []));
  assert.is(srs.length, 3);
  const c = new ClockMapper(8000);
  c.onSenderReport(srs[0]!);
  for (const sr of srs.slice(1)) {
    const predicted = c.wallClockMs(sr.rtpTimestamp)!;
    const actual = ntpToMs(sr.ntpMsw, sr.ntpLsw);
    assert.ok(Math.abs(predicted - actual) < 100, `predicted ${predicted}, SR says ${actual}`);
  }
});

test.run();
