import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { TranspondError } from "../../src/errors.ts";
import type { Frame } from "../../src/codecs/frame.ts";
import { isKeyframe } from "../../src/codecs/h264/nal.ts";
import { splitAnnexB } from "../../src/codecs/h264/annexb.ts";
import { parseSps } from "../../src/codecs/h264/sps.ts";
import { encodeAudioSpecificConfig } from "../../src/codecs/aac-config.ts";
import { decodeAudioTag, encodeAudioTag } from "../../src/flv/audio-tag.ts";
import { encodeFlvFile, FlvWriter } from "../../src/flv/file-writer.ts";
import { endOfSequenceTag, tagsFromConfig, tagsFromFrame } from "../../src/flv/frames.ts";
import { decodeScriptData, encodeMetadata, encodeScriptData } from "../../src/flv/metadata.ts";
import { TAG_TYPE, type FlvTag } from "../../src/flv/tag.ts";
import { decodeVideoTag, encodeVideoTag } from "../../src/flv/video-tag.ts";
import { e2eSuite } from "../support/e2e.ts";
import { FLV_1080P, FLV_BBB, readFixture } from "./flv-fixtures.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = suite("flv/file-writer");

function reencodeBody(tag: FlvTag): Uint8Array {
  if (tag.tagType === TAG_TYPE.VIDEO) return encodeVideoTag(decodeVideoTag(tag.data));
  if (tag.tagType === TAG_TYPE.AUDIO) return encodeAudioTag(decodeAudioTag(tag.data));
  return encodeScriptData(decodeScriptData(tag.data));
}

test("both fixtures are re-written byte for byte from their decoded tags", () => {
  for (const name of [FLV_1080P, FLV_BBB]) {
    const { bytes, tags } = readFixture(name);
    const out = encodeFlvFile(
      { hasAudio: true, hasVideo: true },
      tags.map((t) => ({ tagType: t.header.tagType, timestamp: t.header.timestamp, data: reencodeBody({ tagType: t.header.tagType, timestamp: t.header.timestamp, data: t.data }) })),
    );
    assert.is(out.length, bytes.length);
    assert.ok(Buffer.from(out).equals(Buffer.from(bytes)), `${name} differs`);
  }
});

test("the writer puts the header before the first tags only, and accepts audio behind video", () => {
  const w = new FlvWriter({ hasAudio: true, hasVideo: true });
  const first = w.write([{ tagType: 9, timestamp: 100, data: Uint8Array.of(0x17, 2, 0, 0, 0) }]);
  const second = w.write([{ tagType: 8, timestamp: 90, data: Uint8Array.of(0xaf, 1) }]);
  assert.is(first.length, 13 + 11 + 5 + 4);
  assert.is(second.length, 11 + 2 + 4);
  assert.is(second[0], 8);
});

test("writeParts gives the bytes of write in parts that keep each tag's data buffer (shared by every player)", () => {
  const { tags } = readFixture(FLV_BBB);
  const batches = tags.slice(0, 60).map((t) => [{ tagType: t.header.tagType, timestamp: t.header.timestamp, data: t.data }]);
  const whole = new FlvWriter({ hasAudio: true, hasVideo: true });
  const parted = new FlvWriter({ hasAudio: true, hasVideo: true });
  for (const batch of [...batches, batches.slice(1, 4).flat()].map((b, i) => (i < batches.length ? b : b.map((t) => ({ ...t, timestamp: 100_000 + t.timestamp }))))) {
    const parts = parted.writeParts(batch);
    assert.ok(Buffer.concat(parts).equals(Buffer.from(whole.write(batch))));
    batch.forEach((t, i) => assert.ok(parts[1 + 2 * i] === t.data, "data written as it is, not copied"));
  }
});

