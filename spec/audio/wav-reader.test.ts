import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeWav, type WavLimits } from "../../src/audio/wav-reader.ts";
import { ParseError } from "../../src/errors.ts";
import { e2eSuite } from "../support/e2e.ts";
import { runFuzz } from "../support/fuzz.ts";
import { f32FromBytes, ffmpeg } from "./support/ffmpeg.ts";

// ---- a tiny WAV builder for the test corpus -------------------------------------------------------

interface Spec {
  magic?: string;
  form?: string;
  le?: boolean;
  tag?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  /** override the fmt chunk's declared size (body is still 16 or 40 bytes) */
  fmtSize?: number;
  /** WAVE_FORMAT_EXTENSIBLE fields */
  ext?: { cbSize?: number; valid?: number; guid?: number[] };
  data?: Uint8Array;
  dataSize?: number;
  before?: Uint8Array[];
  noFmt?: boolean;
  noData?: boolean;
}

const PCM_GUID = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function chunk(id: string, body: Uint8Array, le = true, size = body.length): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  out.set(Buffer.from(id, "latin1"), 0);
  new DataView(out.buffer).setUint32(4, size, le);
  out.set(body, 8);
  return out;
}

function wav(s: Spec = {}): Uint8Array {
  const le = s.le ?? true;
  const channels = s.channels ?? 1;
  const bits = s.bits ?? 16;
  const tag = s.tag ?? (s.ext ? 0xfffe : 1);
  const fmt = new Uint8Array(s.ext ? 40 : 16);
  const v = new DataView(fmt.buffer);
  v.setUint16(0, tag, le);
  v.setUint16(2, channels, le);
  v.setUint32(4, s.rate ?? 8000, le);
  v.setUint32(8, (s.rate ?? 8000) * channels * (bits / 8), le);
  v.setUint16(12, s.blockAlign ?? (channels * bits) / 8, le);
  v.setUint16(14, bits, le);
  if (s.ext) {
    v.setUint16(16, s.ext.cbSize ?? 22, le);
    v.setUint16(18, s.ext.valid ?? bits, le);
    fmt.set(s.ext.guid ?? PCM_GUID, 24);
  }
  const data = s.data ?? new Uint8Array(((channels * bits) / 8) * 4);
  const parts = [
    ...(s.before ?? []),
    ...(s.noFmt ? [] : [chunk("fmt ", fmt, le, s.fmtSize)]),
    ...(s.noData ? [] : [chunk("data", data, le, s.dataSize)]),
  ];
  const body = Buffer.concat([Buffer.from(s.form ?? "WAVE", "latin1"), ...parts]);
  const head = new Uint8Array(8);
  head.set(Buffer.from(s.magic ?? (le ? "RIFF" : "RIFX"), "latin1"));
  new DataView(head.buffer).setUint32(4, body.length, le);
  return new Uint8Array(Buffer.concat([head, body]));
}

// ---- unit tests -----------------------------------------------------------------------------------

const test = suite("audio/wav-reader");

test("reads 16-bit PCM samples as value / 32768", () => {
  const data = new Uint8Array([0x00, 0x80, 0xff, 0x7f, 0x00, 0x00, 0x00, 0x40]);
  const w = decodeWav(wav({ data }));
  assert.equal(Array.from(w.pcm.samples), [-1, 32767 / 32768, 0, 0.5]);
  assert.is(w.frames, 4);
  assert.is(w.byteOrder, "little");
});

test("reads big-endian RIFX files", () => {
  const data = new Uint8Array([0x80, 0x00, 0x40, 0x00]);
  const w = decodeWav(wav({ le: false, data }));
  assert.equal(Array.from(w.pcm.samples), [-1, 0.5]);
  assert.is(w.byteOrder, "big");
});

test("reads unsigned 8-bit, 24-bit and 32-bit PCM and 32/64-bit float", () => {
  assert.equal(Array.from(decodeWav(wav({ bits: 8, data: new Uint8Array([0, 128, 192, 255]) })).pcm.samples), [-1, 0, 0.5, 127 / 128]);
  assert.equal(Array.from(decodeWav(wav({ bits: 24, data: new Uint8Array([0, 0, 0x80, 0, 0, 0x40]) })).pcm.samples), [-1, 0.5]);
  assert.equal(Array.from(decodeWav(wav({ bits: 32, data: new Uint8Array([0, 0, 0, 0x80, 0, 0, 0, 0xc0]) })).pcm.samples), [-1, -0.5]);
  const f32 = new Uint8Array(new Float32Array([0.25, -2]).buffer);
  assert.equal(Array.from(decodeWav(wav({ tag: 3, bits: 32, data: f32 })).pcm.samples), [0.25, -2]);
  const f64 = new Uint8Array(new Float64Array([0.125, 0.75]).buffer);
  assert.equal(Array.from(decodeWav(wav({ tag: 3, bits: 64, data: f64 })).pcm.samples), [0.125, 0.75]);
});

