/**
 * AAC-LC decoder benchmark and the AAC -> Opus path of a WebRTC player (issue 11). Input: a
 * music-like signal (chords + pink noise) coded by ffmpeg's `aac` at 44.1 kHz stereo 128 kb/s.
 * Prints the decoder's real-time factor per core (audio seconds per CPU second; median of 5 runs
 * after a warm-up) beside ffmpeg's own AAC decoder on the same file in the same run (its -benchmark
 * CPU time, median of 5, reading the file included), and the CPU share of one
 * AAC -> Opus 64 kb/s stream (decode, resample to 48 kHz, encode) beside ffmpeg `aac` -> `libopus`.
 *
 *   node --import tsx bench/aac-decode.bench.ts [seconds]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readAdtsFrames } from "../src/audio/aac/adts.ts";
import { AacDecoder } from "../src/audio/aac/decoder.ts";
import { encodeAudioSpecificConfig } from "../src/audio/aac/index.ts";
import { AudioTranscoder } from "../src/audio/transcoder.ts";
import { cpuMs, ffmpegCpu, median } from "./measure.ts";

const RATE = 44100;
const seconds = Number(process.argv[2] ?? 60);
const dir = mkdtempSync(join(tmpdir(), "bench-aac-decode-"));

function decodeOurs(frames: readonly Uint8Array[]): number {
  const dec = new AacDecoder({ sampleRate: RATE, channels: 2 });
  const c0 = cpuMs();
  for (const f of frames) dec.decode(f);
  if (dec.errorFrames !== 0) throw new Error(`${dec.errorFrames} error frames`);
  return cpuMs() - c0;
}

async function aacToOpus(frames: readonly Uint8Array[]): Promise<number> {
  const t = await AudioTranscoder.create({
    source: { codec: "AAC", sampleRate: RATE, channels: 2, asc: encodeAudioSpecificConfig({ sampleRate: RATE, channels: 2 }) },
    target: { codec: "OPUS", bitrate: 64000 },
  });
  const c0 = cpuMs();
  frames.forEach((data, i) => {
    const pts = Math.round((i * 1024 * 1000) / RATE);
    t.push({ kind: "audio", codec: "AAC", dts: pts, pts, key: true, data });
  });
  const cpu = cpuMs() - c0;
  t.close();
  return cpu;
}

try {
  const file = join(dir, "music.aac");
  const chords = "aevalsrc=0.2*sin(2*PI*261.63*t)+0.2*sin(2*PI*329.63*t)+0.2*sin(2*PI*392*t)|0.2*sin(2*PI*220*t)+0.2*sin(2*PI*277.18*t)+0.2*sin(2*PI*329.63*t):s=44100";
  const made = spawnSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", chords, "-f", "lavfi", "-i", "anoisesrc=c=pink:r=44100:a=0.1:seed=7",
    "-filter_complex", "[1]aformat=channel_layouts=stereo[n];[0][n]amix=inputs=2:normalize=0", "-t", String(seconds), "-c:a", "aac", "-b:a", "128k", file]);
  if (made.status !== 0) throw new Error(made.stderr.toString());
  const frames = readAdtsFrames(new Uint8Array(readFileSync(file))).map((f) => f.payload);
  decodeOurs(frames); // warm up the JIT
  const ours = (await median(5, () => decodeOurs(frames)))!;
  const ff = await median(5, () => ffmpegCpu(["-f", "aac", "-i", file, "-f", "null", "-"]));
  console.log(`AAC-LC decode, 44.1 kHz stereo 128 kb/s, ${seconds} s music-like input (${frames.length} frames)`);
  console.log(`ours:   ${((seconds * 1000) / ours).toFixed(1)}x real time per core (cpu ${ours.toFixed(0)} ms, ${((ours / frames.length) * 1000).toFixed(0)} us/frame)`);
  if (ff !== undefined) console.log(`ffmpeg: ${((seconds * 1000) / ff).toFixed(1)}x real time per core (cpu ${ff.toFixed(0)} ms, incl. reading the file); ours/ffmpeg speed ${(ff / ours).toFixed(2)}`);
  await aacToOpus(frames);
  const path = (await median(3, () => aacToOpus(frames)))!;
  const ffPath = await median(3, () => ffmpegCpu(["-f", "aac", "-i", file, "-ar", "48000", "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", "-f", "null", "-"]));
  console.log(`AAC -> Opus 64 kb/s (decode, resample to 48 kHz, encode): ${(path / (seconds * 10)).toFixed(2)} % of a core per stream`);
  if (ffPath !== undefined) console.log(`ffmpeg aac -> libopus: ${(ffPath / (seconds * 10)).toFixed(2)} % of a core per stream`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
