import { execFileSync } from "node:child_process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { AAC_FLAGS, decodeAudioTag, encodeAudioTag, flagsSampleRate, g711Flags, type AudioTagBody } from "../../src/flv/audio-tag.ts";
import { FlvReader } from "../../src/flv/file-reader.ts";
import { e2eSuite } from "../support/e2e.ts";
import { FLV_1080P, FLV_BBB, readFixture } from "./flv-fixtures.ts";

const test = suite("flv/audio-tag");
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));

// SoundFormat|SoundRate|SoundSize|SoundType, [AACPacketType], data
const cases: { name: string; bytes: string; body: AudioTagBody }[] = [
  { name: "AAC sequence header (0xAF 00)", bytes: "af 00 1210", body: { ...AAC_FLAGS, type: "aac-sequence-header", config: h("1210") } },
  { name: "AAC raw frame (0xAF 01)", bytes: "af 01 2110", body: { ...AAC_FLAGS, type: "aac-raw", data: h("2110") } },
  { name: "G.711 A-law, 8 kHz mono (0x72)", bytes: "72 d5d5", body: { ...g711Flags("alaw"), type: "g711", law: "alaw", data: h("d5d5") } },
  { name: "G.711 µ-law, 8 kHz mono (0x82)", bytes: "82 ffff", body: { ...g711Flags("mulaw"), type: "g711", law: "mulaw", data: h("ffff") } },
  { name: "MP3 44 kHz stereo kept raw", bytes: "2f fffb", body: { soundFormat: 2, soundRate: 3, soundSize: 1, soundType: 1, type: "raw", data: h("fffb") } },
  { name: "AAC with an unknown AACPacketType kept raw", bytes: "af 07 00", body: { ...AAC_FLAGS, type: "raw", data: h("07 00") } },
];

for (const c of cases) {
  test(`audio tag ${c.name}: decodes to the fields and encodes back`, () => {
    const bytes = h(c.bytes);
    assert.equal(decodeAudioTag(bytes), c.body);
    assert.equal(encodeAudioTag(c.body), bytes);
  });
}

test("G.711 flags stand for 8 kHz whatever SoundRate says; others follow SoundRate", () => {
  assert.is(flagsSampleRate(g711Flags("alaw")), 8000);
  assert.is(flagsSampleRate({ ...g711Flags("mulaw"), soundRate: 3 }), 8000);
  assert.is(flagsSampleRate(AAC_FLAGS), 44100);
  assert.is(flagsSampleRate({ soundFormat: 2, soundRate: 1, soundSize: 1, soundType: 0 }), 11025);
});

const bad: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: "an empty tag", bytes: h(""), code: "ERR_FLV_AUDIO_TRUNCATED" },
  { name: "AAC without AACPacketType", bytes: h("af"), code: "ERR_FLV_AUDIO_TRUNCATED" },
];
for (const c of bad) {
  test(`decodeAudioTag refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => decodeAudioTag(c.bytes), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("every audio tag of both fixtures decodes and re-encodes byte for byte", () => {
  let n = 0;
  for (const name of [FLV_1080P, FLV_BBB]) {
    for (const t of readFixture(name).tags.filter((x) => x.header.tagType === 8)) {
      assert.equal(encodeAudioTag(decodeAudioTag(t.data)), t.data);
      n++;
    }
  }
  assert.is(n, 133 + 1424);
});

test.run();

const e2e = e2eSuite("flv/audio-tag vs ffmpeg", ["ffmpeg"]);

for (const law of ["alaw", "mulaw"] as const) {
  e2e(`the G.711 ${law} flags byte is the one ffmpeg's FLV muxer writes`, () => {
    const flv = execFileSync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=0.2", "-ac", "1", "-c:a", `pcm_${law}`, "-f", "flv", "-"]);
    const tag = new FlvReader().push(new Uint8Array(flv)).find((o) => o.type === "tag" && o.header.tagType === 8);
    assert.ok(tag && tag.type === "tag");
    assert.is(tag.data[0], encodeAudioTag({ ...g711Flags(law), type: "g711", law, data: h("") })[0]);
    const body = decodeAudioTag(tag.data);
    assert.is(body.type, "g711");
    assert.ok(body.type === "g711" && body.law === law);
  });
}

e2e.run();
