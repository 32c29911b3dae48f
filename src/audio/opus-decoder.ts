/**
 * Opus packets (RTP payloads, RFC 7587) to PcmBlock through the npm package `opus-decoder`
 * (libopus compiled to WebAssembly, MIT).
 *
 * Packet loss: the package has no frame-size or FEC argument, and an empty packet conceals 120 ms.
 * libopus treats a zero-length frame as lost and conceals exactly the duration its TOC byte names
 * (RFC 6716 section 3.2.1 and opus_decode_frame(): "don't conceal more than what the ToC says"). So
 * a loss of N ms is concealed by feeding 1-byte packets (TOC only, code 0) built from the last good
 * packet's mode and bandwidth, with frame sizes adding up to N ms. Output length therefore always
 * equals the media time it stands for, and timestamps derived from sample counts stay exact.
 */
import { OpusDecoder as WasmOpusDecoder } from "opus-decoder";
import { ParseError } from "../errors.ts";
import type { PcmBlock } from "./pcm.ts";
import { AUDIO_ERR, AudioError } from "./errors.ts";

export type OpusOutputRate = 8000 | 12000 | 16000 | 24000 | 48000;

export interface OpusDecoderOptions {
  /** output channels, 1 or 2 (default 2: WebRTC's opus/48000/2; mono packets are upmixed) */
  readonly channels?: 1 | 2;
  /** output rate; libopus resamples internally (default 48000) */
  readonly sampleRate?: OpusOutputRate;
}

/** Frame duration in 48 kHz samples for each TOC configuration 0..31 (RFC 6716 table 2). */
const CONFIG_SAMPLES = [
  480, 960, 1920, 2880, 480, 960, 1920, 2880, 480, 960, 1920, 2880, // SILK NB/MB/WB 10/20/40/60 ms
  480, 960, 480, 960, // Hybrid SWB/FB 10/20 ms
  120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, 120, 240, 480, 960, // CELT 2.5/5/10/20 ms
];

/** Duration of an Opus packet in 48 kHz samples (RFC 6716 section 3.1); throws ParseError if malformed. */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length < 1) throw new ParseError(AUDIO_ERR.OPUS_EMPTY, "empty Opus packet", 0);
  const toc = packet[0]!;
  const per = CONFIG_SAMPLES[toc >> 3]!;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code === 1 || code === 2) {
    if (code === 1 && (packet.length - 1) % 2 !== 0) {
      throw new ParseError(AUDIO_ERR.OPUS_PACKET, "code 1 Opus packet with an odd payload length", 0);
    }
    if (code === 2 && packet.length < 2) throw new ParseError(AUDIO_ERR.OPUS_PACKET, "code 2 Opus packet without a frame length", 1);
    frames = 2;
  } else {
    if (packet.length < 2) throw new ParseError(AUDIO_ERR.OPUS_PACKET, "code 3 Opus packet without a frame count byte", 1);
    frames = packet[1]! & 0x3f;
    if (frames === 0) throw new ParseError(AUDIO_ERR.OPUS_PACKET, "code 3 Opus packet with zero frames", 1);
  }
  const total = frames * per;
  if (total > 5760) throw new ParseError(AUDIO_ERR.OPUS_PACKET, `Opus packet of ${total / 48} ms exceeds 120 ms`, 1);
  return total;
}

/**
 * TOC byte (code 0) for a lost frame of `samples48` in the same mode and bandwidth as `toc`, or -1
 * when that mode has no such frame size.
 */
function concealToc(toc: number, samples48: number): number {
  const config = toc >> 3;
  let base: number;
  let sizes: number[];
  if (config < 12) [base, sizes] = [config & ~3, [480, 960, 1920, 2880]];
  else if (config < 16) [base, sizes] = [config & ~1, [480, 960]];
  else [base, sizes] = [config & ~3, [120, 240, 480, 960]];
  const idx = sizes.indexOf(samples48);
  return idx < 0 ? -1 : ((base + idx) << 3) | (toc & 0x04);
}

/** Largest frame size (48 kHz samples) that the mode of `toc` offers and that fits in `left`. */
function largestFit(toc: number, left: number): number {
  const config = toc >> 3;
  const sizes = config < 12 ? [2880, 1920, 960, 480] : config < 16 ? [960, 480] : [960, 480, 240, 120];
  return sizes.find((s) => s <= left) ?? 0;
}

