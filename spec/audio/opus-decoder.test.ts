import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OpusPacketDecoder, opusPacketSamples } from "../../src/audio/opus-decoder.ts";
import { ParseError, TranspondError } from "../../src/errors.ts";
import { e2eSuite } from "../support/e2e.ts";
import { sharedFixture } from "../support/fixtures.ts";
import { f32FromBytes, ffmpeg } from "./support/ffmpeg.ts";
import { oggOpusFile, oggPackets } from "./support/ogg.ts";
import { rtpPayloads, type RtpPayload } from "./support/rtp.ts";

/** Opus RTP packets (PT 99) from the SIPp/FreeSWITCH capture. */
function captureOpus(): RtpPayload[] | undefined {
  const path = sharedFixture("sip_rtp_sipp-freeswitch1.6_opus48k.pcap");
  return path ? rtpPayloads(path, 99) : undefined;
}

const test = suite("audio/opus-decoder");

test("reads packet durations from the TOC byte (RFC 6716 section 3.1)", () => {
  for (const [bytes, samples] of [
    [[0xfc], 960], // CELT FB 20 ms, code 0
    [[0xf8 | 1, 0, 0], 1920], // code 1: two 20 ms frames
    [[0x08, 1], 960], // SILK NB 20 ms
    [[0x18], 2880], // SILK NB 60 ms
    [[0x60 | 3, 2], 960], // Hybrid SWB 10 ms, code 3 with 2 frames
    [[0x80 | 3, 48], 5760], // CELT 2.5 ms x 48 = 120 ms
  ] as const) {
    assert.is(opusPacketSamples(Uint8Array.from(bytes)), samples, bytes.join(","));
  }
});

test("refuses malformed packets with ParseError codes", () => {
  for (const [bytes, code] of [
    [[], "ERR_OPUS_EMPTY"],
    [[0xfd, 0], "ERR_OPUS_PACKET"], // code 1 with odd payload
    [[0xfe], "ERR_OPUS_PACKET"], // code 2 without length
    [[0xff], "ERR_OPUS_PACKET"], // code 3 without count
    [[0xff, 0], "ERR_OPUS_PACKET"], // zero frames
    [[0x18 | 3, 3], "ERR_OPUS_PACKET"], // 180 ms
  ] as const) {
    try {
      opusPacketSamples(Uint8Array.from(bytes));
      assert.unreachable(bytes.join(","));
    } catch (e) {
      assert.instance(e, ParseError);
      assert.is((e as ParseError).code, code);
    }
  }
});

test("decodes every Opus packet of the SIPp/FreeSWITCH capture to exactly its duration", async () => {
  const rtp = captureOpus();
  if (!rtp) return;
  assert.ok(rtp.length >= 400, `${rtp.length} Opus packets`);
  const dec = await OpusPacketDecoder.create();
  try {
    let total = 0;
    for (const p of rtp) {
      const block = dec.decode(p.payload);
      assert.is(block.samples.length / 2, opusPacketSamples(p.payload));
      total += block.samples.length / 2;
    }
    const last = rtp[rtp.length - 1]!;
    assert.is(total, last.ts - rtp[0]!.ts + opusPacketSamples(last.payload), "output duration = RTP timestamp span");
    assert.is(dec.errors, 0);
  } finally {
    dec.free();
  }
});

test("conceals a lost 20 ms packet with exactly 20 ms, keeping the total equal to the RTP span", async () => {
  const rtp = captureOpus();
  if (!rtp) return;
  const dec = await OpusPacketDecoder.create();
  try {
    let total = 0;
    let expectTs = rtp[0]!.ts;
    let concealed = 0;
    for (const [i, p] of rtp.entries()) {
      if (i % 10 === 5) continue; // lose every tenth packet
      const gap = p.ts - expectTs;
      if (gap > 0) {
        const plc = dec.conceal(gap);
        assert.is(plc.samples.length / 2, gap, "concealment length");
        concealed++;
        total += gap;
      }
      const block = dec.decode(p.payload);
      total += block.samples.length / 2;
      expectTs = p.ts + block.samples.length / 2;
    }
    const last = rtp[rtp.length - 1]!;
    assert.ok(concealed >= 40);
    assert.is(total, last.ts + 960 - rtp[0]!.ts);
  } finally {
    dec.free();
  }
});

test("concealment continues the signal instead of inserting silence", async () => {
  const rtp = captureOpus();
  if (!rtp) return;
  const dec = await OpusPacketDecoder.create();
  try {
    let loudest = 0;
    for (const p of rtp.slice(0, 150)) {
      const b = dec.decode(p.payload);
      for (const s of b.samples) loudest = Math.max(loudest, Math.abs(s));
    }
    const plc = dec.conceal(960);
    let peak = 0;
    for (const s of plc.samples) peak = Math.max(peak, Math.abs(s));
    assert.ok(loudest > 0.01, "the capture has sound");
    assert.ok(peak > 0, "PLC is not silence");
  } finally {
    dec.free();
  }
});

