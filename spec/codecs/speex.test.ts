import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { BitWriter } from "../../src/codecs/bits.ts";
import { speexPacketInfo } from "../../src/codecs/speex.ts";
import { ParseError } from "../../src/errors.ts";
import { FlvReader } from "../../src/flv/file-reader.ts";
import { TAG_TYPE } from "../../src/flv/tag.ts";
import { e2eSuite } from "../support/e2e.ts";
import { run } from "../support/process.ts";

const test = suite("codecs/speex");

/** Layers as [first bit, mode bits, mode, payload bits], padded the way libspeex pads (0, then 1s). */
function packet(layers: readonly (readonly [number, number, number, number])[]): Uint8Array {
  const w = new BitWriter();
  let bits = 0;
  for (const [flag, modeBits, mode, payload] of layers) {
    w.write(1, flag);
    w.write(modeBits, mode);
    for (let i = 0; i < payload; i++) w.write(1, i & 1);
    bits += 1 + modeBits + payload;
  }
  if (bits % 8 !== 0) {
    w.write(1, 0);
    for (let i = (bits + 1) % 8; i !== 0 && i < 8; i++) w.write(1, 1);
  }
  return w.finish();
}

const nb = (mode: number, bits: number) => [0, 4, mode, bits - 5] as const;
const wb = (submode: number, bits: number) => [1, 3, submode, bits - 4] as const;

test("counts wideband frames (a narrowband layer each, then its wideband layer) up to the padding", () => {
  assert.equal(speexPacketInfo(packet([nb(0, 5), wb(0, 4), nb(0, 5), wb(0, 4)])), { frames: 2, narrowbandMode: 0, widebandMode: 0 });
  assert.equal(speexPacketInfo(packet([nb(5, 300), wb(3, 192), nb(5, 300), wb(3, 192), nb(5, 300), wb(3, 192)])), { frames: 3, narrowbandMode: 5, widebandMode: 3 });
  assert.equal(speexPacketInfo(packet([nb(8, 79)])), { frames: 1, narrowbandMode: 8, widebandMode: undefined }, "a narrowband packet");
});

test("in-band signals (mode 14) and user data (mode 13) are skipped, not counted", () => {
  const w = new BitWriter();
  w.write(5, 14); // in-band signal
  w.write(4, 2); // code 2: 4 bits follow
  w.write(4, 0b1010);
  w.write(5, 13); // user data
  w.write(4, 1); // one byte, after 5 bits
  w.write(13, 0);
  w.write(5, 0); // narrowband mode 0
  w.write(4, 0b1000); // wideband submode 0; 4 bits of padding follow
  assert.is(speexPacketInfo(w.finish()).frames, 1);
});

test("a reserved mode, a layer cut short and a packet without speech are ParseErrors", () => {
  assert.throws(() => speexPacketInfo(Uint8Array.of(0b0_1001_000)), (e: unknown) => e instanceof ParseError && e.code === "ERR_SPEEX_MODE");
  assert.throws(() => speexPacketInfo(Uint8Array.of(0b0_0000_1_11, 0b1_0000000)), (e: unknown) => e instanceof ParseError && e.code === "ERR_SPEEX_MODE");
  assert.throws(() => speexPacketInfo(packet([nb(7, 492)]).subarray(0, 20)), (e: unknown) => e instanceof ParseError && e.code === "ERR_BITS_TRUNCATED");
  assert.throws(() => speexPacketInfo(Uint8Array.of(0x7f)), (e: unknown) => e instanceof ParseError && e.code === "ERR_SPEEX_EMPTY");
});

const real = e2eSuite("codecs/speex against libspeex", ["ffmpeg"]);

real("every FLV message of ffmpeg's libspeex holds frames_per_packet frames, at every quality", async () => {
  const dir = mkdtempSync(join(tmpdir(), "transpond-speex-"));
  try {
    for (const [fpp, quality] of [[1, 0], [2, 4], [3, 8], [4, 10]] as const) {
      const file = join(dir, `q${quality}.flv`);
      const r = await run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "anoisesrc=color=pink:amplitude=0.3:sample_rate=16000", "-t", "1.2", "-ac", "1", "-c:a", "libspeex", "-cbr_quality", String(quality), "-frames_per_packet", String(fpp), "-f", "flv", file]);
      assert.is(r.code, 0, r.stderr);
      const tags = new FlvReader().push(new Uint8Array(readFileSync(file))).flatMap((o) => (o.type === "tag" && o.header.tagType === TAG_TYPE.AUDIO ? [o.data.subarray(1)] : []));
      const counts = tags.map((t) => speexPacketInfo(t).frames);
      assert.ok(counts.length >= 10, `${counts.length} messages`);
      // the last message may hold fewer frames (the encoder is flushed)
      assert.equal(counts.slice(0, -1), counts.slice(0, -1).map(() => fpp), `quality ${quality}`);
      assert.is(counts.reduce((a, b) => a + b, 0) * 320 >= 1.2 * 16000, true);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
real.run();
