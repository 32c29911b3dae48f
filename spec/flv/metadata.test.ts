import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { encodeAmf0 } from "../../src/flv/amf0.ts";
import { decodeScriptData, encodeMetadata, encodeScriptData } from "../../src/flv/metadata.ts";
import { runFuzz } from "../support/fuzz.ts";
import { FLV_1080P, FLV_BBB, readFixture } from "./flv-fixtures.ts";

const test = suite("flv/metadata");

const script = (name: string): Uint8Array => readFixture(name).tags.find((t) => t.header.tagType === 18)!.data;

test("the 1080p fixture's onMetaData: 1920x1080, 24 fps, AVC and AAC ids, mono 44.1 kHz, Lavf58 encoder", () => {
  const d = decodeScriptData(script(FLV_1080P));
  assert.is(d.type, "metadata");
  if (d.type !== "metadata") return;
  assert.is(d.form, "onMetaData");
  assert.equal(d.metadata, {
    duration: 3.291, width: 1920, height: 1080, framerate: 24, audiosamplerate: 44100, audiosamplesize: 16, videodatarate: 0,
    audiodatarate: 67.3828125, filesize: 106746, videocodecid: 7, audiocodecid: 10, stereo: false, encoder: "Lavf58.76.100",
  });
  assert.equal(Object.keys(d.properties), ["duration", "width", "height", "videodatarate", "framerate", "videocodecid", "audiodatarate", "audiosamplerate", "audiosamplesize", "stereo", "audiocodecid", "encoder", "filesize"]);
});

test("both fixtures' script tags re-encode byte for byte", () => {
  for (const name of [FLV_1080P, FLV_BBB]) {
    const bytes = script(name);
    assert.equal(encodeScriptData(decodeScriptData(bytes)), bytes);
  }
});

test("encodeMetadata with ffmpeg's property values writes ffmpeg's bytes (same order, ECMA array)", () => {
  const bytes = script(FLV_BBB);
  const d = decodeScriptData(bytes);
  assert.ok(d.type === "metadata");
  if (d.type === "metadata") assert.equal(encodeMetadata(d.metadata), bytes);
});

test("the @setDataFrame form of RTMP publishers decodes to the same metadata and re-encodes with its prefix", () => {
  const meta = { width: 1280, height: 720, framerate: 30, videocodecid: 7, audiocodecid: 10, audiosamplerate: 48000, stereo: true, videodatarate: 2500, audiodatarate: 160, encoder: "obs-output module (libobs version 27.0.1-3)" };
  const bytes = encodeMetadata(meta, "@setDataFrame");
  const d = decodeScriptData(bytes);
  assert.ok(d.type === "metadata" && d.form === "@setDataFrame");
  if (d.type === "metadata") assert.equal(d.metadata, meta);
  assert.equal(encodeScriptData(d), bytes);
  assert.equal(Buffer.from(bytes.subarray(0, 16)).toString("latin1"), "\u0002\u0000\r@setDataFrame");
});

test("codec ids written as strings (\"avc1\", \"mp4a\") are kept", () => {
  const d = decodeScriptData(encodeAmf0(["onMetaData", { videocodecid: "avc1", audiocodecid: "mp4a", width: 640 }]));
  assert.ok(d.type === "metadata" && d.metadata.videocodecid === "avc1" && d.metadata.audiocodecid === "mp4a" && d.metadata.width === 640);
});

test("other script data (onCuePoint) is returned by name with its values", () => {
  const d = decodeScriptData(encodeAmf0(["onCuePoint", { name: "c1", time: 1.5 }]));
  assert.equal(d, { type: "other", name: "onCuePoint", values: [{ name: "c1", time: 1.5 }] });
});

const bad: { name: string; bytes: Uint8Array; code: string }[] = [
  { name: "a number first", bytes: encodeAmf0([1, "onMetaData"]), code: "ERR_FLV_SCRIPT_NAME" },
  { name: "onMetaData followed by a string", bytes: encodeAmf0(["onMetaData", "x"]), code: "ERR_FLV_METADATA_NOT_OBJECT" },
  { name: "onMetaData alone", bytes: encodeAmf0(["onMetaData"]), code: "ERR_FLV_METADATA_NOT_OBJECT" },
  { name: "a cut AMF0 string", bytes: Uint8Array.of(2, 0, 10, 0x6f), code: "ERR_AMF0_TRUNCATED" },
];
for (const c of bad) {
  test(`decodeScriptData refuses ${c.name} with ${c.code}`, () => {
    assert.throws(() => decodeScriptData(c.bytes), (e: unknown) => e instanceof ParseError && e.code === c.code);
  });
}

test("fuzzed script tags raise only ParseError", () => {
  const report = runFuzz("flv-metadata", {
    seed: 0x3e7a,
    count: 2000,
    inputs: [script(FLV_1080P), script(FLV_BBB)],
    check: (bytes) => {
      decodeScriptData(bytes);
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size > 0, "fuzzing reached both outcomes");
});

test.run();
