/**
 * The audio path of one outgoing stream (a transponder, a SIP leg): input AudioFrames (OPUS, PCMA,
 * PCMU, AAC, SPEEX) -> decode -> mixer (resample, mute, sound injection, limiter) -> AAC, G.711, Speex
 * (16 kHz, two 20 ms frames per message as Flash sent them) or Opus (48 kHz, 20 ms) encode -> output
 * AudioFrames with continuous timestamps counted in samples from an anchor.
 *
 * Passthrough: when the source codec is the target codec (G.711 at 8 kHz mono; AAC as it comes) and
 * nothing is muted or mixed, frames go out untouched. Turning mute or a sound on switches to the
 * decode path, anchored at the end of the last frame sent; turning both off returns to passthrough
 * once the encoder is drained, dropping source frames that would overlap what was already sent, so
 * DTS never goes back.
 *
 * Losses: a gap in source timestamps of JITTER_MS or more (up to MAX_FILL_MS) is filled with Opus
 * concealment of exactly the missing duration, or silence for G.711 and AAC, so the output clock
 * never jumps; a smaller gap is timestamp jitter (RTMP's whole milliseconds) and fills nothing. A
 * larger gap re-anchors the output at the new time. A source with no audio at all (video-only publisher,
 * SIP call without audio) produces silence on the caller's clock with `tick(nowMs)`.
 *
 * Opus to Opus always passes: muting sends Opus silence packets, and no sound can be mixed in.
 * Speex is decoded (a corrupt packet decodes to nothing, its time filled as a gap) and encoded from
 * any other source; Speex to Speex always passes, and muting it sends Speex silence frames instead.
 *
 * Pure apart from the Opus WebAssembly decoder and encoder: no timers, no I/O. Call `close()` at the end.
 */
import type { AudioCodec, AudioConfig, AudioFrame } from "../codecs/frame.ts";
import { ParseError } from "../errors.ts";
import { AacDecoder } from "./aac/decoder.ts";
import { AAC_FRAME_SAMPLES, AacEncoder } from "./aac/index.ts";
import { decodeG711Float, encodeG711Float } from "./g711.ts";
import { SPEEX_WB_FRAME_SAMPLES, SPEEX_WB_SAMPLE_RATE, speexPacketInfo } from "../codecs/speex.ts";
import { AudioMixer } from "./mixer.ts";
import { SpeexWidebandDecoder } from "./speex/decoder.ts";
import { SPEEX_FRAMES_PER_PACKET, SpeexWidebandEncoder } from "./speex/encoder.ts";
import { speexSilence } from "./speex/silence.ts";
import { OpusPacketDecoder, opusPacketSamples } from "./opus-decoder.ts";
import { OPUS_FRAME_SAMPLES, OPUS_RATE, OpusPacketEncoder } from "./opus-encoder.ts";
import type { PcmBlock } from "./pcm.ts";
import { AUDIO_ERR, AudioError } from "./errors.ts";

export interface AudioTarget {
  readonly codec: "AAC" | "PCMA" | "PCMU" | "OPUS" | "SPEEX";
  /** AAC only; G.711 is always 8 kHz, Opus 48 kHz (default 48000) */
  readonly sampleRate?: number;
  /** AAC and Opus; G.711 is always mono (default 2; Opus from a mono source: 1) */
  readonly channels?: 1 | 2;
  /** AAC bits per second (default 128000 stereo, 64000 mono); Opus (default OPUS_DEFAULT_BITRATE) */
  readonly bitrate?: number;
  /** G.711 packet duration, ms (default 20) */
  readonly ptimeMs?: number;
}

export interface TranscoderOptions {
  /** the source track; undefined when the source has no audio (silence is generated with tick) */
  readonly source: AudioConfig | undefined;
  readonly target: AudioTarget;
  /** output time of the first frame when the source has no audio, ms (default 0) */
  readonly startMs?: number;
}

/**
 * An Opus packet of silence lasting `durationMs` (multiples of 20 ms: CELT fullband frames whose
 * payload 0xff 0xfe sets the silence flag), for muting an Opus passthrough that cannot be re-encoded.
 * Other durations keep the original packet.
 */
