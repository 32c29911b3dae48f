import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SpeexWidebandDecoder } from "../../../src/audio/speex/decoder.ts";
import { SpeexWidebandEncoder, SPEEX_FRAMES_PER_PACKET } from "../../../src/audio/speex/encoder.ts";
import { speexPacketInfo } from "../../../src/codecs/speex.ts";
import { SPEEX_FLAGS, encodeAudioTag } from "../../../src/flv/audio-tag.ts";
import { FlvReader } from "../../../src/flv/file-reader.ts";
import { encodeFlvFile } from "../../../src/flv/file-writer.ts";
import { TAG_TYPE } from "../../../src/flv/tag.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { run } from "../../support/process.ts";

const test = suite("audio/speex encoder");

const FRAME = 320;

/** A vowel-like test signal: a 140 Hz pulse train through two resonances (600 Hz and 2.4 kHz), with a slow level swell. */
function voiced(samples: number): Float32Array {
  const out = new Float32Array(samples);
  const res = [
    { f: 600, r: 0.97, y1: 0, y2: 0 },
    { f: 2400, r: 0.95, y1: 0, y2: 0 },
  ];
  for (let i = 0; i < samples; i++) {
    let x = i % Math.round(16000 / 140) === 0 ? 1 : 0;
    for (const s of res) {
      const y = x + 2 * s.r * Math.cos((2 * Math.PI * s.f) / 16000) * s.y1 - s.r * s.r * s.y2;
      s.y2 = s.y1;
      s.y1 = y;
      x = y;
    }
    out[i] = x * 0.002 * (0.6 + 0.4 * Math.sin((2 * Math.PI * i) / 16000));
  }
  return out;
}

