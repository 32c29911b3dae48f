/**
 * Per outgoing stream: the stream's decoded audio plus, while `sound_on` is active, a sound file
 * (resampled to the output rate and channel count, once or looped), through a soft limiter.
 *
 * Pure and clock-injected: no timers. The owner pushes decoded source blocks (any rate/channels;
 * they are converted) and reads output blocks. Output time is counted in frames from `startMs`, so
 * timestamps are continuous whatever happens (mute, sound on/off, source gaps):
 *   - source-driven: `push(block)` then `readAvailable()` returns everything the source supplied;
 *   - clock-driven (no source audio, e.g. a video-only publisher or a SIP call that needs an audio
 *     track): `readUntil(nowMs)` returns frames up to the clock, silence where the source has none.
 * `mute` outputs silence (the injected sound included) with timestamps still advancing.
 */

import { convertChannels, type PcmBlock } from "./pcm.ts";
import { resampleBlock, Resampler } from "./resampler.ts";
import { AUDIO_ERR, AudioError } from "./errors.ts";

export interface MixerOptions {
  readonly sampleRate: number;
  readonly channels: number;
  /** time of the first output frame, ms (default 0) */
  readonly startMs?: number;
  /** most source audio kept unread, ms (default 2000); older audio is dropped and counted */
  readonly maxBufferMs?: number;
  /** limiter ceiling, linear (default 0.89, about -1 dBFS) */
  readonly ceiling?: number;
}

export interface MixedBlock {
  /** time of the first frame, ms */
  readonly pts: number;
  readonly pcm: PcmBlock;
}

const ATTACK_MS = 1;
const RELEASE_MS = 150;

/**
 * Soft limiter: a peak envelope (fast attack, slow release) brings the level under the ceiling,
 * then a tanh knee above the ceiling keeps any overshoot below full scale. Below the ceiling with
 * the gain recovered, samples pass unchanged.
 */
export class SoftLimiter {
  private gain = 1;
  private readonly attack: number;
  private readonly release: number;
  constructor(
    sampleRate: number,
    private readonly ceiling = 0.89,
  ) {
    this.attack = 1 - Math.exp(-1 / ((ATTACK_MS / 1000) * sampleRate));
    this.release = 1 - Math.exp(-1 / ((RELEASE_MS / 1000) * sampleRate));
  }

  /** Limits interleaved samples in place. */
  process(samples: Float32Array, channels: number): void {
    const ceil = this.ceiling;
    const room = 1 - ceil;
    let gain = this.gain;
    for (let f = 0; f + channels <= samples.length; f += channels) {
      let peak = 0;
      for (let c = 0; c < channels; c++) peak = Math.max(peak, Math.abs(samples[f + c]!));
      const want = peak > ceil ? ceil / peak : 1;
      gain += (want - gain) * (want < gain ? this.attack : this.release);
      if (gain > 0.99999) gain = 1;
      for (let c = 0; c < channels; c++) {
        const v = samples[f + c]! * gain;
        const a = Math.abs(v);
        samples[f + c] = a <= ceil ? v : Math.sign(v) * (ceil + room * Math.tanh((a - ceil) / room));
      }
    }
    this.gain = gain;
  }
}

export class AudioMixer {
  readonly sampleRate: number;
  readonly channels: number;
  /** source frames dropped because nobody read them in time */
  dropped = 0;
  private startMs: number;
  private readonly maxFrames: number;
  private readonly limiter: SoftLimiter;
  private produced = 0;
  private fifo: Float32Array;
  private fifoFrames = 0;
  private resampler: Resampler | undefined;
  private sound: { pcm: Float32Array; frames: number; at: number; loop: boolean } | undefined;
  private muted = false;

  constructor(options: MixerOptions) {
    if (options.channels < 1 || options.channels > 8 || options.sampleRate < 1000) {
      throw new AudioError(AUDIO_ERR.FORMAT, `mixer cannot output ${options.sampleRate} Hz/${options.channels} ch`);
    }
    this.sampleRate = options.sampleRate;
    this.channels = options.channels;
    this.startMs = options.startMs ?? 0;
    this.maxFrames = Math.round(((options.maxBufferMs ?? 2000) * this.sampleRate) / 1000);
    this.limiter = new SoftLimiter(this.sampleRate, options.ceiling);
    this.fifo = new Float32Array(Math.min(this.maxFrames, this.sampleRate) * this.channels);
  }

  /** Time of the next output frame, ms. */
  get nextPts(): number {
    return this.startMs + (this.produced * 1000) / this.sampleRate;
  }

  /** Source frames waiting to be read. */
  get buffered(): number {
    return this.fifoFrames;
  }

  get isMuted(): boolean {
    return this.muted;
  }

  /** True while a sound is being injected. */
  get soundActive(): boolean {
    return this.sound !== undefined;
  }