export class OpusPacketDecoder {
  readonly sampleRate: OpusOutputRate;
  readonly channels: 1 | 2;
  /** packets the decoder refused (counted; their duration is concealed instead) */
  errors = 0;
  private readonly wasm: WasmOpusDecoder<OpusOutputRate>;
  private lastToc = -1;
  private freed = false;

  private constructor(wasm: WasmOpusDecoder<OpusOutputRate>, sampleRate: OpusOutputRate, channels: 1 | 2) {
    this.wasm = wasm;
    this.sampleRate = sampleRate;
    this.channels = channels;
  }

  /** Creates a decoder; the WebAssembly module loads asynchronously (~20 ms the first time). */
  static async create(options: OpusDecoderOptions = {}): Promise<OpusPacketDecoder> {
    const channels = options.channels ?? 2;
    const sampleRate = options.sampleRate ?? 48000;
    if (![8000, 12000, 16000, 24000, 48000].includes(sampleRate)) {
      throw new AudioError(AUDIO_ERR.RATE, `Opus cannot decode to ${sampleRate} Hz`);
    }
    const wasm = new WasmOpusDecoder<OpusOutputRate>({ channels, sampleRate });
    await wasm.ready;
    return new OpusPacketDecoder(wasm, sampleRate, channels);
  }

  /** Samples per channel at the output rate for `samples48` samples at 48 kHz. */
  private outFrames(samples48: number): number {
    return (samples48 * this.sampleRate) / 48000;
  }

  /**
   * Decode one packet. A malformed packet (or one libopus refuses) is concealed for its nominal
   * duration (20 ms if even that is unreadable) and counted in `errors`.
   */
  decode(packet: Uint8Array): PcmBlock {
    this.checkLive();
    let expect: number;
    try {
      expect = opusPacketSamples(packet);
    } catch {
      this.errors++;
      return this.conceal(960);
    }
    const out = this.wasm.decodeFrame(packet);
    if (out.errors.length > 0 || out.samplesDecoded !== this.outFrames(expect)) {
      this.errors++;
      return this.conceal(expect);
    }
    this.lastToc = packet[0]!;
    return this.block(out.channelData, out.samplesDecoded);
  }

  /**
   * Concealment for `samples48` lost samples (at 48 kHz, e.g. the RTP timestamp gap): exactly that
   * duration at the output rate. Before the first good packet, or for a remainder no Opus frame size
   * fits (under 2.5 ms), the output is silence.
   */
  conceal(samples48: number): PcmBlock {
    this.checkLive();
    const total = this.outFrames(Math.max(0, Math.floor(samples48)));
    const samples = new Float32Array(Math.floor(total) * this.channels);
    let left = Math.max(0, Math.floor(samples48));
    let at = 0;
    while (left > 0 && this.lastToc >= 0) {
      const size = largestFit(this.lastToc, left);
      const toc = size > 0 ? concealToc(this.lastToc, size) : -1;
      if (toc < 0) break;
      const out = this.wasm.decodeFrame(Uint8Array.of(toc));
      const want = this.outFrames(size);
      if (out.samplesDecoded !== want) break;
      for (let c = 0; c < this.channels; c++) {
        const plane = out.channelData[c]!;
        for (let i = 0; i < want; i++) samples[(at + i) * this.channels + c] = plane[i]!;
      }
      at += want;
      left -= size;
    }
    return { sampleRate: this.sampleRate, channels: this.channels, samples };
  }

  /** Release the WebAssembly memory; the decoder cannot be used afterwards. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.wasm.free();
  }

  private checkLive(): void {
    if (this.freed) throw new AudioError(AUDIO_ERR.OPUS_FREED, "Opus decoder used after free()");
  }

  private block(planes: Float32Array[], frames: number): PcmBlock {
    const ch = this.channels;
    const samples = new Float32Array(frames * ch);
    for (let c = 0; c < ch; c++) {
      const plane = planes[c]!;
      for (let i = 0; i < frames; i++) samples[i * ch + c] = plane[i]!;
    }
    return { sampleRate: this.sampleRate, channels: ch, samples };
  }
}
