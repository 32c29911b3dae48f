/**
 * Resampler benchmark: real-time factor per core (audio seconds per CPU second) of 8 -> 48 kHz and
 * 16 -> 48 kHz mono (SIP calls to Opus/AAC) and 44.1 -> 48 kHz stereo (AAC -> Opus), in 20 ms blocks,
 * beside ffmpeg's swresample doing the same conversion of the same raw float input in the same run
 * (ffmpeg's own -benchmark CPU, reading and writing included). Medians of 5 runs.
 *
 *   node --import tsx bench/resampler.bench.ts [seconds, default 60]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Resampler } from "../src/audio/resampler.ts";
import { cpuMs, ffmpegCpu, median } from "./measure.ts";

const seconds = Number(process.argv[2] ?? 60);
const dir = mkdtempSync(join(tmpdir(), "transpond-bench-resampler-"));

function signal(rate: number, channels: number): Float32Array {
  const out = new Float32Array(seconds * rate * channels);
  for (let i = 0; i < out.length; i++) out[i] = 0.4 * Math.sin(i * 0.031) + 0.2 * Math.sin(i * 0.77);
  return out;
}

try {
  console.log(`Resampling ${seconds} s in 20 ms blocks: real-time factor per core (higher is faster)`);
  console.log("conversion | transpond | ffmpeg swresample (same run)");
  for (const [inRate, channels] of [[8000, 1], [16000, 1], [44100, 2]] as const) {
    const input = signal(inRate, channels);
    const block = (inRate / 50) * channels;
    const ours = await median(5, () => {
      const r = new Resampler(inRate, 48000, channels);
      const t = cpuMs();
      for (let i = 0; i < input.length; i += block) r.process(input.subarray(i, i + block));
      return cpuMs() - t;
    });
    const path = join(dir, `in-${inRate}.f32`);
    writeFileSync(path, input);
    const theirs = await median(5, () => ffmpegCpu(["-v", "info", "-f", "f32le", "-ar", String(inRate), "-ac", String(channels), "-i", path, "-ar", "48000", "-f", "f32le", "-y", "/dev/null"]));
    const rtf = (ms: number | undefined): string => (ms === undefined ? "n/a" : `${Math.round((seconds * 1000) / ms)}x`);
    console.log(`${inRate} -> 48000 Hz, ${channels === 1 ? "mono" : "stereo"} | ${rtf(ours)} | ${rtf(theirs)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
