import { execFileSync } from "node:child_process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { decodeAudioSpecificConfig, encodeAudioSpecificConfig } from "../../src/codecs/aac-config.ts";
import { FlvReader } from "../../src/flv/file-reader.ts";
import { e2eSuite } from "../support/e2e.ts";
import { runFuzz } from "../support/fuzz.ts";

const test = suite("codecs/aac-config");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

test("120856e500 (1080p fixture) is AAC-LC 44.1 kHz mono with an explicit SBR sync extension saying no SBR", () => {
  const c = decodeAudioSpecificConfig(h("120856e500"));
  assert.is(c.audioObjectType, 2);
  assert.is(c.samplingFrequencyIndex, 4);
  assert.is(c.sampleRate, 44100);
  assert.is(c.channelConfiguration, 1);
  assert.is(c.sbrPresent, false);
});

test("1210 (Big Buck Bunny) is AAC-LC 44.1 kHz stereo with no extension", () => {
  assert.equal(decodeAudioSpecificConfig(h("1210")), { audioObjectType: 2, samplingFrequencyIndex: 4, sampleRate: 44100, channelConfiguration: 2, frameLengthFlag: false, dependsOnCoreCoder: false, extensionFlag: false });
});

test("HE-AAC signalled hierarchically (AOT 5 first) gives the core type, core rate and SBR rate", () => {
  // AOT 5 | idx 6 (24 kHz) | 2 ch | ext idx 3 (48 kHz) | AOT 2 | GA 000
  const c = decodeAudioSpecificConfig(h("2b 11 88 00"));
  assert.is(c.audioObjectType, 2);
  assert.is(c.sampleRate, 24000);
  assert.is(c.channelConfiguration, 2);
  assert.is(c.sbrPresent, true);
  assert.is(c.extensionSampleRate, 48000);
});

test("HE-AAC v2 by sync extensions (SBR then PS) sets both flags", () => {
  // AOT 2 | idx 6 | 1 ch | GA 000 | 0x2b7 | AOT 5 | sbr 1 | idx 3 | 0x548 | ps 1
  const c = decodeAudioSpecificConfig(h("13 08 56 e5 9d 48 80"));
  assert.is(c.channelConfiguration, 1);
  assert.is(c.sbrPresent, true);
  assert.is(c.extensionSampleRate, 48000);
  assert.is(c.psPresent, true);
});

test("a rate outside the table is written with index 15 and 24 explicit bits, and read back", () => {
  const asc = encodeAudioSpecificConfig({ sampleRate: 44000, channels: 2 });
  assert.is(asc.length, 5);
  const c = decodeAudioSpecificConfig(asc);
  assert.is(c.samplingFrequencyIndex, 15);
  assert.is(c.sampleRate, 44000);
  assert.is(c.channelConfiguration, 2);
});

test("encodeAudioSpecificConfig writes the two bytes every AAC-LC muxer writes", () => {
  assert.is(hex(encodeAudioSpecificConfig({ sampleRate: 44100, channels: 2 })), "1210");
  assert.is(hex(encodeAudioSpecificConfig({ sampleRate: 48000, channels: 2 })), "1190");
  assert.is(hex(encodeAudioSpecificConfig({ sampleRate: 8000, channels: 1 })), "1588");
});

test("an escaped audio object type (31 + 6 bits) is read as 32 + n", () => {
  const asc = encodeAudioSpecificConfig({ audioObjectType: 42, sampleRate: 48000, channels: 2 });
  assert.is(decodeAudioSpecificConfig(asc).audioObjectType, 42);
});

const bad: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: "one byte", bytes: h("12"), code: "ERR_AAC_CONFIG_TRUNCATED" },
  { name: "audioObjectType 0", bytes: h("0210"), code: "ERR_AAC_OBJECT_TYPE" },
  { name: "samplingFrequencyIndex 13 (reserved)", bytes: h("1690"), code: "ERR_AAC_SAMPLE_RATE" },
  { name: "an explicit rate cut short", bytes: h("1780"), code: "ERR_AAC_CONFIG_TRUNCATED" },
];
for (const c of bad) {
  test(`decodeAudioSpecificConfig refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => decodeAudioSpecificConfig(c.bytes), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("fuzzed AudioSpecificConfigs raise only ParseError", () => {
  const report = runFuzz("flv-aac-config", {
    seed: 0xaac,
    count: 2000,
    inputs: [h("120856e500"), h("1210"), h("2b118800"), h("130856e59d4880")],
    check: (bytes) => {
      const c = decodeAudioSpecificConfig(bytes);
      assert.ok(c.sampleRate >= 0 && c.channelConfiguration <= 15);
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size > 0, "fuzzing reached both outcomes");
});

test.run();

const e2e = e2eSuite("codecs/aac-config vs ffmpeg", ["ffmpeg"]);

for (const [rate, channels] of [[48000, 2], [44100, 1], [32000, 2], [16000, 1], [8000, 1]] as const) {
  e2e(`for AAC-LC ${rate} Hz ${channels} ch, ffmpeg's FLV sequence header decodes to the same rate and channels, and we write its first two bytes`, () => {
    const flv = execFileSync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", `sine=frequency=440:sample_rate=${rate}:duration=0.1`, "-ac", String(channels), "-c:a", "aac", "-f", "flv", "-"]);
    const tag = new FlvReader().push(new Uint8Array(flv)).find((o) => o.type === "tag" && o.header.tagType === 8 && o.data[1] === 0);
    assert.ok(tag && tag.type === "tag");
    const asc = tag.data.subarray(2);
    const c = decodeAudioSpecificConfig(asc);
    assert.is(c.sampleRate, rate);
    assert.is(c.channelConfiguration, channels);
    assert.is(hex(encodeAudioSpecificConfig({ sampleRate: rate, channels })), hex(asc.subarray(0, 2)));
  });
}

e2e.run();