test("a tag going back in time on its own track is refused with ERR_FLV_TIMESTAMP_BACKWARDS, and nothing is written", () => {
  const w = new FlvWriter({ hasAudio: true, hasVideo: false });
  w.write([{ tagType: 8, timestamp: 100, data: Uint8Array.of(0xaf, 1) }]);
  assert.throws(() => w.write([{ tagType: 8, timestamp: 120, data: Uint8Array.of(0xaf, 1) }, { tagType: 8, timestamp: 99, data: Uint8Array.of(0xaf, 1) }]), (e: unknown) => e instanceof TranspondError && e.code === "ERR_FLV_TIMESTAMP_BACKWARDS");
  assert.is(w.write([{ tagType: 8, timestamp: 110, data: Uint8Array.of(0xaf, 1) }]).length, 17, "the refused batch did not move the clock");
});

test.run();

// ---- real software: ffmpeg makes the media, our writer muxes it, ffprobe/ffmpeg read it ----

const e2e = e2eSuite("flv/file-writer vs ffprobe", ["ffmpeg", "ffprobe"]);
let dir = "";
e2e.before(() => {
  dir = mkdtempSync(join(tmpdir(), "transpond-flv-"));
});
e2e.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Buffer {
  return execFileSync("ffmpeg", ["-hide_banner", "-v", "error", ...args], { maxBuffer: 64 * 1024 * 1024 });
}

/** Raw AAC frames and the ASC fields from an ADTS stream (ISO 14496-3 1.A.2). */
function splitAdts(adts: Uint8Array): { frames: Uint8Array[]; aot: number; rateIndex: number; channels: number } {
  const frames: Uint8Array[] = [];
  let pos = 0;
  let aot = 0;
  let rateIndex = 0;
  let channels = 0;
  while (pos + 7 <= adts.length) {
    assert.is(adts[pos], 0xff, "ADTS sync");
    const protectionAbsent = adts[pos + 1]! & 1;
    aot = (adts[pos + 2]! >> 6) + 1;
    rateIndex = (adts[pos + 2]! >> 2) & 15;
    channels = ((adts[pos + 2]! & 1) << 2) | (adts[pos + 3]! >> 6);
    const length = ((adts[pos + 3]! & 3) << 11) | (adts[pos + 4]! << 3) | (adts[pos + 5]! >> 5);
    const header = protectionAbsent ? 7 : 9;
    frames.push(adts.subarray(pos + header, pos + length));
    pos += length;
  }
  return { frames, aot, rateIndex, channels };
}

interface Probe {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string; channels?: number; nb_read_frames?: string; profile?: string }[];
  format: { duration: string; tags?: Record<string, string> };
}
function probe(file: string): Probe {
  return JSON.parse(execFileSync("ffprobe", ["-v", "error", "-count_frames", "-show_streams", "-show_format", "-of", "json", file], { encoding: "utf8" })) as Probe;
}

