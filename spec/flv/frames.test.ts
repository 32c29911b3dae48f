import { execFileSync } from "node:child_process";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { TranspondError } from "../../src/errors.ts";
import type { Frame, TrackConfig } from "../../src/codecs/frame.ts";
import { endOfSequenceTag, flvAudioCodecId, frameFromTag, impliedAudioConfig, tagsFromConfig, tagsFromFrame, type TagMedia } from "../../src/flv/frames.ts";
import { TAG_TYPE } from "../../src/flv/tag.ts";
import { e2eSuite } from "../support/e2e.ts";
import { runFuzz } from "../support/fuzz.ts";
import { fixture } from "../support/fixtures.ts";
import { FLV_1080P, FLV_BBB, readFixture, type ReadTag } from "./flv-fixtures.ts";

const test = suite("flv/frames");

function media(name: string): { tag: ReadTag; m: TagMedia }[] {
  return readFixture(name).tags.map((tag) => ({ tag, m: frameFromTag({ tagType: tag.header.tagType, timestamp: tag.header.timestamp, data: tag.data }) }));
}

test("the 1080p fixture reads as an H.264 1920x1080 config, an AAC 44.1 kHz mono config, 75 video and 132 audio frames", () => {
  const all = media(FLV_1080P).map((x) => x.m);
  const configs = all.flatMap((m) => (m.type === "config" ? [m.config] : []));
  assert.equal(configs.map((c) => (c.codec === "H264" ? `H264 ${c.width}x${c.height}` : `${c.codec} ${c.sampleRate} ${c.channels}`)), ["H264 1920x1080", "AAC 44100 1"]);
  const frames = all.flatMap((m) => (m.type === "frame" ? [m.frame] : []));
  assert.is(frames.filter((f) => f.kind === "video").length, 75);
  assert.is(frames.filter((f) => f.kind === "audio").length, 132);
  assert.is(frames.filter((f) => f.kind === "video" && f.key).length, 1);
  assert.is(all.filter((m) => m.type === "end-of-sequence").length, 1);
  assert.equal(all.filter((m) => m.type === "ignored").map((m) => m.type === "ignored" && m.reason), ["script data"]);
});

test("every frame of both fixtures turns back into the tag it came from, byte for byte", () => {
  for (const name of [FLV_1080P, FLV_BBB]) {
    let n = 0;
    for (const { tag, m } of media(name)) {
      if (m.type !== "frame") continue;
      const [back] = tagsFromFrame(m.frame);
      assert.is(back!.tagType, tag.header.tagType);
      assert.is(back!.timestamp, tag.header.timestamp);
      assert.equal(back!.data, tag.data);
      n++;
    }
    assert.is(n, name === FLV_1080P ? 75 + 132 : 812 + 1423);
  }
});

test("the track configs turn back into the fixtures' sequence header tags, byte for byte", () => {
  for (const name of [FLV_1080P, FLV_BBB]) {
    for (const { tag, m } of media(name)) {
      if (m.type !== "config") continue;
      assert.equal(tagsFromConfig(m.config)[0]!.data, tag.data);
    }
  }
});

test("an AAC config without an ASC gets one built from its rate and channels", () => {
  const [tag] = tagsFromConfig({ codec: "AAC", sampleRate: 48000, channels: 2 });
  assert.equal([...tag!.data], [0xaf, 0x00, 0x11, 0x90]);
});

test("G.711 frames become 0x72 / 0x82 tags and read back with the same codec, time and bytes; G.711 needs no sequence header", () => {
  for (const codec of ["PCMA", "PCMU"] as const) {
    const frame: Frame = { kind: "audio", codec, dts: 40, pts: 40, key: true, data: new Uint8Array(160).fill(0xd5) };
    const [tag] = tagsFromFrame(frame);
    assert.is(tag!.data[0], codec === "PCMA" ? 0x72 : 0x82);
    assert.equal(frameFromTag(tag!), { type: "frame", frame });
    assert.equal(tagsFromConfig({ codec, sampleRate: 8000, channels: 1 }), []);
  }
});

