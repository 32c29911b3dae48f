/**
 * Runs ffmpeg with bytes on stdin and returns stdout, for comparing our audio code with ffmpeg's.
 * Only used from e2eSuite(…, ["ffmpeg"]) tests.
 */
import { spawnSync } from "node:child_process";

export function ffmpeg(args: readonly string[], input?: Uint8Array): Uint8Array {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", ...args], {
    input: input ?? new Uint8Array(0),
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.byteLength);
}

/** f32le bytes (ffmpeg `-f f32le`) to samples. */
export function f32FromBytes(bytes: Uint8Array): Float32Array {
  const copy = bytes.slice();
  return new Float32Array(copy.buffer, 0, copy.byteLength >> 2);
}

/** Samples to f32le bytes. */
export function f32ToBytes(samples: Float32Array): Uint8Array {
  return new Uint8Array(samples.slice().buffer);
}
