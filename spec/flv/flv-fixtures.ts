/**
 * The two copied FLV fixtures, read once with our reader (the reader itself is tested in
 * file-reader.test.ts against the counts of fixtures/README and INDEX.md).
 */
import { readFileSync } from "node:fs";
import { fixture } from "../support/fixtures.ts";
import { FlvReader, type FlvReaderOutput } from "../../src/flv/file-reader.ts";

export const FLV_1080P = "flv_ffmpeg-lavf58_testsrc_1080p_h264-high_aac-mono_3s.flv";
export const FLV_BBB = "flv_ffmpeg-lavf61_bbb_480x270_h264-baseline_aac-stereo_33s.flv";

export type ReadTag = Extract<FlvReaderOutput, { type: "tag" }>;

const cache = new Map<string, { bytes: Uint8Array; tags: ReadTag[] }>();

export function readFixture(name: string): { bytes: Uint8Array; tags: ReadTag[] } {
  let hit = cache.get(name);
  if (!hit) {
    const bytes = new Uint8Array(readFileSync(fixture(name)));
    const reader = new FlvReader({ strictPreviousTagSize: true });
    const tags = reader.push(bytes).filter((o): o is ReadTag => o.type === "tag");
    reader.end();
    hit = { bytes, tags };
    cache.set(name, hit);
  }
  return hit;
}
