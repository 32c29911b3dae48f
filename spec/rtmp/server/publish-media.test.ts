import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { AudioConfig } from "../../../src/codecs/frame.ts";
import { ParseError } from "../../../src/errors.ts";
import { PublishMediaDecoder } from "../../../src/rtmp/server/publish-media.ts";
import { splitStreamName } from "../../../src/rtmp/server/server-session.ts";
import { fixtureTags } from "./peers.ts";

const test = suite("rtmp/server publish media");

test("32-bit RTMP timestamps are unwrapped: a jump back by more than 2^31 is a wrap, a late pre-wrap message stays before it", () => {
  const d = new PublishMediaDecoder();
  const dts = (t: number) => d.media("audio", Uint8Array.of(0x72, 0xd5), t).flatMap((o) => (o.type === "frame" ? [o.frame.dts] : []))[0];
  const input = [0, 1000, 2 ** 32 - 40, 2 ** 32 - 20, 5, 2 ** 32 - 10, 25];
  assert.equal(input.map(dts), [0, 1000, 2 ** 32 - 40, 2 ** 32 - 20, 2 ** 32 + 5, 2 ** 32 - 10, 2 ** 32 + 25]);
});

test("sequence headers become configs (size from the SPS), NALU tags frames with composition time, onMetaData properties", () => {
  const d = new PublishMediaDecoder();
  const out = fixtureTags(undefined, 100).flatMap((t) => (t.tagType === 18 ? d.data(["@setDataFrame", "onMetaData", { width: 480 }]) : d.media(t.tagType === 8 ? "audio" : "video", t.data, t.timestamp)));
  const kinds = out.map((o) => (o.type === "frame" ? `${o.frame.kind}` : o.type === "config" ? `config ${o.config.codec}` : "metadata"));
  assert.equal(kinds.slice(0, 4), ["metadata", "config H264", "config AAC", "video"]);
  const firstVideo = out.find((o) => o.type === "frame" && o.frame.kind === "video");
  assert.ok(firstVideo?.type === "frame" && firstVideo.frame.key && firstVideo.frame.pts - firstVideo.frame.dts === 500);
});

test("G.711 and Speex, which have no sequence header, get their implied config before the first frame and again when the codec changes", () => {
  const d = new PublishMediaDecoder();
  const kinds = [0x72, 0x72, 0xb6, 0xb6, 0x82].flatMap((flags, i) => d.media("audio", Uint8Array.of(flags, 0xd5, 0xd5), i * 20)).map((o) => (o.type === "frame" ? o.frame.codec : o.type === "config" ? `config ${o.config.codec} ${(o.config as AudioConfig).sampleRate}` : o.type));
  assert.equal(kinds, ["config PCMA 8000", "PCMA", "PCMA", "config SPEEX 16000", "SPEEX", "SPEEX", "config PCMU 8000", "PCMU"]);
});

test("empty media bodies are ignored; a malformed AVC body is a ParseError (the connection closes)", () => {
  const d = new PublishMediaDecoder();
  assert.equal(d.media("video", new Uint8Array(0), 0), []);
  assert.throws(() => d.media("video", Uint8Array.of(0x17, 0x00, 0, 0, 0, 1), 0), (e: unknown) => e instanceof ParseError);
});

test("the stream key is the name before '?'", () => {
  assert.equal(splitStreamName("cam?token=1&x=2"), { name: "cam", query: "token=1&x=2" });
  assert.equal(splitStreamName("cam"), { name: "cam", query: "" });
});

test.run();