function encodeAll(pcm: Float32Array, framesPerPacket = SPEEX_FRAMES_PER_PACKET): Uint8Array[] {
  const enc = new SpeexWidebandEncoder();
  const step = FRAME * framesPerPacket;
  const packets: Uint8Array[] = [];
  for (let at = 0; at + step <= pcm.length; at += step) packets.push(enc.encode(pcm.subarray(at, at + step)));
  return packets;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** The decoded signal's delay against the original, by cross-correlation over 0..50 ms. */
function delayOf(original: ArrayLike<number>, decoded: ArrayLike<number>): number {
  let best = 0;
  let bestCorr = -Infinity;
  for (let lag = 0; lag < 800; lag++) {
    let c = 0;
    for (let i = 0; i + lag < decoded.length && i < original.length; i++) c += original[i]! * decoded[i + lag]!;
    if (c > bestCorr) {
      bestCorr = c;
      best = lag;
    }
  }
  return best;
}

/**
 * Segmental SNR in dB: the mean over 20 ms segments of each segment's SNR, clamped to -10..35 dB
 * (the usual bounds), segments quieter than -50 dBFS left out; the decoded signal delayed by `lag`.
 */
function segmentalSnrDb(original: ArrayLike<number>, decoded: ArrayLike<number>, lag: number): number {
  let sum = 0;
  let count = 0;
  for (let s = 0; s + FRAME <= original.length && s + FRAME + lag <= decoded.length; s += FRAME) {
    let signal = 0;
    let noise = 0;
    for (let i = s; i < s + FRAME; i++) {
      signal += original[i]! * original[i]!;
      noise += (original[i]! - decoded[i + lag]!) ** 2;
    }
    if (signal / FRAME < 1e-5) continue;
    sum += Math.max(-10, Math.min(35, 10 * Math.log10(signal / Math.max(noise, 1e-12))));
    count++;
  }
  return sum / count;
}

test("two frames per packet, as Flash sent them: 103 bytes of narrowband mode 5 + wideband submode 2 (quality 6, 20.6 kb/s)", () => {
  const packets = encodeAll(voiced(FRAME * 20));
  assert.is(packets.length, 10);
  for (const p of packets) {
    assert.is(p.length, 103); // 2 x (300 + 112) bits
    assert.equal(speexPacketInfo(p), { frames: 2, narrowbandMode: 5, widebandMode: 2 });
  }
  const one = new SpeexWidebandEncoder().encode(voiced(FRAME));
  assert.is(one.length, 52); // 412 bits, padded with a 0 and 1s
  assert.is(one[51]! & 0x0f, 0b0111);
});

test("our decoder follows the encoded vowel: segmental SNR above 5 dB and the level kept within 2 dB", () => {
  const pcm = voiced(FRAME * 100);
  const decoder = new SpeexWidebandDecoder();
  const decoded = concat(encodeAll(pcm).map((p) => decoder.decode(p)));
  const lag = delayOf(pcm, decoded);
  const snr = segmentalSnrDb(pcm, decoded, lag);
  assert.ok(snr > 5, `segmental SNR ${snr.toFixed(2)} dB`);
  const rms = (x: Float32Array, from: number): number => Math.sqrt(x.subarray(from).reduce((a, v) => a + v * v, 0) / (x.length - from));
  const levelDb = 20 * Math.log10(rms(decoded, 3200) / rms(pcm, 3200 - lag));
  assert.ok(Math.abs(levelDb) < 2, `level ${levelDb.toFixed(2)} dB`);
});

test("silence encodes to silence, and the encoder's state survives a full-scale square wave", () => {
  const decoder = new SpeexWidebandDecoder();
  const square = Float32Array.from({ length: FRAME * 10 }, (_, i) => (Math.floor(i / 40) % 2 ? 1 : -1));
  const loud = concat(encodeAll(square).map((p) => decoder.decode(p)));
  assert.ok(loud.every((v) => Number.isFinite(v)));
  const quiet = concat(encodeAll(new Float32Array(FRAME * 20)).map((p) => decoder.decode(p)));
  const tail = quiet.subarray(FRAME * 10);
  const rms = Math.sqrt(tail.reduce((a, v) => a + v * v, 0) / tail.length);
  assert.ok(20 * Math.log10(rms + 1e-12) < -60, `silence at ${(20 * Math.log10(rms + 1e-12)).toFixed(1)} dBFS`);
});

test("input that is not whole 320-sample frames is a RangeError naming the count", () => {
  assert.throws(() => new SpeexWidebandEncoder().encode(new Float32Array(500)), (e: unknown) => e instanceof RangeError && /500 samples/.test(e.message));
  assert.throws(() => new SpeexWidebandEncoder().encode(new Float32Array(0)), RangeError);
});

const real = e2eSuite("audio/speex encoder against libspeex", ["ffmpeg", "espeak-ng"]);

function s16(bytes: Uint8Array): Float32Array {
  const v = new Int16Array(bytes.slice().buffer);
  return Float32Array.from(v, (x) => x / 32768);
}

real("speech: ffmpeg's libspeex decodes our stream without errors, to what our decoder gives, and our segmental SNR is within 1 dB of libspeex's own encoder at quality 6", async () => {
  const dir = mkdtempSync(join(tmpdir(), "transpond-speex-enc-"));
  try {
    const wav = join(dir, "speech.wav");
    const said = await run("espeak-ng", ["-w", wav, "The quick brown fox jumps over the lazy dog."]);
    assert.is(said.code, 0, said.stderr);
    const rawPath = join(dir, "speech.raw");
    const conv = await run("ffmpeg", ["-v", "error", "-y", "-i", wav, "-ar", "16000", "-ac", "1", "-f", "s16le", rawPath]);
    assert.is(conv.code, 0, conv.stderr);
    const original = s16(new Uint8Array(readFileSync(rawPath)));

    const packets = encodeAll(original);
    const ours = join(dir, "ours.flv");
    const tags = packets.map((p, i) => ({ tagType: TAG_TYPE.AUDIO, timestamp: i * 20 * SPEEX_FRAMES_PER_PACKET, data: encodeAudioTag({ ...SPEEX_FLAGS, type: "speex", data: p }) }));
    writeFileSync(ours, encodeFlvFile({ hasAudio: true, hasVideo: false }, tags));
    const probe = await run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels", "-of", "csv=p=0", ours]);
    assert.is(probe.stdout.trim(), "speex,16000,1");
    const oursRaw = join(dir, "ours.raw");
    const dec = await run("ffmpeg", ["-v", "error", "-y", "-c:a", "libspeex", "-i", ours, "-f", "s16le", oursRaw]);
    assert.is(dec.code, 0, dec.stderr);
    assert.is(dec.stderr.trim(), "", "ffmpeg reported decode errors");
    const oursByLibspeex = s16(new Uint8Array(readFileSync(oursRaw)));
    assert.is(oursByLibspeex.length, packets.length * SPEEX_FRAMES_PER_PACKET * FRAME);

    const decoder = new SpeexWidebandDecoder();
    const oursByUs = concat(packets.map((p) => decoder.decode(p)));
    let noise = 0;
    let signal = 0;
    for (let i = 0; i < oursByUs.length; i++) {
      signal += oursByLibspeex[i]! ** 2;
      noise += (oursByUs[i]! - oursByLibspeex[i]!) ** 2;
    }
    assert.ok(10 * Math.log10(signal / noise) > 60, "our decoder and libspeex disagree on our stream");

    const ref = join(dir, "libspeex.flv");
    const refRaw = join(dir, "libspeex.raw");
    const enc = await run("ffmpeg", ["-v", "error", "-y", "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", rawPath, "-c:a", "libspeex", "-cbr_quality", "6", "-frames_per_packet", "2", "-f", "flv", ref]);
    assert.is(enc.code, 0, enc.stderr);
    const refDec = await run("ffmpeg", ["-v", "error", "-y", "-c:a", "libspeex", "-i", ref, "-f", "s16le", refRaw]);
    assert.is(refDec.code, 0, refDec.stderr);
    const theirs = s16(new Uint8Array(readFileSync(refRaw)));
    const refPackets = new FlvReader().push(new Uint8Array(readFileSync(ref))).flatMap((o) => (o.type === "tag" && o.header.tagType === TAG_TYPE.AUDIO ? [o.data.subarray(1)] : []));
    assert.is(refPackets[0]!.length, packets[0]!.length, "libspeex at quality 6 codes the same modes");

    const snrOurs = segmentalSnrDb(original, oursByLibspeex, delayOf(original, oursByLibspeex));
    const snrTheirs = segmentalSnrDb(original, theirs, delayOf(original, theirs));
    if (process.env.AUDIO_FIGURES) console.log(`  Speex encode, quality 6, segmental SNR: ours ${snrOurs.toFixed(2)} dB, libspeex ${snrTheirs.toFixed(2)} dB`);
    assert.ok(snrOurs > snrTheirs - 1, `ours ${snrOurs.toFixed(2)} dB, libspeex ${snrTheirs.toFixed(2)} dB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
real.run();
