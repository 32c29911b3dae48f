/**
 * Real H.264 material for the tests: SPS/PPS and access units from the FLV fixtures, the SPS of
 * OBS 27 from the nginx-rtmp capture, and helpers that ask ffmpeg about the same bytes
 * (`trace_headers` prints every SPS syntax element with the spec's names; ffprobe the frame size).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sharedFixture } from "../../support/fixtures.ts";
import { readFixture } from "../../flv/flv-fixtures.ts";
import { avccToNalus } from "../../../src/codecs/h264/avcc.ts";
import { joinAnnexB } from "../../../src/codecs/h264/annexb.ts";

export interface AvcSample {
  readonly sps: Uint8Array;
  readonly pps: Uint8Array;
  /** NAL units of each NALU tag, in file order */
  readonly accessUnits: Uint8Array[][];
  /** the raw AVCC bodies of those tags */
  readonly avcc: Uint8Array[];
}

/** SPS, PPS and access units of an FLV fixture (ffmpeg writes one SPS and one PPS, 4-byte lengths). */
export function avcFromFlv(name: string): AvcSample {
  const { tags } = readFixture(name);
  let sps: Uint8Array | undefined;
  let pps: Uint8Array | undefined;
  const accessUnits: Uint8Array[][] = [];
  const avcc: Uint8Array[] = [];
  for (const t of tags) {
    if (t.header.tagType !== 9 || (t.data[0] !== 0x17 && t.data[0] !== 0x27)) continue;
    if (t.data[1] === 0) {
      // AVCDecoderConfigurationRecord read by hand here so the sample does not depend on avc-config.ts
      const r = t.data.subarray(5);
      const spsLen = (r[6]! << 8) | r[7]!;
      sps = r.subarray(8, 8 + spsLen);
      const p = 8 + spsLen + 1;
      pps = r.subarray(p + 2, p + 2 + ((r[p]! << 8) | r[p + 1]!));
    } else if (t.data[1] === 1) {
      avcc.push(t.data.subarray(5));
      accessUnits.push(avccToNalus(t.data.subarray(5), 4));
    }
  }
  if (!sps || !pps) throw new Error(`${name}: no AVC sequence header`);
  return { sps, pps, accessUnits, avcc };
}

/** The SPS OBS 27 sent to nginx-rtmp, found in the capture's AVC sequence header (17 00 00 00 00 01 ...). */
export function obsSps(): { sps: Uint8Array; pps: Uint8Array } | undefined {
  const path = sharedFixture("rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap");
  if (!path) return undefined;
  const bytes = new Uint8Array(readFileSync(path));
  const marker = Buffer.from("170000000001", "hex");
  const at = Buffer.from(bytes).indexOf(marker);
  if (at < 0) throw new Error("no AVC sequence header in the OBS capture");
  const r = bytes.subarray(at + 5);
  const spsLen = (r[6]! << 8) | r[7]!;
  const sps = r.subarray(8, 8 + spsLen);
  const p = 8 + spsLen + 1;
  const pps = r.subarray(p + 2, p + 2 + ((r[p]! << 8) | r[p + 1]!));
  return { sps, pps };
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "transpond-h264-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every SPS syntax element ffmpeg's trace_headers prints for this SPS: name -> value (first occurrence). */
export function ffmpegSpsTrace(sps: Uint8Array, pps: Uint8Array): Map<string, number> {
  return withTemp((dir) => {
    const file = join(dir, "ps.h264");
    writeFileSync(file, joinAnnexB([sps, pps]));
    // With parameter sets only, ffmpeg ends with "dimensions not set" after printing the trace.
    const run = spawnSync("ffmpeg", ["-hide_banner", "-v", "info", "-f", "h264", "-i", file, "-c", "copy", "-bsf:v", "trace_headers", "-f", "null", "-"], { encoding: "utf8" });
    if (run.error) throw run.error;
    return parseTrace(run.stderr);
  });
}

/** Parses trace_headers lines of the first Sequence Parameter Set. */
export function parseTrace(log: string): Map<string, number> {
  const fields = new Map<string, number>();
  let inSps = false;
  for (const line of log.split("\n")) {
    const body = line.replace(/^\[trace_headers @ [^\]]+\] /, "");
    if (body.startsWith("Sequence Parameter Set")) {
      if (fields.size > 0) break;
      inSps = true;
      continue;
    }
    if (!inSps) continue;
    if (/^[A-Z]/.test(body)) break;
    const m = /^\d+\s+(\w+(?:\[[\d\]\[]+)?)\s+[01]+ = (-?\d+)$/.exec(body.trim());
    if (m && !fields.has(m[1]!)) fields.set(m[1]!, Number(m[2]));
  }
  return fields;
}

/** ffmpeg run that fails the test when ffmpeg fails, returning stderr. */
export function ffmpeg(args: string[], input?: Uint8Array): string {
  return execFileSync("ffmpeg", ["-hide_banner", ...args], { input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 }).toString();
}

/** An Annex-B stream libx264 encodes from testsrc2 with the given extra options. */
export function x264(size: string, frames: number, extra: string[]): Uint8Array {
  return withTemp((dir) => {
    const file = join(dir, "out.h264");
    execFileSync("ffmpeg", ["-hide_banner", "-v", "error", "-f", "lavfi", "-i", `testsrc2=size=${size}:rate=25`, "-frames:v", String(frames), "-c:v", "libx264", ...extra, "-f", "h264", file], { stdio: ["ignore", "ignore", "pipe"] });
    return new Uint8Array(readFileSync(file));
  });
}

/** ffprobe's view of an H.264 elementary stream: width, height, profile name, level. */
export function ffprobeH264(annexB: Uint8Array): { width: number; height: number; profile: string; level: number; frames: number } {
  return withTemp((dir) => {
    const file = join(dir, "in.h264");
    writeFileSync(file, annexB);
    const json = execFileSync("ffprobe", ["-v", "error", "-f", "h264", "-count_frames", "-show_streams", "-of", "json", file], { encoding: "utf8" });
    const s = (JSON.parse(json) as { streams: { width: number; height: number; profile: string; level: number; nb_read_frames: string }[] }).streams[0]!;
    return { width: s.width, height: s.height, profile: s.profile, level: s.level, frames: Number(s.nb_read_frames) };
  });
}