export function opusSilence(original: Uint8Array, durationMs: number): Uint8Array {
  const k = Math.round(durationMs / 20);
  if (k < 1 || k > 6 || Math.abs(k * 20 - durationMs) > 0.01) return original;
  if (k === 1) return Uint8Array.of(0xf8, 0xff, 0xfe);
  const out = new Uint8Array(2 + 2 * k);
  out[0] = 0xfb; // config 31 (CELT FB 20 ms), code 3
  out[1] = k; // CBR, no padding
  for (let i = 0; i < k; i++) out.set([0xff, 0xfe], 2 + 2 * i);
  return out;
}

/** A gap in the source larger than this re-anchors the output instead of being filled. */
export const MAX_FILL_MS = 10_000;
/** A gap in the source smaller than this is jitter, not loss. */
export const JITTER_MS = 2;
export const OPUS_DEFAULT_BITRATE = 64000;
const G711_RATE = 8000;

type Decoder =
  | { kind: "opus"; opus: OpusPacketDecoder }
  | { kind: "g711"; law: "PCMA" | "PCMU" }
  | { kind: "aac"; aac: AacDecoder }
  | { kind: "speex"; speex: SpeexWidebandDecoder };

export class AudioTranscoder {
  readonly source: AudioConfig | undefined;
  /** the track config of what comes out (AAC: with its AudioSpecificConfig) */
  readonly output: AudioConfig;
  /** source frames dropped (overlapping, or out of order) */
  dropped = 0;
  private readonly target: Required<Pick<AudioTarget, "codec">> & AudioTarget;
  private readonly decoder: Decoder | undefined;
  private readonly outRate: number;
  private readonly outChannels: number;
  private mixer: AudioMixer | undefined;
  private encoder: AacEncoder | undefined;
  private opusEncoder: OpusPacketEncoder | undefined;
  private speexEncoder: SpeexWidebandEncoder | undefined;
  /** G.711 and Speex: samples waiting for a whole packet */
  private pcmPending: Float32Array[] = [];
  private pcmPendingSamples = 0;
  /** output time anchor (ms) and output frames encoded since */
  private anchorMs = 0;
  private framesOut = 0;
  /** source time (ms) expected next, or undefined before the first frame */
  private expectMs: number | undefined;
  /** end time (ms) of everything sent so far */
  private sentUntil = -Infinity;
  private muted = false;
  private soundPlaying = false;
  /** whether the decode path's timeline has been tied to source time */
  private anchored = false;
  private passing: boolean;

  private constructor(options: TranscoderOptions, decoder: Decoder | undefined, output: AudioConfig) {
    this.source = options.source;
    this.target = options.target;
    this.decoder = decoder;
    this.output = output;
    this.outRate = output.sampleRate;
    this.outChannels = output.channels;
    this.passing = this.canPass();
    if (!options.source) {
      this.startDecodePath(options.startMs ?? 0);
      this.anchored = true;
    }
  }

  static async create(options: TranscoderOptions): Promise<AudioTranscoder> {
    const { source, target } = options;
    const g711 = target.codec === "PCMA" || target.codec === "PCMU";
    const speex = target.codec === "SPEEX";
    const rate = g711 ? G711_RATE : speex ? SPEEX_WB_SAMPLE_RATE : target.codec === "OPUS" ? OPUS_RATE : (target.sampleRate ?? 48000);
    const opusChannels = source?.channels === 1 ? 1 : 2;
    const channels = g711 || speex ? 1 : (target.channels ?? (target.codec === "OPUS" ? opusChannels : 2));
    let output: AudioConfig = { codec: target.codec, sampleRate: rate, channels };
    if (target.codec === "AAC") {
      if (source?.codec === "AAC" && source.asc && !target.sampleRate && !target.channels) {
        // AAC passthrough keeps the source's config
        output = { codec: "AAC", sampleRate: source.sampleRate, channels: source.channels, asc: source.asc };
      } else {
        const probe = new AacEncoder({ sampleRate: rate, channels: channels as 1 | 2, bitrate: target.bitrate });
        output = { ...output, asc: probe.audioSpecificConfig() };
      }
    }
    let decoder: Decoder | undefined;
    if (source?.codec === "OPUS" && target.codec !== "OPUS") {
      const opusRate = g711 ? 8000 : speex ? SPEEX_WB_SAMPLE_RATE : 48000;
      decoder = { kind: "opus", opus: await OpusPacketDecoder.create({ sampleRate: opusRate, channels: g711 ? 1 : (channels as 1 | 2) }) };
    } else if (source?.codec === "PCMA" || source?.codec === "PCMU") {
      decoder = { kind: "g711", law: source.codec };
    } else if (source?.codec === "SPEEX" && !speex) {
      decoder = { kind: "speex", speex: new SpeexWidebandDecoder() };
    } else if (source?.codec === "AAC") {
      const aac = source.asc ? AacDecoder.fromAudioSpecificConfig(source.asc) : new AacDecoder({ sampleRate: source.sampleRate, channels: source.channels as 1 | 2 });
      decoder = { kind: "aac", aac };
    }
    return new AudioTranscoder(options, decoder, output);
  }

