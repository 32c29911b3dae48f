/**
 * Helpers for the AAC encoder tests: run ffmpeg/ffprobe on bytes, encode whole signals, and measure
 * SNR after aligning for the encoder delay.
 */
import { spawnSync } from "node:child_process";
import { AacEncoder, toAdts, type AacEncoderOptions } from "../../../src/audio/aac/index.ts";

export interface RunResult {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly status: number | null;
}

export function run(program: string, args: string[], input?: Uint8Array): RunResult {
  const r = spawnSync(program, args, { input, maxBuffer: 512 * 1024 * 1024 });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}

function f32(buf: Buffer): Float32Array {
  const copy = new Uint8Array(buf.length - (buf.length % 4));
  copy.set(buf.subarray(0, copy.length));
  return new Float32Array(copy.buffer);
}

/** Decodes an ADTS stream with ffmpeg, failing on any decoder error (-err_detect explode). */
export function ffmpegDecode(adts: Uint8Array): { pcm: Float32Array; stderr: string; status: number | null } {
  const r = run("ffmpeg", ["-v", "error", "-err_detect", "explode", "-f", "aac", "-i", "pipe:0", "-f", "f32le", "pipe:1"], adts);
  return { pcm: f32(r.stdout), stderr: r.stderr, status: r.status };
}

/** Generates interleaved float PCM with ffmpeg from lavfi (or any) input arguments. */
export function ffmpegPcm(inputArgs: string[], sampleRate: number, channels: number): Float32Array {
  const r = run("ffmpeg", ["-v", "error", ...inputArgs, "-ar", String(sampleRate), "-ac", String(channels), "-f", "f32le", "pipe:1"]);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return f32(r.stdout);
}

/** Encodes with ffmpeg's native AAC encoder to ADTS. */
export function ffmpegEncode(pcm: Float32Array, sampleRate: number, channels: number, bitrate: number): Uint8Array {
  const input = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const r = run("ffmpeg", ["-v", "error", "-f", "f32le", "-ar", String(sampleRate), "-ac", String(channels), "-i", "pipe:0", "-c:a", "aac", "-b:a", String(bitrate), "-f", "adts", "pipe:1"], input);
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

/** Encodes a whole signal with our encoder (encode in `chunk`-sample pieces, then flush). */
export function encodeAll(pcm: Float32Array, options: AacEncoderOptions, chunk = 960): Uint8Array[] {
  const enc = new AacEncoder(options);
  const frames: Uint8Array[] = [];
  const step = chunk * options.channels;
  for (let i = 0; i < pcm.length; i += step) frames.push(...enc.encode(pcm.subarray(i, i + step)));
  frames.push(...enc.flush());
  return frames;
}

export function adtsStream(frames: readonly Uint8Array[], options: { sampleRate: number; channels: number }): Uint8Array {
  const parts = frames.map((f) => toAdts(f, options));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * The lag (0..maxLag samples per channel) that best aligns `decoded` with `reference`, by
 * correlating channel 0 over the first and the last 10000 samples (onset and end break the ties of
 * periodic signals).
 */
export function bestLag(reference: Float32Array, decoded: Float32Array, channels: number, maxLag = 2600): number {
  const n = Math.floor(reference.length / channels);
  const m = Math.floor(decoded.length / channels);
  const head = Math.min(n, 10000);
  const tail = Math.max(head, n - 10000);
  let best = -Infinity;
  let lag = 0;
  for (let l = 0; l <= maxLag; l++) {
    let s = 0;
    for (let i = 0; i < head && i + l < m; i++) s += reference[i * channels]! * decoded[(i + l) * channels]!;
    for (let i = tail; i < n && i + l < m; i++) s += reference[i * channels]! * decoded[(i + l) * channels]!;
    if (s > best) {
      best = s;
      lag = l;
    }
  }
  return lag;
}

/** SNR in dB of `decoded` (shifted by `lag` samples per channel) against `reference`. */
export function snrDb(reference: Float32Array, decoded: Float32Array, channels: number, lag: number): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    const x = reference[i]!;
    const y = decoded[i + lag * channels] ?? 0;
    signal += x * x;
    noise += (x - y) * (x - y);
  }
  return 10 * Math.log10(signal / noise);
}

export function totalBytes(frames: readonly Uint8Array[]): number {
  return frames.reduce((n, f) => n + f.length, 0);
}