test("conceals odd durations with the frame sizes of the last packet's mode and silence before any packet", async () => {
  const dec = await OpusPacketDecoder.create({ channels: 1, sampleRate: 16000 });
  try {
    const before = dec.conceal(960);
    assert.is(before.samples.length, 320);
    assert.ok(before.samples.every((s) => s === 0));
    const rtp = captureOpus();
    if (!rtp) return;
    for (const p of rtp.slice(0, 5)) assert.is(dec.decode(p.payload).samples.length, 320);
    assert.is(dec.conceal(480 * 7).samples.length, 160 * 7, "70 ms at 16 kHz");
    assert.is(dec.conceal(120).samples.length, 40, "2.5 ms");
  } finally {
    dec.free();
  }
});

test("conceals a malformed packet for its nominal duration and counts it", async () => {
  const dec = await OpusPacketDecoder.create();
  try {
    assert.is(dec.decode(new Uint8Array(0)).samples.length, 960 * 2);
    assert.is(dec.decode(Uint8Array.of(0xff)).samples.length, 960 * 2);
    assert.is(dec.errors, 2);
  } finally {
    dec.free();
  }
});

test("refuses use after free and unsupported output rates", async () => {
  const dec = await OpusPacketDecoder.create();
  dec.free();
  assert.throws(() => dec.conceal(960), (e: unknown) => e instanceof TranspondError && e.code === "ERR_OPUS_FREED");
  try {
    await OpusPacketDecoder.create({ sampleRate: 44100 as 48000 });
    assert.unreachable();
  } catch (e) {
    assert.is((e as TranspondError).code, "ERR_AUDIO_RATE");
  }
});

test.run();

// ---- against ffmpeg/libopus ------------------------------------------------------------------------

function snrDb(ref: Float32Array, got: Float32Array): number {
  let sig = 0, err = 0;
  const n = Math.min(ref.length, got.length);
  for (let i = 0; i < n; i++) { sig += ref[i]! ** 2; err += (ref[i]! - got[i]!) ** 2; }
  return 10 * Math.log10(sig / Math.max(err, 1e-30));
}

async function decodeAll(packets: readonly Uint8Array[]): Promise<Float32Array> {
  const dec = await OpusPacketDecoder.create();
  const parts = packets.map((p) => dec.decode(p).samples);
  dec.free();
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const real = e2eSuite("audio/opus-decoder against ffmpeg", ["ffmpeg"]);

real("decodes the capture's packets like ffmpeg's libopus decoder (same length, SNR > 60 dB)", async () => {
  const rtp = captureOpus();
  if (!rtp) return;
  const packets = rtp.map((p) => p.payload);
  const ogg = oggOpusFile(packets, packets.map(opusPacketSamples), 2);
  const theirs = f32FromBytes(ffmpeg(["-c:a", "libopus", "-f", "ogg", "-i", "-", "-f", "f32le", "-ac", "2", "-ar", "48000", "-"], ogg));
  const ours = await decodeAll(packets);
  assert.is(ours.length, theirs.length, "sample count");
  const snr = snrDb(theirs, ours);
  assert.ok(snr > 60, `SNR ${snr.toFixed(1)} dB`);
  if (process.env.AUDIO_FIGURES) console.log(`opus SNR vs ffmpeg ${snr.toFixed(1)} dB over ${ours.length} samples`);
});

real("decodes an ffmpeg/libopus stereo encode like ffmpeg decodes it", async () => {
  const ogg = ffmpeg(["-f", "lavfi", "-i", "sine=f=440:r=48000:d=2", "-f", "lavfi", "-i", "anoisesrc=r=48000:d=2:a=0.1",
    "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "libopus", "-b:a", "96k", "-frame_duration", "20", "-f", "ogg", "-"]);
  const packets = oggPackets(ogg).slice(2);
  const theirs = f32FromBytes(ffmpeg(["-c:a", "libopus", "-f", "ogg", "-i", "-", "-f", "f32le", "-ac", "2", "-"], oggOpusFile(packets, packets.map(opusPacketSamples), 2)));
  const ours = await decodeAll(packets);
  assert.is(ours.length, theirs.length);
  const snr = snrDb(theirs, ours);
  assert.ok(snr > 60, `SNR ${snr.toFixed(1)} dB`);
  if (process.env.AUDIO_FIGURES) console.log(`opus SNR vs ffmpeg ${snr.toFixed(1)} dB over ${ours.length} samples`);
});

real.run();