  /** True while frames pass through without decoding. */
  get passthrough(): boolean {
    return this.passing;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    this.mixer?.setMuted(muted);
  }

  /** Mix `sound` into the output, once or looped, from now on. */
  soundOn(sound: PcmBlock, loop: boolean): void {
    if (this.alwaysPasses()) throw new AudioError(AUDIO_ERR.NO_ENCODER, `cannot mix into an ${this.target.codec} passthrough`);
    this.soundPlaying = true;
    this.leavePassthrough();
    this.mixer!.soundOn(sound, loop);
  }

  soundOff(): void {
    this.soundPlaying = false;
    this.mixer?.soundOff();
  }

  /** One source frame in; zero or more output frames out. */
  push(frame: AudioFrame): AudioFrame[] {
    if (!this.source) return [];
    if (frame.codec !== this.source.codec) {
      throw new AudioError(AUDIO_ERR.CODEC, `audio frame is ${frame.codec}, the track is ${this.source.codec}`);
    }
    const duration = this.durationMs(frame);
    // RTMP and FLV carry whole milliseconds: a 23.22 ms AAC frame may start up to 1 ms "early".
    const slack = duration / 2;
    if (this.expectMs !== undefined && frame.pts + duration <= this.expectMs - slack) {
      this.dropped++;
      return [];
    }
    const out: AudioFrame[] = [];
    if (this.mixer && this.soundPlaying && !this.mixer.soundActive) this.soundPlaying = false;
    const pass = this.canPass() || this.alwaysPasses();
    if (pass && !this.passing) out.push(...this.enterPassthrough());
    else if (!pass && !this.mixer) this.leavePassthrough(frame.pts);
    if (this.passing) {
      this.expectMs = frame.pts + duration;
      // Only RTMP's rounding may make a frame start before the end of the last one: more is a
      // source that stepped back, and two packets would share their time.
      if (frame.pts < this.sentUntil - Math.min(slack, JITTER_MS)) {
        this.dropped++;
        return out;
      }
      this.sentUntil = frame.pts + duration;
      out.push(this.muted ? this.silenced(frame, duration) : frame);
      return out;
    }
    out.push(...this.decodeInto(frame, duration));
    out.push(...this.drain());
    return out;
  }

  /**
   * Clock-driven output for a source with no audio: silence (plus any sound) up to `nowMs`, in
   * whole output frames. Does nothing for a source that has audio.
   */
  tick(nowMs: number): AudioFrame[] {
    if (this.source || !this.mixer) return [];
    if (this.soundPlaying && !this.mixer.soundActive) this.soundPlaying = false;
    return this.encode(this.mixer.readUntil(nowMs).pcm);
  }

  /** Drain the encoder (pads the last frame); the transcoder can go on afterwards. */
  flush(): AudioFrame[] {
    if (!this.mixer) return [];
    const out = this.encode(this.mixer.readAvailable().pcm);
    if (this.encoder) out.push(...this.stamp(this.encoder.flush()));
    else if (this.opusEncoder) out.push(...this.stamp(this.opusEncoder.flush()));
    else if (this.pcmPendingSamples > 0) out.push(...this.pcmPackets(true));
    return out;
  }

  /** Release the Opus decoder and encoder. */
  close(): void {
    if (this.decoder?.kind === "opus") this.decoder.opus.free();
    this.opusEncoder?.close();
  }

  /** A passthrough frame while muted: Opus and Speex silence of the same length (G.711 and AAC leave passthrough instead). */
  private silenced(frame: AudioFrame, durationMs: number): AudioFrame {
    if (frame.codec === "OPUS") return { ...frame, data: opusSilence(frame.data, durationMs) };
    if (frame.codec === "SPEEX") return { ...frame, data: speexSilence(Math.round(durationMs / 20)) };
    return frame;
  }