test("Speex frames become 0xB6 tags (ffmpeg's flags) and read back as SPEEX; its config is implied (16 kHz mono), like G.711's", () => {
  const frame: Frame = { kind: "audio", codec: "SPEEX", dts: 40, pts: 40, key: true, data: Uint8Array.of(0x1e, 0x9c, 0x38) };
  const [tag] = tagsFromFrame(frame);
  assert.is(tag!.data[0], 0xb6);
  assert.equal(frameFromTag(tag!), { type: "frame", frame });
  assert.equal(frameFromTag({ ...tag!, data: Uint8Array.of(0xb2, 0x1e, 0x9c, 0x38) }), { type: "frame", frame }, "any rate flags mean 16 kHz");
  assert.equal(tagsFromConfig({ codec: "SPEEX", sampleRate: 16000, channels: 1 }), []);
  assert.equal(impliedAudioConfig("SPEEX"), { codec: "SPEEX", sampleRate: 16000, channels: 1 });
  assert.equal(impliedAudioConfig("PCMU"), { codec: "PCMU", sampleRate: 8000, channels: 1 });
  assert.is(impliedAudioConfig("AAC"), undefined);
  assert.equal((["AAC", "PCMA", "PCMU", "SPEEX", "OPUS"] as const).map(flvAudioCodecId), [10, 7, 8, 11, undefined]);
});

test("a video frame's composition time is PTS - DTS, rounded to whole ms, and B-frame order is kept", () => {
  const [tag] = tagsFromFrame({ kind: "video", codec: "H264", dts: 1000.4, pts: 1083.3, key: false, data: [Uint8Array.of(0x41, 0x9a)] });
  assert.is(tag!.timestamp, 1000);
  const m = frameFromTag(tag!);
  assert.ok(m.type === "frame" && m.frame.kind === "video" && m.frame.pts === 1083 && !m.frame.key);
});

test("timestamps past 2^32 ms wrap as the FLV field does", () => {
  const [tag] = tagsFromFrame({ kind: "audio", codec: "AAC", dts: 2 ** 32 + 5, pts: 2 ** 32 + 5, key: true, data: Uint8Array.of(1) });
  assert.is(tag!.timestamp, 5);
});

test("Opus has no FLV form: ERR_FLV_CODEC_UNSUPPORTED for frames and configs", () => {
  const opus: TrackConfig = { codec: "OPUS", sampleRate: 48000, channels: 2 };
  assert.throws(() => tagsFromConfig(opus), (e: unknown) => e instanceof TranspondError && e.code === "ERR_FLV_CODEC_UNSUPPORTED");
  assert.throws(() => tagsFromFrame({ kind: "audio", codec: "OPUS", dts: 0, pts: 0, key: true, data: Uint8Array.of(0xfc) }), (e: unknown) => e instanceof TranspondError && e.code === "ERR_FLV_CODEC_UNSUPPORTED");
});

test("a NALU tag read with the 2-byte lengths of its sequence header splits correctly", () => {
  const m = frameFromTag({ tagType: 9, timestamp: 0, data: Uint8Array.of(0x27, 1, 0, 0, 0, 0, 2, 0x41, 0x9a, 0, 1, 0x0c) }, { nalLengthSize: 2 });
  assert.ok(m.type === "frame" && m.frame.kind === "video" && m.frame.data.length === 2);
});

test("endOfSequenceTag is the tag ffmpeg ends its files with", () => {
  const last = readFixture(FLV_1080P).tags.at(-1)!;
  assert.equal(endOfSequenceTag(last.header.timestamp).data, last.data);
});

test("fuzzed video and audio tag bodies (sequence headers included) raise only ParseError from frameFromTag", () => {
  const tags = readFixture(FLV_1080P).tags.slice(0, 40);
  for (const tagType of [TAG_TYPE.VIDEO, TAG_TYPE.AUDIO]) {
    const inputs = tags.filter((t) => t.header.tagType === tagType).map((t) => t.data.subarray(0, 600));
    const report = runFuzz(`flv-frames-${tagType}`, {
      seed: 0xf4 + tagType,
      count: 2000,
      inputs,
      check: (data) => {
        frameFromTag({ tagType, timestamp: 0, data });
      },
    });
    assert.ok(report.accepted > 0 && report.codes.size > 0, "fuzzing reached both outcomes");
  }
});

test.run();

const e2e = e2eSuite("flv/frames vs ffprobe", ["ffprobe"]);

e2e("the frames' DTS, PTS and keyframe flags are ffprobe's packets for the same file", () => {
  for (const name of [FLV_1080P, FLV_BBB]) {
    const json = execFileSync("ffprobe", ["-v", "error", "-show_packets", "-of", "json", fixture(name)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const packets = (JSON.parse(json) as { packets: { codec_type: string; pts: number; dts: number; flags: string; size: string }[] }).packets;
    const ours = media(name).flatMap(({ m }) => (m.type === "frame" ? [m.frame] : []));
    const describe = (kind: string, dts: number, pts: number, key: boolean): string => `${kind} ${dts}/${pts}${key ? " K" : ""}`;
    assert.equal(
      ours.map((f) => describe(f.kind, f.dts, f.pts, f.kind === "video" && f.key)),
      packets.map((p) => describe(p.codec_type, p.dts, p.pts, p.codec_type === "video" && p.flags.startsWith("K"))),
    );
  }
});

e2e.run();
