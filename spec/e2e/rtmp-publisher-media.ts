/**
 * What the publisher e2e tests ask of ffmpeg/ffprobe: cut the fixture, count frames, read the
 * first packets' flags.
 */
import { join } from "node:path";
import { fixture } from "../support/fixtures.ts";
import { run } from "../support/process.ts";

export const SOURCE_FLV = "flv_ffmpeg-lavf61_bbb_480x270_h264-baseline_aac-stereo_33s.flv";

/** The fixture cut to `seconds` with `-c copy` into `dir` (made once per test file). */
export async function cutSource(dir: string, seconds: number, name = "source.flv"): Promise<string> {
  const out = join(dir, name);
  const r = await run("ffmpeg", ["-v", "error", "-y", "-i", fixture(SOURCE_FLV), "-c", "copy", "-t", String(seconds), out]);
  if (r.code !== 0) throw new Error(`ffmpeg could not cut the fixture: ${r.stderr}`);
  return out;
}

export interface ProbedStream {
  readonly codec: string;
  readonly width?: number;
  readonly height?: number;
  /** decoded frames (ffprobe -count_frames) */
  readonly frames: number;
  readonly profile?: string;
}

export interface Probe {
  readonly video?: ProbedStream;
  readonly audio?: ProbedStream;
  readonly duration: number;
}

interface FfprobeJson {
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number; nb_read_frames?: string; profile?: string }[];
  format?: { duration?: string };
}

/** ffprobe -count_frames of a file or URL. */
export async function probe(file: string): Promise<Probe> {
  const r = await run("ffprobe", ["-v", "error", "-count_frames", "-show_entries", "stream=codec_type,codec_name,width,height,nb_read_frames,profile:format=duration", "-of", "json", file]);
  if (r.code !== 0) throw new Error(`ffprobe failed on ${file}: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as FfprobeJson;
  const stream = (type: string): ProbedStream | undefined => {
    const s = json.streams?.find((x) => x.codec_type === type);
    return s && { codec: s.codec_name ?? "", width: s.width, height: s.height, frames: Number(s.nb_read_frames ?? 0), profile: s.profile };
  };
  return { video: stream("video"), audio: stream("audio"), duration: Number(json.format?.duration ?? 0) };
}

/** Flags of the first video packets ("K_" is a keyframe), via ffprobe. */
export async function firstVideoPacketFlags(file: string, count = 1): Promise<string[]> {
  const r = await run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "packet=flags", "-read_intervals", `%+#${count}`, "-of", "csv=p=0", file]);
  return r.stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}
