/**
 * PCM to Opus packets (RFC 6716) through the npm package `@evan/opus`: libopus compiled to
 * WebAssembly (with a SIMD build where the engine has SIMD). Only its WebAssembly entry is loaded,
 * never its native addons. 48 kHz, 20 ms frames (960 samples per channel), as WebRTC plays them.
 *
 * A pure block -> packets processor: `encode` buffers the samples that do not fill a frame;
 * `flush` pads the last frame with silence. No I/O, no timers (the wasm module loads on first use).
 */
import { createRequire } from "node:module";

import { floatToInt16 } from "./pcm.ts";
import { AUDIO_ERR, AudioError } from "./errors.ts";

export const OPUS_RATE = 48000;
/** Samples per channel in one 20 ms frame. */
export const OPUS_FRAME_SAMPLES = 960;
export const OPUS_MIN_BITRATE = 6000;
export const OPUS_MAX_BITRATE = 510000;
/** From libopus's opus_defines.h. */
const OPUS_SET_BITRATE_REQUEST = 4002;

/** The part of @evan/opus's WebAssembly entry used here (its typings omit `drop`). */
interface WasmEncoder {
  /** opus_encoder_ctl: a setter with `value`, a getter without. */
  ctl(request: number, value?: number): number;
  encode(pcm: Int16Array): Uint8Array;
  drop(): void;
}
interface OpusWasm {
  Encoder: new (options: { channels: 1 | 2; sample_rate: number; application: "audio" }) => WasmEncoder;
}
let wasm: OpusWasm | undefined;

function opusWasm(): OpusWasm {
  wasm ??= createRequire(import.meta.url)("@evan/opus/wasm/index.js") as OpusWasm;
  return wasm;
}

export interface OpusEncoderOptions {
  readonly channels: 1 | 2;
  /** bits per second (6000..510000) */
  readonly bitrate: number;
}

export class OpusPacketEncoder {
  readonly channels: 1 | 2;
  readonly bitrate: number;
  private readonly encoder: WasmEncoder;
  private readonly frame: Float32Array;
  private filled = 0;
  private closed = false;

  constructor(options: OpusEncoderOptions) {
    const { channels, bitrate } = options;
    if (channels !== 1 && channels !== 2) throw new AudioError(AUDIO_ERR.OPUS_CHANNELS, `Opus encoder: ${String(channels)} channels (1 or 2)`);
    if (!Number.isInteger(bitrate) || bitrate < OPUS_MIN_BITRATE || bitrate > OPUS_MAX_BITRATE) {
      throw new AudioError(AUDIO_ERR.OPUS_BITRATE, `Opus encoder: bitrate ${bitrate} outside ${OPUS_MIN_BITRATE}..${OPUS_MAX_BITRATE}`);
    }
    this.channels = channels;
    this.bitrate = bitrate;
    this.encoder = new (opusWasm().Encoder)({ channels, sample_rate: OPUS_RATE, application: "audio" });
    this.encoder.ctl(OPUS_SET_BITRATE_REQUEST, bitrate);
    this.frame = new Float32Array(OPUS_FRAME_SAMPLES * channels);
  }

  /** Interleaved 48 kHz samples in; the 20 ms packets they complete out. */
  encode(pcm: Float32Array): Uint8Array[] {
    if (this.closed) throw new AudioError(AUDIO_ERR.OPUS_CLOSED, "Opus encoder is closed");
    const packets: Uint8Array[] = [];
    let read = 0;
    while (read < pcm.length) {
      const n = Math.min(pcm.length - read, this.frame.length - this.filled);
      this.frame.set(pcm.subarray(read, read + n), this.filled);
      this.filled += n;
      read += n;
      if (this.filled === this.frame.length) packets.push(this.encodeFrame());
    }
    return packets;
  }

  /** Pads what is buffered to a whole frame (none if nothing is). */
  flush(): Uint8Array[] {
    if (this.filled === 0 || this.closed) return [];
    this.frame.fill(0, this.filled);
    this.filled = this.frame.length;
    return [this.encodeFrame()];
  }

  /** Frees the encoder's WebAssembly memory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.encoder.drop();
  }

  private encodeFrame(): Uint8Array {
    this.filled = 0;
    return this.encoder.encode(floatToInt16(this.frame));
  }
}
