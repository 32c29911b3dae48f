/**
 * Every codeword of every spectral book, and escapes up to 8191, go through ffmpeg's decoder: each
 * book gets one crafted mono frame (sf 100, so a value q decodes to q^(4/3)); the decoded PCM must be
 * the sine-windowed inverse MDCT of exactly those coefficients.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { bandTables } from "../../../src/audio/aac/bands.ts";
import { elementBits, encodeRawDataBlock, fillElementBits, type CodedChannel } from "../../../src/audio/aac/bitstream.ts";
import { SPECTRAL_BOOKS } from "../../../src/audio/aac/huffman-tables.ts";
import { countBandBits } from "../../../src/audio/aac/huffman.ts";
import { buildLayout, type IcsLayout } from "../../../src/audio/aac/layout.ts";
import { dequantize } from "../../../src/audio/aac/quantize.ts";
import { SINE_LONG, WindowSequence } from "../../../src/audio/aac/windows.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { adtsStream, ffmpegDecode } from "./support.ts";

const tables = bandTables(48000);
const layout = buildLayout(tables, WindowSequence.ONLY_LONG, [1], 49);
const ESCAPES = [16, 17, 31, 32, 33, 63, 64, 100, 255, 256, 1000, 4095, 4096, 8191];

/** All tuples of a book in index order; unsigned books alternate signs. */
function allCodewords(n: number): number[] {
  const b = SPECTRAL_BOOKS[n]!;
  const values: number[] = [];
  const size = b.codes.length;
  const mod = b.dim === 4 ? 3 : b.signed ? 9 : b.lav + 1;
  const off = b.signed ? (b.dim === 4 ? 1 : 4) : 0;
  for (let idx = 0; idx < size; idx++) {
    const tuple: number[] = [];
    let rest = idx;
    for (let j = 0; j < b.dim; j++) {
      tuple.unshift((rest % mod) - off);
      rest = Math.floor(rest / mod);
    }
    const sign = !b.signed && idx % 2 === 1 ? -1 : 1;
    values.push(...tuple.map((v) => v * sign));
  }
  if (n === 11) for (const e of ESCAPES) values.push(e, -(e % 7));
  if (n === 11) for (const e of ESCAPES) values.push(-3, -e);
  return values;
}

function craft(n: number, l: IcsLayout = layout): CodedChannel {
  const values = n === 0 ? [] : allCodewords(n);
  const bands = l.bandStart.length;
  const q = new Int32Array(1024);
  q.set(values);
  const books = new Uint8Array(bands);
  const bandBits = new Int32Array(bands);
  const sf = new Int32Array(bands).fill(100);
  for (let b = 0; b < bands; b++) {
    if (l.bandStart[b]! >= values.length) continue;
    books[b] = n;
    bandBits[b] = countBandBits(n, q, l.bandStart[b]!, l.bandEnd[b]!);
  }
  return { layout: l, sf, books, bandBits, q };
}

/** Sine-windowed IMDCT (ISO/IEC 14496-3 4.6.11.3.1), in float output scale (16-bit / 32768). */
function expectedOutput(q: Int32Array): Float64Array {
  const N = 2048;
  const cos = Float64Array.from({ length: 4 * N }, (_, m) => Math.cos((2 * Math.PI * m) / (4 * N)));
  const x = Float64Array.from(q, (v) => dequantize(v, 100));
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let s = 0;
    const a = 2 * n + N / 2 + 1;
    for (let k = 0; k < N / 2; k++) if (x[k] !== 0) s += x[k]! * cos[(a * (2 * k + 1)) % (4 * N)]!;
    out[n] = ((2 / N) * s * SINE_LONG[n]!) / 32768;
  }
  return out;
}

const unit = suite("aac bitstream");

unit("the counted bits of a crafted frame of every book equal the bits written", () => {
  for (let n = 0; n <= 11; n++) {
    const ch = craft(n);
    const bytes = encodeRawDataBlock([ch], undefined);
    const bits = elementBits([ch], undefined) + 3;
    assert.is(bytes.length, Math.ceil(bits / 8), `book ${n}`);
  }
});

unit("the bits of a channel pair with M/S flags and short windows are counted exactly", () => {
  const short = buildLayout(tables, WindowSequence.EIGHT_SHORT, [3, 1, 4], 14);
  const l = craft(1, short);
  const r = craft(5, short);
  const ms = new Uint8Array(short.bandStart.length).map((_, i) => i % 3 === 0 ? 1 : 0);
  const bytes = encodeRawDataBlock([l, r], ms);
  assert.is(bytes.length, Math.ceil((elementBits([l, r], ms) + 3) / 8));
});

unit("fill elements pad a frame by exactly the bits fillElementBits counts", () => {
  const ch = craft(0);
  const plainBits = elementBits([ch], undefined) + 3;
  for (const bytes of [1, 14, 15, 200, 269, 270, 600, 1500]) {
    const out = encodeRawDataBlock([ch], undefined, bytes);
    assert.is(out.length, Math.ceil((plainBits + fillElementBits(bytes)) / 8), `${bytes} fill bytes`);
  }
  assert.is(fillElementBits(10), 7 + 80);
  assert.is(fillElementBits(600), 3 * 15 + 600 * 8);
});

unit.run();

const e2e = e2eSuite("aac bitstream through ffmpeg", ["ffmpeg"]);

e2e("ffmpeg decodes every codeword of books 1 to 11 (and escapes) to the coefficients sent", () => {
  const frames: Uint8Array[] = [];
  const silent = encodeRawDataBlock([craft(0)], undefined);
  const crafted = Array.from({ length: 11 }, (_, i) => craft(i + 1));
  for (const ch of crafted) frames.push(encodeRawDataBlock([ch], undefined), silent);
  const { pcm, stderr, status } = ffmpegDecode(adtsStream(frames, { sampleRate: 48000, channels: 1 }));
  assert.is(status, 0, stderr);
  assert.is(stderr, "");
  assert.is(pcm.length, frames.length * 1024);
  crafted.forEach((ch, i) => {
    const want = expectedOutput(ch.q);
    const at = 2 * i * 1024;
    let peak = 0;
    let err = 0;
    for (let n = 0; n < 2048; n++) {
      peak = Math.max(peak, Math.abs(want[n]!));
      err = Math.max(err, Math.abs(pcm[at + n]! - want[n]!));
    }
    assert.ok(peak > 0);
    assert.ok(err <= peak * 1e-4, `book ${i + 1}: decoded differs by ${err} (peak ${peak})`);
  });
});

e2e.run();