test("skips LIST, fact and unknown chunks, honouring the pad byte after odd-sized ones", () => {
  const before = [chunk("LIST", Buffer.from("INFOISFT\x03\x00\x00\x00ab\x00", "latin1")), chunk("junk", new Uint8Array(5)), chunk("fact", new Uint8Array(4))];
  const w = decodeWav(wav({ before, data: new Uint8Array([0, 0x40]) }));
  assert.equal(Array.from(w.pcm.samples), [0.5]);
});

test("reads WAVE_FORMAT_EXTENSIBLE with the PCM and float sub-formats", () => {
  const w = decodeWav(wav({ ext: {}, channels: 2, bits: 24, data: new Uint8Array([0, 0, 0x40, 0, 0, 0xc0]) }));
  assert.equal(Array.from(w.pcm.samples), [0.5, -0.5]);
  const floatGuid = [0x03, ...PCM_GUID.slice(1)];
  const f = decodeWav(wav({ ext: { guid: floatGuid }, bits: 32, data: new Uint8Array(new Float32Array([0.5]).buffer) }));
  assert.is(f.encoding, "float");
});

test("reads a data size of 0xFFFFFFFF (written to a pipe) as 'to the end of the file'", () => {
  const w = decodeWav(wav({ dataSize: 0xffffffff, data: new Uint8Array([0, 0x40, 0, 0xc0]) }));
  assert.equal(Array.from(w.pcm.samples), [0.5, -0.5]);
});

test("ignores a partial frame at the end of the data chunk", () => {
  const w = decodeWav(wav({ channels: 2, data: new Uint8Array([0, 0x40, 0, 0x40, 0, 0x40]) }));
  assert.is(w.frames, 1);
});

test("leaves its input unchanged", () => {
  const file = wav({ bits: 24, data: new Uint8Array([1, 2, 3, 4, 5, 6]) });
  const copy = file.slice();
  decodeWav(file);
  assert.equal(file, copy);
});

const ADPCM_GUID = [0x02, ...PCM_GUID.slice(1)];
const BAD: { name: string; bytes: Uint8Array; code: string; limits?: WavLimits }[] = [
  { name: "an empty file", bytes: new Uint8Array(0), code: "ERR_WAV_TRUNCATED" },
  { name: "a file cut inside the RIFF header", bytes: wav().subarray(0, 11), code: "ERR_WAV_TRUNCATED" },
  { name: "an RF64 file", bytes: wav({ magic: "RF64" }), code: "ERR_WAV_NOT_RIFF" },
  { name: "an MP3 file", bytes: new Uint8Array(Buffer.from("ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb", "latin1")), code: "ERR_WAV_NOT_RIFF" },
  { name: "a RIFF AVI file", bytes: wav({ form: "AVI " }), code: "ERR_WAV_NOT_WAVE" },
  { name: "a file with no fmt chunk", bytes: wav({ noFmt: true }), code: "ERR_WAV_NO_FMT" },
  { name: "a file with no data chunk", bytes: wav({ noData: true }), code: "ERR_WAV_NO_DATA" },
  { name: "a header cut in the middle of the fmt chunk", bytes: wav().subarray(0, 28), code: "ERR_WAV_TRUNCATED" },
  { name: "a 14-byte fmt chunk (old WAVEFORMAT)", bytes: wav({ fmtSize: 14 }), code: "ERR_WAV_FMT_SHORT" },
  { name: "MS ADPCM", bytes: wav({ tag: 2, bits: 4 }), code: "ERR_WAV_FORMAT" },
  { name: "A-law in a WAV", bytes: wav({ tag: 6, bits: 8 }), code: "ERR_WAV_FORMAT" },
  { name: "MP3 in a WAV", bytes: wav({ tag: 0x55 }), code: "ERR_WAV_FORMAT" },
  { name: "EXTENSIBLE with an ADPCM sub-format", bytes: wav({ ext: { guid: ADPCM_GUID } }), code: "ERR_WAV_FORMAT" },
  { name: "EXTENSIBLE with a garbage GUID", bytes: wav({ ext: { guid: new Array(16).fill(0x41) } }), code: "ERR_WAV_FORMAT" },
  { name: "EXTENSIBLE with cbSize 0", bytes: wav({ ext: { cbSize: 0 } }), code: "ERR_WAV_EXTENSIBLE" },
  { name: "EXTENSIBLE with 24 valid bits in a 16-bit container", bytes: wav({ ext: { valid: 24 } }), code: "ERR_WAV_EXTENSIBLE" },
  { name: "EXTENSIBLE tag in a 16-byte fmt chunk", bytes: wav({ tag: 0xfffe }), code: "ERR_WAV_EXTENSIBLE" },
  { name: "zero channels", bytes: wav({ channels: 0, blockAlign: 2 }), code: "ERR_WAV_CHANNELS" },
  { name: "65535 channels", bytes: wav({ channels: 65535, blockAlign: 2 }), code: "ERR_WAV_CHANNELS" },
  { name: "a sample rate of 0 Hz", bytes: wav({ rate: 0 }), code: "ERR_WAV_RATE" },
  { name: "a sample rate of 4 GHz", bytes: wav({ rate: 4_000_000_000 }), code: "ERR_WAV_RATE" },
  { name: "12-bit PCM", bytes: wav({ bits: 12, blockAlign: 2 }), code: "ERR_WAV_BITS" },
  { name: "0-bit PCM", bytes: wav({ bits: 0, blockAlign: 1 }), code: "ERR_WAV_BITS" },
  { name: "16-bit float", bytes: wav({ tag: 3, bits: 16 }), code: "ERR_WAV_BITS" },
  { name: "a block align that does not match channels x bits", bytes: wav({ channels: 2, blockAlign: 3 }), code: "ERR_WAV_BLOCK_ALIGN" },
  { name: "a data size past the end of the file", bytes: wav({ dataSize: 1000 }), code: "ERR_WAV_DATA_PAST_END" },
  { name: "a data size of 4 GiB", bytes: wav({ dataSize: 0xfffffff0 }), code: "ERR_WAV_TOO_LARGE" },
  { name: "more data than the configured limit", bytes: wav({ data: new Uint8Array(1000) }), code: "ERR_WAV_TOO_LARGE", limits: { maxDataBytes: 999 } },
  { name: "an unknown chunk whose size runs past the end", bytes: wav({ before: [chunk("junk", new Uint8Array(4), true, 0x7fffffff)] }), code: "ERR_WAV_CHUNK_PAST_END" },
  { name: "two fmt chunks", bytes: wav({ before: [chunk("fmt ", wav().subarray(20, 36))] }), code: "ERR_WAV_DUPLICATE_FMT" },
  { name: "a fmt chunk size past the end", bytes: wav({ fmtSize: 0xfff0, noData: true }), code: "ERR_WAV_TRUNCATED" },
];

