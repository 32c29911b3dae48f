import { suite } from "uvu";
import * as assert from "uvu/assert";
import { encodeAudioSpecificConfig, toAdts } from "../../../src/audio/aac/adts.ts";
import { BitReader } from "../../../src/codecs/bits.ts";
import { expectErrorCode } from "../../support/errors.ts";

const test = suite("aac adts and AudioSpecificConfig");

test("AudioSpecificConfig is LC, the rate index and the channel count in 2 bytes", () => {
  // 00010 0011 0010 000 = LC, 48 kHz (3), stereo
  assert.equal([...encodeAudioSpecificConfig({ sampleRate: 48000, channels: 2 })], [0x11, 0x90]);
  // 00010 0100 0001 000 = LC, 44.1 kHz (4), mono
  assert.equal([...encodeAudioSpecificConfig({ sampleRate: 44100, channels: 1 })], [0x12, 0x08]);
  // 00010 1011 0001 000 = LC, 8 kHz (11), mono
  assert.equal([...encodeAudioSpecificConfig({ sampleRate: 8000, channels: 1 })], [0x15, 0x88]);
});

test("an ADTS header carries sync, LC, rate, channels, the frame length and VBR fullness", () => {
  const frame = new Uint8Array(100).fill(0xab);
  const adts = toAdts(frame, { sampleRate: 16000, channels: 2 });
  assert.is(adts.length, 107);
  const r = new BitReader(adts);
  const fields = {
    syncword: r.read(12), id: r.read(1), layer: r.read(2), protectionAbsent: r.read(1), profile: r.read(2),
    rateIndex: r.read(4), privateBit: r.read(1), channels: r.read(3), orig: r.read(1), home: r.read(1),
    copyrightBit: r.read(1), copyrightStart: r.read(1), length: r.read(13), fullness: r.read(11), blocks: r.read(2),
  };
  assert.equal(fields, {
    syncword: 0xfff, id: 0, layer: 0, protectionAbsent: 1, profile: 1, rateIndex: 8, privateBit: 0, channels: 2,
    orig: 0, home: 0, copyrightBit: 0, copyrightStart: 0, length: 107, fullness: 0x7ff, blocks: 0,
  });
  assert.equal([...adts.subarray(7)], [...frame]);
});

const bad: [string, () => unknown, string][] = [
  ["a rate without an index", () => encodeAudioSpecificConfig({ sampleRate: 12345, channels: 1 }), "ERR_AAC_SAMPLE_RATE"],
  ["three channels", () => encodeAudioSpecificConfig({ sampleRate: 48000, channels: 3 }), "ERR_AAC_CHANNELS"],
  ["ADTS for zero channels", () => toAdts(new Uint8Array(1), { sampleRate: 48000, channels: 0 }), "ERR_AAC_CHANNELS"],
  ["a frame too long for 13 bits", () => toAdts(new Uint8Array(8185), { sampleRate: 48000, channels: 2 }), "ERR_AAC_FRAME_TOO_LONG"],
];
for (const [name, fn, code] of bad) {
  test(`refuses ${name} with ${code}`, () => {
    expectErrorCode(() => fn(), code);
  });
}

test.run();
