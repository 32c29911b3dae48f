/**
 * AAC-LC encoder (ISO/IEC 14496-3) in TypeScript: MDCT with sine windows and block switching,
 * a band-energy psychoacoustic model, a rate loop with a bit reservoir, M/S stereo, Huffman coding.
 *
 * Input is interleaved float PCM (-1..1). Every frame codes 1024 samples per channel. The encoder
 * delay (priming) is 1024 samples: the first decoded frame is silence and input sample n comes out
 * of the decoder as output sample n + 1024, i.e. frame k (from 0) decodes to input samples
 * [1024 (k - 1), 1024 k). `encode()` also holds one frame of look-ahead for block switching, so
 * frame k comes out once 1024 (k + 2) samples have been given; `flush()` pads with silence until
 * every sample given has been coded (ceil(n / 1024) + 1 frames in all), then the encoder starts over.
 */

import { encodeAudioSpecificConfig } from "./adts.ts";
import { bandTables, type BandTables } from "./bands.ts";
import { encodeRawDataBlock } from "./bitstream.ts";
import { detectAttack, nextSequence, shortGroups } from "./block-switch.ts";
import { buildLayout, interleaveShort, isShort, maxSfbFor, type IcsLayout } from "./layout.ts";
import { Mdct } from "./mdct.ts";
import { analyseBands, BandScratch, thresholdsInQuiet, NOISE_SHAPE_ALPHA } from "./psy.ts";
import { BitReservoir, ChannelWorkspace, fitFrame, type ChannelJob } from "./rate-control.ts";
import { applyMidSide } from "./stereo.ts";
import { LONG_WINDOWS, SINE_SHORT, WindowSequence, shortWindowStart } from "./windows.ts";
import { AUDIO_ERR, AudioError } from "../errors.ts";
import { AAC_FRAME_SAMPLES } from "../../codecs/aac-config.ts";

export { encodeAudioSpecificConfig, toAdts } from "./adts.ts";

export interface AacEncoderOptions {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  /** Bits per second; default 64 kb/s per channel. */
  readonly bitrate?: number;
}

export { AAC_FRAME_SAMPLES };
/** Decoder output lags the input by this many samples per channel. */
export const AAC_ENCODER_DELAY = 1024;

/** Sample value of 0 dBFS inside the encoder (16-bit scale times the MDCT's factor 2). */
const FULL_SCALE = 65536;
/** History (1024) + this frame (1024) + look-ahead (1024). */
const NEEDED = 3072;

/** The audio bandwidth for a bitrate (about 17.3 kHz at 64 kb/s per channel, as FFmpeg's encoder codes). */
export function cutoffFor(bitrate: number, channels: number, sampleRate: number): number {
  const perChannel = bitrate / channels;
  return Math.min(
    Math.max(perChannel / 5, (perChannel * 15) / 32 - 5500),
    3000 + perChannel / 4,
    12000 + perChannel / 12,
    22000,
    sampleRate / 2,
  );
}

export class AacEncoder {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly bitrate: number;
  private readonly tables: BandTables;
  private readonly maxSfbLong: number;
  private readonly maxSfbShort: number;
  private readonly longMdct = new Mdct(2048);
  private readonly shortMdct = new Mdct(256);
  private readonly buffers: Float32Array[];
  private filled = 0;
  private given = 0;
  private emitted = 0;
  private prevSeq: WindowSequence = WindowSequence.ONLY_LONG;
  private gain = 0;
  private reservoir: BitReservoir;
  private readonly specs: Float64Array[];
  private readonly shortSpec = new Float64Array(1024);
  private readonly workspaces: ChannelWorkspace[];
  private readonly scratch: BandScratch[];
  private readonly layouts = new Map<string, IcsLayout>();
  private readonly quietLong: Float64Array;
  private readonly quietShort: Float64Array;

  constructor(options: AacEncoderOptions) {
    const { sampleRate, channels } = options;
    this.tables = bandTables(sampleRate);
    if (channels !== 1 && channels !== 2) throw new AudioError(AUDIO_ERR.AAC_CHANNELS, `AAC encoder: ${String(channels)} channels (1 or 2 supported)`);
    const bitrate = options.bitrate ?? 64000 * channels;
    const max = Math.floor((6144 * channels * sampleRate) / 1024);
    if (!Number.isFinite(bitrate) || bitrate < 8000 || bitrate > max) {
      throw new AudioError(AUDIO_ERR.AAC_BITRATE, `AAC encoder: bitrate ${bitrate} b/s outside 8000..${max} for ${channels} channel(s) at ${sampleRate} Hz`);
    }
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.bitrate = bitrate;
    const cutoff = cutoffFor(bitrate, channels, sampleRate);
    this.maxSfbLong = maxSfbFor(this.tables.long, 1024, sampleRate, cutoff);
    this.maxSfbShort = maxSfbFor(this.tables.short, 128, sampleRate, cutoff);
    this.buffers = Array.from({ length: channels }, () => new Float32Array(NEEDED + AAC_FRAME_SAMPLES));
    this.specs = Array.from({ length: channels }, () => new Float64Array(1024));
    this.workspaces = Array.from({ length: channels }, () => new ChannelWorkspace());
    this.scratch = Array.from({ length: channels }, () => new BandScratch());
    this.reservoir = new BitReservoir(bitrate, sampleRate, channels);
    this.quietLong = thresholdsInQuiet(this.tables.long, 2048, sampleRate, FULL_SCALE);
    this.quietShort = thresholdsInQuiet(this.tables.short, 256, sampleRate, FULL_SCALE);
    this.reset();
  }