  /** Opus and Speex targets cannot be re-encoded from their own codec: they always pass. */
  private alwaysPasses(): boolean {
    const codec = this.source?.codec;
    return (codec === "OPUS" || codec === "SPEEX") && this.target.codec === codec;
  }

  private canPass(): boolean {
    const s = this.source;
    if (!s || this.muted || this.soundPlaying) return false;
    const t = this.target;
    if (s.codec !== t.codec) return false;
    if (s.codec === "PCMA" || s.codec === "PCMU") return s.sampleRate === G711_RATE && s.channels === 1;
    if (s.codec === "AAC") return (!t.sampleRate || t.sampleRate === s.sampleRate) && (!t.channels || t.channels === s.channels);
    return true;
  }

  private durationMs(frame: AudioFrame): number {
    switch (frame.codec) {
      case "OPUS":
        try {
          return opusPacketSamples(frame.data) / 48;
        } catch {
          return 20;
        }
      case "PCMA":
      case "PCMU":
        return (frame.data.length * 1000) / G711_RATE;
      case "AAC":
        return (AAC_FRAME_SAMPLES * 1000) / (this.source?.sampleRate ?? 48000);
      case "SPEEX":
        try {
          return (speexPacketInfo(frame.data).frames * SPEEX_WB_FRAME_SAMPLES * 1000) / SPEEX_WB_SAMPLE_RATE;
        } catch {
          return (SPEEX_WB_FRAME_SAMPLES * 1000) / SPEEX_WB_SAMPLE_RATE;
        }
    }
  }

  private startDecodePath(anchorMs: number): void {
    this.anchorMs = anchorMs;
    this.framesOut = 0;
    if (this.mixer) this.mixer.rebase(anchorMs);
    else {
      this.mixer = new AudioMixer({ sampleRate: this.outRate, channels: this.outChannels, startMs: anchorMs });
      this.mixer.setMuted(this.muted);
    }
    if (this.target.codec === "AAC") {
      this.encoder ??= new AacEncoder({ sampleRate: this.outRate, channels: this.outChannels as 1 | 2, bitrate: this.target.bitrate });
    }
    if (this.target.codec === "OPUS") {
      this.opusEncoder ??= new OpusPacketEncoder({ channels: this.outChannels as 1 | 2, bitrate: this.target.bitrate ?? OPUS_DEFAULT_BITRATE });
    }
    if (this.target.codec === "SPEEX") this.speexEncoder ??= new SpeexWidebandEncoder();
    this.pcmPending = [];
    this.pcmPendingSamples = 0;
  }

  /** Switch to the decode path, its timeline starting where the output stands (or at `hintMs`). */
  private leavePassthrough(hintMs?: number): void {
    if (this.mixer) return;
    this.passing = false;
    const at = Number.isFinite(this.sentUntil) ? this.sentUntil : (this.expectMs ?? hintMs ?? 0);
    this.startDecodePath(at);
    this.anchored = this.expectMs !== undefined || hintMs !== undefined;
  }

  private enterPassthrough(): AudioFrame[] {
    const out = this.flush();
    this.mixer = undefined;
    this.encoder = undefined;
    this.opusEncoder?.close();
    this.opusEncoder = undefined;
    this.speexEncoder = undefined;
    this.passing = true;
    return out;
  }

  private decodeInto(frame: AudioFrame, duration: number): AudioFrame[] {
    const out: AudioFrame[] = [];
    if (!this.decoder) return out;
    if (!this.anchored) {
      // the first frame of the stream (a sound may already be waiting): the timeline starts here
      this.startDecodePath(frame.pts);
      this.anchored = true;
    } else if (this.expectMs !== undefined) {
      const gap = frame.pts - this.expectMs;
      if (gap > MAX_FILL_MS) {
        // finish the old timeline and start a new one at this frame
        out.push(...this.flush());
        this.startDecodePath(frame.pts);
      } else if (gap >= JITTER_MS) {
        this.mixer!.push(this.fill(gap));
      }
    }
    this.expectMs = frame.pts + duration;
    this.mixer!.push(this.decode(frame));
    return out;
  }

  private fill(gapMs: number): PcmBlock {
    const dec = this.decoder!;
    if (dec.kind === "opus") return dec.opus.conceal(Math.round(gapMs * 48));
    const rate = dec.kind === "g711" ? G711_RATE : dec.kind === "speex" ? SPEEX_WB_SAMPLE_RATE : dec.aac.sampleRate;
    const channels = dec.kind === "aac" ? dec.aac.channels : 1;
    return { sampleRate: rate, channels, samples: new Float32Array(Math.round((gapMs * rate) / 1000) * channels) };
  }

