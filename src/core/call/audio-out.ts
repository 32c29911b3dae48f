/**
 * What a SIP call sends to the phone on its audio RTP session, one packet per ptime on a steady
 * RTP clock: RFC 4733 DTMF events while a digit plays, else a sound injected with inject_sound,
 * else the audio of an injected stream (already G.711), else silence when `generate_av_for_ua`
 * asks for it, else nothing (the clock keeps running, so a later packet's timestamp tells the
 * phone how much time passed; its marker bit starts the new talkspurt, RFC 3551 4.1).
 *
 * DTMF (RFC 4733 2.5): every packet of one digit carries the timestamp of the digit's start, the
 * first has the marker bit, the duration grows by one ptime per packet, and the end packet is sent
 * three times; digits are separated by two ptimes without events.
 *
 * The clock is injected; `tick()` sends what is due, so tests drive it without timers.
 */
import type { AudioFrame } from "../../codecs/frame.ts";
import { encodeG711Float, g711SilenceByte, type G711Law } from "../../audio/g711.ts";
import { type PcmBlock, withChannels } from "../../audio/pcm.ts";
import { resampleBlock } from "../../audio/resampler.ts";
import { dtmfPackets, type DtmfPacketPlan } from "../../rtp/telephone-event.ts";

export interface AudioPacketSink {
  send(init: { readonly payloadType: number; readonly timestamp: number; readonly marker?: boolean; readonly payload: Uint8Array }): unknown;
}

export interface CallAudioSenderOptions {
  readonly sink: AudioPacketSink;
  readonly law: G711Law;
  readonly payloadType: number;
  /** payload type of telephone-event in the answer; DTMF over RTP needs it */
  readonly telephoneEventPayloadType?: number;
  readonly ptimeMs: number;
  /** send silence when there is nothing else (generate_av_for_ua=all) */
  readonly generateSilence: boolean;
  /** ms after start before silence begins (generate_av_start_delay); DTMF and sounds go out before */
  readonly silenceDelayMs?: number;
  readonly initialTimestamp?: number;
  readonly now?: () => number;
}

interface PendingDigit {
  readonly plans: DtmfPacketPlan[];
  readonly done: () => void;
  index: number;
  timestamp: number | undefined;
}

/** Most injected audio kept waiting (ms): older bytes are dropped so the call stays live. */
const MAX_INJECT_MS = 1000;
const DIGIT_GAP_PACKETS = 2;

export class CallAudioSender {
  readonly #o: CallAudioSenderOptions;
  readonly #now: () => number;
  readonly #samples: number;
  #timestamp: number;
  #startedAt: number | undefined;
  #ticks = 0;
  #talking = false;
  #sound: Uint8Array | undefined;
  #soundOffset = 0;
  #injected: Uint8Array[] = [];
  #injectedBytes = 0;
  #digits: PendingDigit[] = [];
  #gap = 0;
  #timer: NodeJS.Timeout | undefined;
  /** packets sent by kind, for rtpStats */
  readonly counts = { silence: 0, injected: 0, sound: 0, dtmf: 0, injectDropped: 0 };