  /** The 2-byte AudioSpecificConfig (AAC-LC, this rate and channel count). */
  audioSpecificConfig(): Uint8Array {
    return encodeAudioSpecificConfig({ sampleRate: this.sampleRate, channels: this.channels });
  }

  /**
   * Codes interleaved samples (values past +-1 are clipped, NaN is silence; a trailing partial
   * sample frame is ignored); returns the raw frames completed (0..n), buffering the rest.
   */
  encode(pcm: Float32Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const ch = this.channels;
    const total = Math.floor(pcm.length / ch);
    let read = 0;
    while (read < total) {
      const n = Math.min(total - read, NEEDED - this.filled);
      for (let c = 0; c < ch; c++) {
        const buf = this.buffers[c]!;
        for (let i = 0; i < n; i++) {
          const v = pcm[(read + i) * ch + c]!;
          // Clip to full scale; NaN becomes silence.
          buf[this.filled + i] = (v > 1 ? 1 : v < -1 ? -1 : v === v ? v : 0) * FULL_SCALE;
        }
      }
      this.filled += n;
      read += n;
      this.given += n;
      if (this.filled === NEEDED) frames.push(this.frame());
    }
    return frames;
  }

  /** Codes what is buffered, padded with silence, so every sample given comes out; then resets. */
  flush(): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const needed = this.given === 0 ? 0 : Math.ceil(this.given / AAC_FRAME_SAMPLES) + 1;
    while (this.emitted < needed) {
      for (const buf of this.buffers) buf.fill(0, this.filled, NEEDED);
      this.filled = NEEDED;
      frames.push(this.frame());
    }
    this.reset();
    return frames;
  }

  private reset(): void {
    for (const buf of this.buffers) buf.fill(0);
    this.filled = AAC_FRAME_SAMPLES; // the priming history
    this.given = 0;
    this.emitted = 0;
    this.prevSeq = WindowSequence.ONLY_LONG;
    this.gain = 0;
    this.reservoir = new BitReservoir(this.bitrate, this.sampleRate, this.channels);
  }

  private frame(): Uint8Array {
    let attackNow = -1;
    let shortNext = false;
    for (const buf of this.buffers) {
      const a = detectAttack(buf, 0, FULL_SCALE);
      if (a >= 0 && (attackNow < 0 || a < attackNow)) attackNow = a;
      if (detectAttack(buf, AAC_FRAME_SAMPLES, FULL_SCALE) >= 0) shortNext = true;
    }
    const seq = nextSequence(this.prevSeq, attackNow >= 0, shortNext);
    this.prevSeq = seq;
    const short = isShort(seq);
    const layout = this.layout(seq, short ? shortGroups(attackNow) : [1]);
    for (let c = 0; c < this.channels; c++) this.transform(this.buffers[c]!, layout, this.specs[c]!);
    let ms: Uint8Array | undefined;
    let offset: Float64Array | undefined;
    if (this.channels === 2) ({ ms, offset } = applyMidSide(layout, this.specs[0]!, this.specs[1]!));
    const jobs: ChannelJob[] = this.specs.map((spec, c) => ({
      layout,
      spec,
      analysis: analyseBands(layout, spec, short ? this.quietShort : this.quietLong, NOISE_SHAPE_ALPHA, this.scratch[c]),
      ...(offset ? { shapeOffset: offset } : {}),
    }));
    const overhead = 3 + 7; // END and byte alignment
    const result = fitFrame(jobs, this.workspaces, ms, this.reservoir.budget(short) - overhead, this.gain);
    this.gain = result.gain;
    const fill = this.reservoir.fillBytesFor(Math.ceil((result.bits + 3) / 8) * 8);
    const out = encodeRawDataBlock(result.channels, ms, fill);
    this.reservoir.commit(out.length * 8);
    // Slide: drop the oldest 1024 samples.
    for (const buf of this.buffers) buf.copyWithin(0, AAC_FRAME_SAMPLES, NEEDED);
    this.filled -= AAC_FRAME_SAMPLES;
    this.emitted++;
    return out;
  }

  private layout(seq: WindowSequence, groups: number[]): IcsLayout {
    const key = `${seq}:${groups.join(",")}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = buildLayout(this.tables, seq, groups, isShort(seq) ? this.maxSfbShort : this.maxSfbLong);
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private transform(buf: Float32Array, layout: IcsLayout, spec: Float64Array): void {
    const seq = layout.windowSequence;
    if (seq === WindowSequence.EIGHT_SHORT) {
      const raw = this.shortSpec;
      for (let w = 0; w < 8; w++) this.shortMdct.forward(buf, shortWindowStart(w), SINE_SHORT, raw, w * 128);
      interleaveShort(layout, raw, spec);
      return;
    }
    this.longMdct.forward(buf, 0, LONG_WINDOWS[seq], spec, 0);
    spec.fill(0, layout.bandEnd[layout.bandEnd.length - 1] ?? 0);
  }
}