  private decode(frame: AudioFrame): PcmBlock {
    const dec = this.decoder!;
    switch (dec.kind) {
      case "opus":
        return dec.opus.decode(frame.data);
      case "g711":
        return { sampleRate: G711_RATE, channels: 1, samples: decodeG711Float(dec.law, frame.data) };
      case "aac":
        return { sampleRate: dec.aac.sampleRate, channels: dec.aac.channels, samples: dec.aac.decode(frame.data) };
      case "speex":
        return { sampleRate: SPEEX_WB_SAMPLE_RATE, channels: 1, samples: decodeSpeexOrNothing(dec.speex, frame.data) };
    }
  }

  private drain(): AudioFrame[] {
    return this.encode(this.mixer!.readAvailable().pcm);
  }

  private encode(pcm: PcmBlock): AudioFrame[] {
    if (pcm.samples.length === 0) return [];
    if (this.encoder) return this.stamp(this.encoder.encode(pcm.samples));
    if (this.opusEncoder) return this.stamp(this.opusEncoder.encode(pcm.samples));
    this.pcmPending.push(pcm.samples);
    this.pcmPendingSamples += pcm.samples.length;
    return this.pcmPackets(false);
  }

  /** AAC (Opus) frames: frame k of this timeline starts at anchor + k * 1024 (960) samples. */
  private stamp(frames: Uint8Array[]): AudioFrame[] {
    const codec: AudioCodec = this.target.codec === "OPUS" ? "OPUS" : "AAC";
    const samples = codec === "OPUS" ? OPUS_FRAME_SAMPLES : AAC_FRAME_SAMPLES;
    return frames.map((data) => {
      const t = this.anchorMs + (this.framesOut * 1000) / this.outRate;
      this.framesOut += samples;
      this.sentUntil = this.anchorMs + (this.framesOut * 1000) / this.outRate;
      return { kind: "audio", codec, dts: t, pts: t, key: true, data };
    });
  }

  /**
   * G.711 packets of ptimeMs, or Speex messages of two 20 ms frames; with `all`, the rest too (a
   * Speex rest padded with silence to whole frames).
   */
  private pcmPackets(all: boolean): AudioFrame[] {
    const codec = this.target.codec as "PCMA" | "PCMU" | "SPEEX";
    const per = codec === "SPEEX" ? SPEEX_FRAMES_PER_PACKET * SPEEX_WB_FRAME_SAMPLES : Math.round(((this.target.ptimeMs ?? 20) * G711_RATE) / 1000);
    const pending = new Float32Array(this.pcmPendingSamples);
    let at = 0;
    for (const p of this.pcmPending) {
      pending.set(p, at);
      at += p.length;
    }
    const out: AudioFrame[] = [];
    let used = 0;
    while (pending.length - used >= per || (all && pending.length - used > 0)) {
      const n = Math.min(per, pending.length - used);
      const t = this.anchorMs + (this.framesOut * 1000) / this.outRate;
      let data: Uint8Array;
      let samples = n;
      if (codec === "SPEEX") {
        samples = Math.ceil(n / SPEEX_WB_FRAME_SAMPLES) * SPEEX_WB_FRAME_SAMPLES;
        const frames = new Float32Array(samples);
        frames.set(pending.subarray(used, used + n));
        data = this.speexEncoder!.encode(frames);
      } else {
        data = encodeG711Float(codec, pending.subarray(used, used + n));
      }
      out.push({ kind: "audio", codec, dts: t, pts: t, key: true, data });
      used += n;
      this.framesOut += samples;
      this.sentUntil = this.anchorMs + (this.framesOut * 1000) / this.outRate;
    }
    const rest = pending.slice(used);
    this.pcmPending = rest.length > 0 ? [rest] : [];
    this.pcmPendingSamples = rest.length;
    return out;
  }
}

/** A packet's samples, or none when it is corrupt (the next frame's gap fill covers its time). */
function decodeSpeexOrNothing(decoder: SpeexWidebandDecoder, packet: Uint8Array): Float32Array {
  try {
    return decoder.decode(packet);
  } catch (err) {
    if (err instanceof ParseError) return new Float32Array(0);
    throw err;
  }
}
