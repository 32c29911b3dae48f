/**
 * The PCM currency of the audio layer: a block of interleaved float samples in -1..1 at a given
 * rate and channel count, plus the small conversions every codec adapter needs (16-bit integer
 * <-> float, mono <-> stereo). Pure functions; inputs are never changed.
 */

import { AUDIO_ERR, AudioError } from "./errors.ts";

export interface PcmBlock {
  readonly sampleRate: number;
  readonly channels: number;
  /** interleaved samples, nominally -1..1; length is a multiple of `channels` */
  readonly samples: Float32Array;
}

/** Number of sample frames (samples per channel) in a block. */
export function frameCount(block: PcmBlock): number {
  return block.channels > 0 ? Math.floor(block.samples.length / block.channels) : 0;
}

/** Duration of a block in milliseconds. */
export function durationMs(block: PcmBlock): number {
  return (frameCount(block) * 1000) / block.sampleRate;
}

/** A block of `frames` sample frames of silence. */
export function silence(sampleRate: number, channels: number, frames: number): PcmBlock {
  return { sampleRate, channels, samples: new Float32Array(Math.max(0, frames) * channels) };
}

/**
 * Signed 16-bit integers to float, dividing by 32768 (as ffmpeg's s16 -> flt conversion does), so
 * -32768 maps to exactly -1 and 32767 to 0.99997.
 */
export function int16ToFloat(input: Int16Array): Float32Array {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! / 32768;
  return out;
}

/**
 * One float sample to a signed 16-bit value the way ffmpeg converts flt -> s16:
 * lrintf(x * 32768) (round half to even), saturated to -32768..32767.
 */
export function floatToInt16Sample(x: number): number {
  const v = x * 32768;
  const f = Math.floor(v);
  const d = v - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}

/** Float samples to signed 16-bit integers (see floatToInt16Sample). */
export function floatToInt16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = floatToInt16Sample(input[i]!);
  return out;
}

/** Little-endian 16-bit PCM bytes to Int16 samples (an odd trailing byte is ignored). */
export function int16FromLeBytes(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Int16 samples to little-endian bytes. */
export function int16ToLeBytes(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}

/** Stereo (or any multichannel) interleaved samples down to mono by averaging the channels. */
export function downmixToMono(samples: Float32Array, channels: number): Float32Array {
  if (channels === 1) return samples.slice();
  const frames = Math.floor(samples.length / channels);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[f * channels + c]!;
    out[f] = sum / channels;
  }
  return out;
}

/** Mono samples duplicated into `channels` interleaved channels. */
export function upmixFromMono(mono: Float32Array, channels: number): Float32Array {
  if (channels === 1) return mono.slice();
  const out = new Float32Array(mono.length * channels);
  for (let f = 0; f < mono.length; f++) {
    const v = mono[f]!;
    for (let c = 0; c < channels; c++) out[f * channels + c] = v;
  }
  return out;
}

/**
 * Interleaved samples from `from` channels to `to` channels: equal counts copy, mono fans out,
 * anything to mono averages, stereo <-> N keeps the first channels (extra ones are silent).
 */
export function convertChannels(samples: Float32Array, from: number, to: number): Float32Array {
  if (from <= 0 || to <= 0) {
    throw new AudioError(AUDIO_ERR.CHANNELS, `cannot convert ${from} channel(s) to ${to}`);
  }
  if (from === to) return samples.slice();
  if (to === 1) return downmixToMono(samples, from);
  if (from === 1) return upmixFromMono(samples, to);
  const frames = Math.floor(samples.length / from);
  const out = new Float32Array(frames * to);
  const keep = Math.min(from, to);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < keep; c++) out[f * to + c] = samples[f * from + c]!;
  }
  return out;
}

/** A block with its channel count changed (see `convertChannels`). */
export function withChannels(block: PcmBlock, channels: number): PcmBlock {
  if (block.channels === channels) return block;
  return {
    sampleRate: block.sampleRate,
    channels,
    samples: convertChannels(block.samples, block.channels, channels),
  };
}

/** Several blocks of the same format joined into one. */
export function concatBlocks(blocks: readonly PcmBlock[], sampleRate: number, channels: number): PcmBlock {
  let total = 0;
  for (const b of blocks) {
    if (b.sampleRate !== sampleRate || b.channels !== channels) {
      throw new AudioError(
        AUDIO_ERR.FORMAT,
        `cannot join a ${b.sampleRate} Hz/${b.channels} ch block into ${sampleRate} Hz/${channels} ch`,
      );
    }
    total += b.samples.length;
  }
  const out = new Float32Array(total);
  let at = 0;
  for (const b of blocks) {
    out.set(b.samples, at);
    at += b.samples.length;
  }
  return { sampleRate, channels, samples: out };
}
