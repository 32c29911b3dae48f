/**
 * AAC-LC encoder benchmark: stereo 48 kHz at 128 kb/s on a music-like signal (chords + noise).
 * Prints real-time factor per core (audio seconds per CPU second) and memory per encoder, beside
 * FFmpeg's native `aac` encoder on the same input in the same run (its own -benchmark CPU time).
 *
 *   node --import tsx bench/audio-aac.bench.ts [seconds]
 */
import { spawnSync } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AacEncoder } from "../src/audio/aac/index.ts";

const RATE = 48000;
const CHANNELS = 2;
const BITRATE = 128000;
const seconds = Number(process.argv[2] ?? 30);

function musicLike(secs: number): Float32Array {
  const n = secs * RATE;
  const out = new Float32Array(n * CHANNELS);
  let s = 1;
  let pinkL = 0;
  const chords = [[261.63, 329.63, 392], [220, 277.18, 329.63]];
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const beat = (t * 2) % 1;
    for (let c = 0; c < CHANNELS; c++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      pinkL = 0.97 * pinkL + 0.03 * (s / 1073741824 - 1);
      let v = 0;
      for (const f of chords[c]!) v += 0.18 * Math.sin(2 * Math.PI * f * t);
      v += 0.5 * Math.exp(-60 * beat) * Math.sin(2 * Math.PI * 180 * t) + 0.6 * pinkL;
      out[i * CHANNELS + c] = v;
    }
  }
  return out;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function encodeOurs(pcm: Float32Array): { cpu: number; wall: number; bytes: number } {
  const enc = new AacEncoder({ sampleRate: RATE, channels: CHANNELS, bitrate: BITRATE });
  const chunk = 960 * CHANNELS; // 20 ms, as from a WebRTC Opus decoder
  let bytes = 0;
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < pcm.length; i += chunk) for (const f of enc.encode(pcm.subarray(i, i + chunk))) bytes += f.length;
  for (const f of enc.flush()) bytes += f.length;
  return { cpu: cpuMs() - c0, wall: performance.now() - t0, bytes };
}

function ffmpegCpu(pcm: Float32Array, args: string[]): number | undefined {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-benchmark", "-f", "f32le", "-ar", String(RATE), "-ac", String(CHANNELS), "-i", "pipe:0", ...args, "-f", "null", "-"], {
    input: new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
    maxBuffer: 64 * 1024 * 1024,
  });
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(r.stderr?.toString() ?? "");
  return m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined;
}

function memoryPerEncoder(count: number): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  const before = process.memoryUsage();
  const encoders: AacEncoder[] = [];
  const warm = musicLike(0.2);
  for (let i = 0; i < count; i++) {
    const e = new AacEncoder({ sampleRate: RATE, channels: CHANNELS, bitrate: BITRATE });
    e.encode(warm);
    encoders.push(e);
  }
  gc();
  const after = process.memoryUsage();
  const delta = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  if (encoders.length !== count) throw new Error("unreachable");
  return delta / count;
}

const pcm = musicLike(seconds);
encodeOurs(musicLike(3)); // warm up the JIT
const ours = encodeOurs(pcm);
const kbps = (ours.bytes * 8) / seconds / 1000;
console.log(`AAC-LC stereo 48 kHz ${BITRATE / 1000} kb/s, ${seconds} s music-like input`);
console.log(`ours:   ${(seconds * 1000 / ours.cpu).toFixed(1)}x real time per core (cpu ${ours.cpu.toFixed(0)} ms, wall ${ours.wall.toFixed(0)} ms, ${(ours.cpu / (seconds * RATE / 1024) * 1000).toFixed(0)} us/frame), ${kbps.toFixed(1)} kb/s`);
const ff = ffmpegCpu(pcm, ["-c:a", "aac", "-b:a", "128k"]);
const ffFast = ffmpegCpu(pcm, ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "128k"]);
const ffDecodeOnly = ffmpegCpu(pcm, ["-c:a", "pcm_f32le"]);
if (ff === undefined) console.log("ffmpeg: not available");
else {
  const base = ffDecodeOnly ?? 0;
  console.log(`ffmpeg aac (twoloop): ${(seconds * 1000 / (ff - base)).toFixed(1)}x real time per core (cpu ${ff.toFixed(0)} ms incl. ${base.toFixed(0)} ms reading input)`);
  if (ffFast !== undefined) console.log(`ffmpeg aac (fast):    ${(seconds * 1000 / (ffFast - base)).toFixed(1)}x real time per core`);
}
const mem = memoryPerEncoder(50);
console.log(`memory per encoder: ${(mem / 1024).toFixed(0)} KiB (heap + array buffers, 50 live encoders)`);