test(`refuses each of ${BAD.length} broken or hostile files with a ParseError naming the problem`, () => {
  assert.ok(BAD.length >= 20);
  for (const { name, bytes, code, limits } of BAD) {
    try {
      decodeWav(bytes, limits);
      assert.unreachable(`${name}: accepted`);
    } catch (e) {
      if (!(e instanceof ParseError)) throw new Error(`${name}: threw ${String(e)}`);
      assert.is(e.code, code, `${name}: ${e.message}`);
      assert.ok(e.message.length > 10, name);
    }
  }
});

test("throws only ParseError on 3000 seeded mutations of valid files (spec/support/fuzz.ts)", () => {
  const seeds = [
    wav({ bits: 24, channels: 2, data: new Uint8Array(60) }),
    wav({ ext: {}, bits: 16, before: [chunk("LIST", new Uint8Array(7))] }),
    wav({ le: false, tag: 3, bits: 64 }),
    wav({ bits: 8, dataSize: 0xffffffff }),
  ];
  const report = runFuzz("wav-reader", {
    seed: 0x57a7e,
    count: 3000,
    inputs: seeds,
    check: (bytes) => {
      const copy = bytes.slice();
      const w = decodeWav(bytes, { maxDataBytes: 1 << 20 });
      assert.is(w.pcm.samples.length, w.frames * w.channels);
      assert.equal(bytes, copy, "input unchanged");
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size >= 5, `accepted ${report.accepted}, codes ${[...report.codes.keys()].join(",")}`);
});

test.run();

// ---- against ffmpeg -------------------------------------------------------------------------------

const real = e2eSuite("audio/wav-reader against ffmpeg", ["ffmpeg"]);
let dir = "";
real.before(() => {
  dir = mkdtempSync(join(tmpdir(), "transpond-wav-"));
});
real.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function sameAsFfmpeg(path: string, expect: { rate: number; channels: number; bits: number }): void {
  const ours = decodeWav(new Uint8Array(readFileSync(path)));
  const theirs = f32FromBytes(ffmpeg(["-i", path, "-f", "f32le", "-"]));
  assert.is(ours.sampleRate, expect.rate, path);
  assert.is(ours.channels, expect.channels, path);
  assert.is(ours.bitsPerSample, expect.bits, path);
  assert.ok(ours.frames > 100, path);
  assert.is(ours.pcm.samples.length, theirs.length, path);
  let diff = 0;
  for (let i = 0; i < theirs.length; i++) if (ours.pcm.samples[i] !== theirs[i]) diff++;
  assert.is(diff, 0, `${path}: ${diff} samples differ from ffmpeg`);
}

const VARIANTS = [
  { codec: "pcm_u8", rate: 8000, channels: 1, bits: 8 },
  { codec: "pcm_s16le", rate: 44100, channels: 2, bits: 16, extra: ["-metadata", "title=odd"] },
  { codec: "pcm_s24le", rate: 48000, channels: 1, bits: 24 },
  { codec: "pcm_s32le", rate: 16000, channels: 2, bits: 32 },
  { codec: "pcm_f32le", rate: 48000, channels: 2, bits: 32 },
  { codec: "pcm_f64le", rate: 22050, channels: 1, bits: 64 },
  { codec: "pcm_s16le", rate: 48000, channels: 6, bits: 16 },
  { codec: "pcm_s16le", rate: 96000, channels: 1, bits: 16 },
];

real("reads every PCM/float variant ffmpeg writes exactly as ffmpeg decodes it", () => {
  for (const v of VARIANTS) {
    const path = join(dir, `${v.codec}-${v.rate}-${v.channels}.wav`);
    ffmpeg(["-f", "lavfi", "-i", `sine=f=440:r=${v.rate}:d=0.3,volume=0.9`, "-f", "lavfi", "-i", `anoisesrc=r=${v.rate}:d=0.3:a=0.3`,
      "-filter_complex", `[0][1]amix=inputs=2,pan=${v.channels}c|${Array.from({ length: v.channels }, (_, c) => `c${c}=c0`).join("|")}`,
      "-c:a", v.codec, ...(v.extra ?? []), "-y", path]);
    sameAsFfmpeg(path, v);
  }
});

real.run();

// ffmpeg 5.1 reads RIFX PCM samples in the wrong byte order (it labels them pcm_s16le), so RIFX is
// checked against sox, which writes RIFX for big-endian output and reads it correctly.
const rifx = e2eSuite("audio/wav-reader RIFX against sox", ["sox"]);
let rdir = "";
rifx.before(() => {
  rdir = mkdtempSync(join(tmpdir(), "transpond-rifx-"));
});
rifx.after(() => {
  if (rdir) rmSync(rdir, { recursive: true, force: true });
});

function soxF32(path: string): Float32Array {
  const r = spawnSync("sox", [path, "-t", "f32", "-L", "-"], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`sox failed: ${r.stderr.toString()}`);
  return f32FromBytes(new Uint8Array(r.stdout));
}

rifx("reads RIFX files that sox writes (16/24/32-bit) exactly as sox decodes them", () => {
  for (const bits of [16, 24, 32]) {
    const path = join(rdir, `rifx${bits}.wav`);
    const r = spawnSync("sox", ["-n", "-B", "-r", "22050", "-c", "2", "-b", String(bits), "-e", "signed-integer", path, "synth", "0.2", "sine", "300", "sine", "1234", "vol", "0.8"]);
    assert.is(r.status, 0, r.stderr.toString());
    const file = new Uint8Array(readFileSync(path));
    assert.is(Buffer.from(file.subarray(0, 4)).toString("latin1"), "RIFX");
    const ours = decodeWav(file);
    const theirs = soxF32(path);
    assert.is(ours.byteOrder, "big");
    assert.is(ours.pcm.samples.length, theirs.length);
    assert.ok(theirs.length > 1000);
    if (bits < 32) assert.equal(ours.pcm.samples, theirs, `${bits}-bit RIFX`);
    else {
      // sox rounds 32-bit samples to 25 bits ((v + 64) & ~127) before its float conversion
      let worst = 0;
      for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours.pcm.samples[i]! - theirs[i]!));
      assert.ok(worst <= 2 ** -24, `32-bit RIFX differs from sox by ${worst}`);
    }
  }
});

rifx("reads a hand-built RIFX file with an odd-sized chunk as sox does", () => {
  const frames = 500;
  const data = new Uint8Array(frames * 4);
  const dv = new DataView(data.buffer);
  for (let i = 0; i < frames * 2; i++) dv.setInt16(i * 2, Math.round(20000 * Math.sin(i / 7)), false);
  const path = join(rdir, "hand.wav");
  writeFileSync(path, wav({ le: false, channels: 2, rate: 16000, data, before: [chunk("junk", new Uint8Array(3), false)] }));
  assert.equal(decodeWav(new Uint8Array(readFileSync(path))).pcm.samples, soxF32(path));
});

rifx.run();
