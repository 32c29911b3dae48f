import { suite } from "uvu";
import * as assert from "uvu/assert";
import { OpusPacketDecoder, opusPacketSamples } from "../../src/audio/opus-decoder.ts";
import { OPUS_FRAME_SAMPLES, OpusPacketEncoder } from "../../src/audio/opus-encoder.ts";
import { TranspondError } from "../../src/errors.ts";
import { tonePower } from "../support/tone.ts";
import { sine } from "./support/spectrum.ts";

const test = suite("audio/opus-encoder");

function stereo(mono: Float32Array): Float32Array {
  const out = new Float32Array(mono.length * 2);
  mono.forEach((v, i) => {
    out[2 * i] = v;
    out[2 * i + 1] = v;
  });
  return out;
}

test("codes 48 kHz PCM into 20 ms packets that libopus decodes to the same tone at about the bitrate", async () => {
  const enc = new OpusPacketEncoder({ channels: 2, bitrate: 64000 });
  const dec = await OpusPacketDecoder.create();
  try {
    const pcm = stereo(sine(48000, 1000, 48000 * 2, 0.5));
    const packets: Uint8Array[] = [];
    for (let i = 0; i < pcm.length; i += 2 * 700) packets.push(...enc.encode(pcm.subarray(i, i + 2 * 700)));
    packets.push(...enc.flush());
    assert.is(packets.length, 100);
    assert.ok(packets.every((p) => opusPacketSamples(p) === OPUS_FRAME_SAMPLES));
    const kbps = (packets.reduce((n, p) => n + p.length, 0) * 8) / 2 / 1000;
    assert.ok(kbps > 48 && kbps < 80, `${kbps} kb/s`);
    const out = Float32Array.from(packets.flatMap((p) => [...dec.decode(p).samples]));
    assert.is(dec.errors, 0);
    const left = out.filter((_, i) => i % 2 === 0).subarray(48000);
    const level = tonePower(left, 1000, 48000) / ((0.5 ** 2 * left.length) / 4);
    assert.ok(Math.abs(10 * Math.log10(level)) < 0.5, `level ${10 * Math.log10(level)} dB`);
    assert.ok(tonePower(left, 1000, 48000) > 1000 * tonePower(left, 1300, 48000), "a clean tone");
  } finally {
    enc.close();
    dec.free();
  }
});

test("flush pads a partial frame; nothing buffered gives nothing", () => {
  const enc = new OpusPacketEncoder({ channels: 1, bitrate: 24000 });
  assert.equal(enc.flush(), []);
  assert.equal(enc.encode(new Float32Array(500)), []);
  const last = enc.flush();
  assert.is(last.length, 1);
  assert.is(opusPacketSamples(last[0]!), 960);
  enc.close();
  assert.throws(() => enc.encode(new Float32Array(960)), (e: unknown) => (e as TranspondError).code === "ERR_OPUS_CLOSED");
});

test("refuses a bitrate or channel count libopus does not take", () => {
  assert.throws(() => new OpusPacketEncoder({ channels: 2, bitrate: 1000 }), (e: unknown) => (e as TranspondError).code === "ERR_OPUS_BITRATE");
  assert.throws(() => new OpusPacketEncoder({ channels: 3 as 2, bitrate: 64000 }), (e: unknown) => (e as TranspondError).code === "ERR_OPUS_CHANNELS");
});

test.run();