  /**
   * Start a new output timeline at `startMs` (after a source discontinuity): the frame count and
   * unread source audio are cleared; mute state, the sound and its position are kept.
   */
  rebase(startMs: number): void {
    this.startMs = startMs;
    this.produced = 0;
    this.fifoFrames = 0;
    this.resampler = undefined;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
  }

  /** Start injecting `sound` (replacing any current one) from its beginning. */
  soundOn(sound: PcmBlock, loop: boolean): void {
    const converted = convertChannels(sound.samples, sound.channels, this.channels);
    const pcm = resampleBlock({ sampleRate: sound.sampleRate, channels: this.channels, samples: converted }, this.sampleRate);
    const frames = Math.floor(pcm.samples.length / this.channels);
    this.sound = frames > 0 ? { pcm: pcm.samples, frames, at: 0, loop } : undefined;
  }

  soundOff(): void {
    this.sound = undefined;
  }

  /**
   * Queue decoded source audio (converted to the output channels and rate). The resampler runs on
   * the fewer of the two channel counts: a mono phone call upmixed after resampling costs half.
   */
  push(block: PcmBlock): void {
    if (block.sampleRate === this.sampleRate) return this.append(convertChannels(block.samples, block.channels, this.channels));
    const resampleChannels = Math.min(block.channels, this.channels);
    const input = convertChannels(block.samples, block.channels, resampleChannels);
    const r = this.resampler;
    if (!r || r.inRate !== block.sampleRate || r.channels !== resampleChannels) {
      this.resampler = new Resampler(block.sampleRate, this.sampleRate, resampleChannels);
    }
    const resampled = this.resampler!.process(input);
    this.append(resampleChannels === this.channels ? resampled : convertChannels(resampled, resampleChannels, this.channels));
  }

  /** Everything the source has supplied so far, mixed. */
  readAvailable(): MixedBlock {
    return this.read(this.fifoFrames);
  }

  /** Output up to the clock time `nowMs`: source audio where there is some, silence after it. */
  readUntil(nowMs: number): MixedBlock {
    const target = Math.floor(((nowMs - this.startMs) * this.sampleRate) / 1000);
    return this.read(Math.max(0, target - this.produced));
  }

  /** Exactly `frames` output frames: buffered source audio first, then silence, plus the sound. */
  read(frames: number): MixedBlock {
    const ch = this.channels;
    const pts = this.nextPts;
    const out = new Float32Array(frames * ch);
    const fromSource = Math.min(frames, this.fifoFrames);
    out.set(this.fifo.subarray(0, fromSource * ch));
    this.fifo.copyWithin(0, fromSource * ch, this.fifoFrames * ch);
    this.fifoFrames -= fromSource;
    this.produced += frames;
    if (this.muted) {
      out.fill(0);
      this.advanceSound(frames);
    } else {
      this.mixSound(out, frames);
      this.limiter.process(out, ch);
    }
    return { pts, pcm: { sampleRate: this.sampleRate, channels: ch, samples: out } };
  }

  private mixSound(out: Float32Array, frames: number): void {
    const s = this.sound;
    if (!s) return;
    const ch = this.channels;
    let f = 0;
    while (f < frames && this.sound) {
      const n = Math.min(frames - f, s.frames - s.at);
      const src = s.pcm.subarray(s.at * ch, (s.at + n) * ch);
      for (let i = 0; i < src.length; i++) out[f * ch + i] = out[f * ch + i]! + src[i]!;
      f += n;
      this.step(s, n);
    }
  }

  private advanceSound(frames: number): void {
    let left = frames;
    while (left > 0 && this.sound) {
      const s = this.sound;
      const n = Math.min(left, s.frames - s.at);
      left -= n;
      this.step(s, n);
    }
  }

  private step(s: NonNullable<AudioMixer["sound"]>, n: number): void {
    s.at += n;
    if (s.at >= s.frames) {
      if (s.loop) s.at = 0;
      else this.sound = undefined;
    }
  }

  private append(samples: Float32Array): void {
    const ch = this.channels;
    let frames = Math.floor(samples.length / ch);
    if (frames > this.maxFrames) {
      this.dropped += frames - this.maxFrames;
      samples = samples.subarray((frames - this.maxFrames) * ch);
      frames = this.maxFrames;
    }
    const overflow = this.fifoFrames + frames - this.maxFrames;
    if (overflow > 0) {
      this.fifo.copyWithin(0, overflow * ch, this.fifoFrames * ch);
      this.fifoFrames -= overflow;
      this.dropped += overflow;
    }
    const need = (this.fifoFrames + frames) * ch;
    if (need > this.fifo.length) {
      const grown = new Float32Array(Math.min(this.maxFrames * ch, Math.max(need, this.fifo.length * 2)));
      grown.set(this.fifo.subarray(0, this.fifoFrames * ch));
      this.fifo = grown;
    }
    this.fifo.set(samples.subarray(0, frames * ch), this.fifoFrames * ch);
    this.fifoFrames += frames;
  }
}