e2e("an FLV written from libx264 access units and AAC frames plays in ffmpeg: H.264 320x240 + AAC 44.1 kHz stereo, 2 s, no errors", async () => {
  const fps = 25;
  const h264 = run(["-f", "lavfi", "-i", `testsrc2=size=320x240:rate=${fps}`, "-frames:v", "50", "-c:v", "libx264", "-bf", "0", "-g", "25", "-f", "h264", "-"]);
  const adts = run(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2", "-ac", "2", "-c:a", "aac", "-f", "adts", "-"]);

  // Annex-B -> access units: a new one starts at every slice with first_mb_in_slice 0 (one slice per frame here)
  const nalus = splitAnnexB(new Uint8Array(h264));
  const sps = nalus.find((n) => (n[0]! & 0x1f) === 7)!;
  const pps = nalus.find((n) => (n[0]! & 0x1f) === 8)!;
  const units: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  for (const n of nalus) {
    const t = n[0]! & 0x1f;
    if (t === 7 || t === 8 || t === 9) continue; // parameter sets travel in the sequence header
    current.push(n);
    if (t === 1 || t === 5) {
      units.push(current);
      current = [];
    }
  }
  assert.is(units.length, 50);
  const video: Frame[] = units.map((data, i) => ({ kind: "video", codec: "H264", dts: (i * 1000) / fps, pts: (i * 1000) / fps, key: isKeyframe(data), data }));

  const aac = splitAdts(new Uint8Array(adts));
  const audio: Frame[] = aac.frames.map((data, i) => ({ kind: "audio", codec: "AAC", dts: (i * 1024 * 1000) / 44100, pts: (i * 1024 * 1000) / 44100, key: true, data }));
  const asc = encodeAudioSpecificConfig({ audioObjectType: aac.aot, sampleRate: 44100, channels: aac.channels });

  const size = parseSps(sps);
  const tags: FlvTag[] = [
    { tagType: TAG_TYPE.SCRIPT, timestamp: 0, data: encodeMetadata({ duration: 2, width: size.width, height: size.height, framerate: fps, videocodecid: 7, audiocodecid: 10, audiosamplerate: 44100, audiosamplesize: 16, stereo: true, encoder: "Transpond" }) },
    ...tagsFromConfig({ codec: "H264", sps, pps, width: size.width, height: size.height }),
    ...tagsFromConfig({ codec: "AAC", sampleRate: 44100, channels: 2, asc }),
    ...[...video, ...audio].sort((a, b) => a.dts - b.dts || (a.kind === "video" ? -1 : 1)).flatMap(tagsFromFrame),
    endOfSequenceTag(Math.round(video.at(-1)!.dts)),
  ];
  const file = join(dir, "av.flv");
  writeFileSync(file, encodeFlvFile({ hasAudio: true, hasVideo: true }, tags));

  assert.is(await decodeErrors(file), "", "ffmpeg decodes it with no error");
  const p = probe(file);
  const v = p.streams.find((s) => s.codec_type === "video")!;
  const a = p.streams.find((s) => s.codec_type === "audio")!;
  assert.is(v.codec_name, "h264");
  assert.is(v.width, 320);
  assert.is(v.height, 240);
  assert.is(v.nb_read_frames, "50");
  assert.is(a.codec_name, "aac");
  assert.is(a.sample_rate, "44100");
  assert.is(a.channels, 2);
  assert.is(Number(a.nb_read_frames), audio.length);
  assert.ok(Math.abs(Number(p.format.duration) - 2) < 0.1, `duration ${p.format.duration}`);
  assert.is(p.format.tags?.encoder, "Transpond");
});

for (const [codec, name] of [["PCMA", "pcm_alaw"], ["PCMU", "pcm_mulaw"]] as const) {
  e2e(`G.711 ${codec} frames written as FLV read back in ffprobe as ${name} 8 kHz mono, 1 s, no errors`, async () => {
    const raw = new Uint8Array(run(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=1", "-ac", "1", "-f", codec === "PCMA" ? "alaw" : "mulaw", "-"]));
    const frames: Frame[] = [];
    for (let i = 0; i * 160 < raw.length; i++) frames.push({ kind: "audio", codec, dts: i * 20, pts: i * 20, key: true, data: raw.subarray(i * 160, (i + 1) * 160) });
    const tags = [
      { tagType: TAG_TYPE.SCRIPT, timestamp: 0, data: encodeMetadata({ duration: 1, audiocodecid: codec === "PCMA" ? 7 : 8, audiosamplerate: 8000, audiosamplesize: 16, stereo: false }) },
      ...tagsFromConfig({ codec, sampleRate: 8000, channels: 1 }),
      ...frames.flatMap(tagsFromFrame),
    ];
    const file = join(dir, `${codec}.flv`);
    writeFileSync(file, encodeFlvFile({ hasAudio: true, hasVideo: false }, tags));
    assert.is(await decodeErrors(file), "");
    const p = probe(file);
    assert.is(p.streams.length, 1);
    const s = p.streams[0]!;
    assert.is(s.codec_name, name);
    assert.is(s.sample_rate, "8000");
    assert.is(s.channels, 1);
    assert.ok(Math.abs(Number(p.format.duration) - 1) < 0.05, `duration ${p.format.duration}`);
  });
}

e2e.run();