  constructor(options: CallAudioSenderOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#samples = Math.round((options.ptimeMs * 8000) / 1000);
    this.#timestamp = (options.initialTimestamp ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  }

  get law(): G711Law {
    return this.#o.law;
  }

  get ptimeMs(): number {
    return this.#o.ptimeMs;
  }

  get canSendRfc2833(): boolean {
    return this.#o.telephoneEventPayloadType !== undefined;
  }

  get soundPlaying(): boolean {
    return this.#sound !== undefined;
  }

  /** Starts a timer that calls tick() often enough for the ptime. */
  start(): void {
    this.#startedAt ??= this.#now();
    this.#timer ??= setInterval(() => this.tick(), Math.max(5, Math.floor(this.#o.ptimeMs / 2)));
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const d of this.#digits) d.done();
    this.#digits = [];
  }

  /** Sends every packet due by now (at most 10 at once: after a stall the clock skips ahead). */
  tick(): void {
    this.#startedAt ??= this.#now();
    const due = Math.floor((this.#now() - this.#startedAt) / this.#o.ptimeMs) + 1;
    if (due - this.#ticks > 10) {
      const skip = due - this.#ticks - 10;
      this.#ticks += skip;
      this.#timestamp = (this.#timestamp + skip * this.#samples) >>> 0;
    }
    while (this.#ticks < due) {
      this.#ticks++;
      this.#packet();
    }
  }

  /** Queues DTMF digits as RFC 4733 events; resolves when the last end packet went out. */
  sendDtmf(digits: string, durationMs: number): Promise<void> {
    const pt = this.#o.telephoneEventPayloadType;
    if (pt === undefined) return Promise.resolve();
    const plans = [...digits].map((d) => dtmfPackets(d, { durationMs, intervalMs: this.#o.ptimeMs }));
    return Promise.all(plans.map((p) => new Promise<void>((done) => this.#digits.push({ plans: p, done, index: 0, timestamp: undefined })))).then(() => undefined);
  }

  /** Plays a sound once, replacing the other audio while it lasts. */
  playSound(pcm: PcmBlock): void {
    const mono = withChannels(pcm, 1);
    const rate = resampleBlock(mono, 8000);
    this.#sound = encodeG711Float(this.#o.law, rate.samples);
    this.#soundOffset = 0;
  }

  /** G.711 frames of the injected stream (same law as the call). */
  inject(frame: AudioFrame): void {
    this.#injected.push(frame.data);
    this.#injectedBytes += frame.data.length;
    while (this.#injectedBytes > MAX_INJECT_MS * 8 && this.#injected.length > 1) {
      const dropped = this.#injected.shift()!;
      this.#injectedBytes -= dropped.length;
      this.counts.injectDropped++;
    }
  }

  clearInjected(): void {
    this.#injected = [];
    this.#injectedBytes = 0;
  }

  #packet(): void {
    const timestamp = this.#timestamp;
    this.#timestamp = (this.#timestamp + this.#samples) >>> 0;
    if (this.#gap > 0) {
      this.#gap--;
      this.#talking = false;
      return;
    }
    const digit = this.#digits[0];
    if (digit) {
      digit.timestamp ??= timestamp;
      const plan = digit.plans[digit.index++]!;
      this.#o.sink.send({ payloadType: this.#o.telephoneEventPayloadType!, timestamp: digit.timestamp, marker: plan.marker, payload: plan.payload });
      this.counts.dtmf++;
      if (digit.index >= digit.plans.length) {
        this.#digits.shift();
        this.#gap = DIGIT_GAP_PACKETS;
        digit.done();
      }
      this.#talking = false;
      return;
    }
    const payload = this.#takeSound() ?? this.#takeInjected() ?? (this.#silenceDue() ? this.#silence() : undefined);
    if (!payload) {
      this.#talking = false;
      return;
    }
    this.#o.sink.send({ payloadType: this.#o.payloadType, timestamp, marker: !this.#talking, payload });
    this.#talking = true;
  }

  #takeSound(): Uint8Array | undefined {
    if (!this.#sound) return undefined;
    const out = new Uint8Array(this.#samples).fill(g711SilenceByte(this.#o.law));
    const part = this.#sound.subarray(this.#soundOffset, this.#soundOffset + this.#samples);
    out.set(part);
    this.#soundOffset += this.#samples;
    if (this.#soundOffset >= this.#sound.length) this.#sound = undefined;
    this.counts.sound++;
    return out;
  }

  #takeInjected(): Uint8Array | undefined {
    if (this.#injectedBytes < this.#samples) return undefined;
    const out = new Uint8Array(this.#samples);
    let filled = 0;
    while (filled < this.#samples) {
      const head = this.#injected[0]!;
      const n = Math.min(head.length, this.#samples - filled);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.#injected.shift();
      else this.#injected[0] = head.subarray(n);
    }
    this.#injectedBytes -= this.#samples;
    this.counts.injected++;
    return out;
  }

  #silenceDue(): boolean {
    return this.#o.generateSilence && (this.#ticks - 1) * this.#o.ptimeMs >= (this.#o.silenceDelayMs ?? 0);
  }

  #silence(): Uint8Array {
    this.counts.silence++;
    return new Uint8Array(this.#samples).fill(g711SilenceByte(this.#o.law));
  }
}
