/**
 * Speex wideband encoder benchmark (issue 18). Input: espeak-ng speech looped to the wanted length,
 * 16 kHz mono. Prints our encoder's real-time factor per core at the product's one setting (quality
 * 6, complexity 3, two 20 ms frames per FLV message; median of 5 runs after a warm-up) beside
 * ffmpeg's libspeex encoding the same samples with the same settings in the same run (its -benchmark
 * CPU time, median of 5, reading the file included).
 *
 *   node --import tsx bench/speex-encode.bench.ts [seconds]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SPEEX_ENCODE_QUALITY, SPEEX_FRAMES_PER_PACKET, SpeexWidebandEncoder } from "../src/audio/speex/encoder.ts";
import { SPEEX_WB_FRAME_SAMPLES } from "../src/codecs/speex.ts";
import { cpuMs, ffmpegCpu, median } from "./measure.ts";

const seconds = Number(process.argv[2] ?? 60);
const dir = mkdtempSync(join(tmpdir(), "bench-speex-encode-"));
const PACKET_SAMPLES = SPEEX_WB_FRAME_SAMPLES * SPEEX_FRAMES_PER_PACKET;

function encodeOurs(pcm: Float32Array): number {
  const enc = new SpeexWidebandEncoder();
  const c0 = cpuMs();
  for (let at = 0; at + PACKET_SAMPLES <= pcm.length; at += PACKET_SAMPLES) enc.encode(pcm.subarray(at, at + PACKET_SAMPLES));
  return cpuMs() - c0;
}

try {
  const wav = join(dir, "speech.wav");
  const said = spawnSync("espeak-ng", ["-w", wav, "The quick brown fox jumps over the lazy dog. Speex carried the voice of Flash Player to media servers for a decade."]);
  if (said.status !== 0) throw new Error(said.stderr.toString());
  const raw = join(dir, "speech.raw");
  const made = spawnSync("ffmpeg", ["-v", "error", "-y", "-stream_loop", "-1", "-i", wav, "-t", String(seconds), "-ar", "16000", "-ac", "1", "-f", "s16le", raw]);
  if (made.status !== 0) throw new Error(made.stderr.toString());
  const bytes = readFileSync(raw);
  const pcm = Float32Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1), (x) => x / 32768);
  const frames = Math.floor(pcm.length / PACKET_SAMPLES) * SPEEX_FRAMES_PER_PACKET;
  encodeOurs(pcm); // warm up the JIT
  const ours = (await median(5, () => encodeOurs(pcm)))!;
  const ff = await median(5, () => ffmpegCpu(["-f", "s16le", "-ar", "16000", "-ac", "1", "-i", raw, "-c:a", "libspeex", "-cbr_quality", String(SPEEX_ENCODE_QUALITY), "-frames_per_packet", String(SPEEX_FRAMES_PER_PACKET), "-f", "null", "-"]));
  console.log(`Speex wideband encode, quality ${SPEEX_ENCODE_QUALITY}, ${seconds} s of speech (${frames} frames of 20 ms)`);
  console.log(`  Transpond: ${((seconds * 1000) / ours).toFixed(0)}x real time per core (${((ours * 1000) / frames).toFixed(0)} us per 20 ms frame)`);
  console.log(`  ffmpeg libspeex: ${ff === undefined ? "n/a" : `${((seconds * 1000) / ff).toFixed(0)}x (${((ff * 1000) / frames).toFixed(0)} us per frame)`}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
