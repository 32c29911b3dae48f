/**
 * RFC 4733 telephone-event payload (section 2.3), the DTMF events of section 3.2, a sender that turns
 * a digit into its event packets and a receiver that reports each digit once.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * E: the last packet(s) of the event; volume: power level in -dBm0 (0..63); duration: in RTP clock
 * ticks since the event's timestamp, which stays the same for every packet of the event.
 */
import { ParseError } from "../errors.ts";
import { RTP_ERR, RtpError } from "./errors.ts";
import type { RtpPacket } from "./packet.ts";

export interface TelephoneEvent {
  /** 0-9 digits, 10 '*', 11 '#', 12-15 A-D, 16 flash */
  readonly event: number;
  readonly end: boolean;
  readonly volume: number;
  readonly duration: number;
}

export const TELEPHONE_EVENT_SIZE = 4;
const DIGITS = "0123456789*#ABCD";

export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < TELEPHONE_EVENT_SIZE) throw new ParseError(RTP_ERR.DTMF_MALFORMED, `telephone-event payload of ${payload.length} bytes, at least 4 needed`, 0);
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: (payload[2]! << 8) | payload[3]! };
}

export function encodeTelephoneEvent(ev: TelephoneEvent): Uint8Array {
  if (ev.event < 0 || ev.event > 255 || ev.volume < 0 || ev.volume > 63 || ev.duration < 0 || ev.duration > 0xffff) {
    throw new RtpError(RTP_ERR.FIELD_RANGE, `telephone-event ${ev.event} volume ${ev.volume} duration ${ev.duration} is out of range`);
  }
  return Uint8Array.of(ev.event, (ev.end ? 0x80 : 0) | ev.volume, ev.duration >> 8, ev.duration & 0xff);
}

/** RFC 4733 3.2 event code of a DTMF character (0-9 * # A-D, case-insensitive). */
export function dtmfEvent(digit: string): number {
  const i = digit.length === 1 ? DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (i < 0) throw new RtpError(RTP_ERR.DTMF_BAD_DIGIT, `"${digit}" is not a DTMF digit (0-9 * # A-D)`);
  return i;
}

/** The DTMF character of an event code, or undefined for a non-DTMF event (flash 16 and up). */
export function dtmfDigit(event: number): string | undefined {
  return event >= 0 && event < DIGITS.length ? DIGITS[event] : undefined;
}

export interface DtmfSenderOptions {
  /** clock rate of the telephone-event payload type (default 8000) */
  readonly clockRate?: number;
  /** tone length in ms; default 100, at least 50 (shorter is raised to 50), at most what 16 bits hold */
  readonly durationMs?: number;
  /** time between packets of one event in ms (default 50, RFC 4733 2.5.1.2; SIP calls pass their ptime) */
  readonly intervalMs?: number;
  /** -dBm0, default 10 */
  readonly volume?: number;
  /** how many times the end packet is sent (default 3, RFC 4733 2.5.1.4) */
  readonly endPackets?: number;
}

/** One packet to send: at `atMs` after the first, with the event's timestamp and the marker on the first. */
export interface DtmfPacketPlan {
  readonly atMs: number;
  readonly marker: boolean;
  readonly end: boolean;
  readonly payload: Uint8Array;
}

export const DTMF_MIN_DURATION_MS = 50;
export const DTMF_DEFAULT_DURATION_MS = 100;

/**
 * The packets of one digit (RFC 4733 2.5.1): all carry the event's RTP timestamp (the caller's
 * current media timestamp); the first has the marker bit; the duration grows by one interval per
 * packet up to the tone length; the final packet has the E bit and is sent `endPackets` times with
 * the same duration. Each packet gets the stream's next sequence number from the caller.
 */
export function dtmfPackets(digit: string, options: DtmfSenderOptions = {}): DtmfPacketPlan[] {
  const event = dtmfEvent(digit);
  const clockRate = options.clockRate ?? 8000;
  const interval = options.intervalMs ?? 50;
  const volume = options.volume ?? 10;
  const ends = options.endPackets ?? 3;
  if (!(interval > 0) || ends < 1) throw new RtpError(RTP_ERR.FIELD_RANGE, `DTMF interval ${interval} ms and ${ends} end packets are not usable`);
  const maxMs = (0xffff * 1000) / clockRate;
  const durationMs = Math.min(Math.max(options.durationMs ?? DTMF_DEFAULT_DURATION_MS, DTMF_MIN_DURATION_MS), maxMs);
  const total = Math.round((durationMs * clockRate) / 1000);
  const step = (interval * clockRate) / 1000;
  const updates = Math.max(1, Math.ceil(total / step));
  const out: DtmfPacketPlan[] = [];
  for (let k = 0; k < updates + ends - 1; k++) {
    const end = k >= updates - 1;
    const duration = end ? total : Math.round((k + 1) * step);
    out.push({ atMs: k * interval, marker: k === 0, end, payload: encodeTelephoneEvent({ event, end, volume, duration }) });
  }
  return out;
}

export interface DtmfDigit {
  readonly digit: string | undefined;
  readonly event: number;
  readonly rtpTimestamp: number;
  readonly durationMs: number;
  readonly volume: number;
  /** false when the event was closed by a later event or flush() because its end packets were lost */
  readonly ended: boolean;
}

/**
 * Reports each received event once, when its first end packet arrives (retransmitted end packets
 * and updates are ignored), or when a new event starts or `flush()` is called before any end packet
 * came. Feed it the packets of the telephone-event payload type, in order.
 */
export class DtmfReceiver {
  readonly #clockRate: number;
  #current: { readonly ts: number; ev: TelephoneEvent } | undefined;
  /** timestamps of events already reported, newest last */
  readonly #done: number[] = [];

  constructor(options: { readonly clockRate?: number } = {}) {
    this.#clockRate = options.clockRate ?? 8000;
  }

  push(packet: RtpPacket): DtmfDigit[] {
    const ev = decodeTelephoneEvent(packet.payload);
    const ts = packet.timestamp;
    const out: DtmfDigit[] = [];
    if (this.#done.includes(ts)) return out;
    if (this.#current && this.#current.ts !== ts) this.#report(out, false);
    if (!this.#current) this.#current = { ts, ev };
    else if (ev.duration >= this.#current.ev.duration) this.#current.ev = ev;
    if (ev.end) this.#report(out, true);
    return out;
  }

  flush(): DtmfDigit[] {
    const out: DtmfDigit[] = [];
    if (this.#current) this.#report(out, false);
    return out;
  }

  #report(out: DtmfDigit[], ended: boolean): void {
    const { ts, ev } = this.#current!;
    this.#current = undefined;
    this.#done.push(ts);
    if (this.#done.length > 16) this.#done.shift();
    out.push({ digit: dtmfDigit(ev.event), event: ev.event, rtpTimestamp: ts, durationMs: (ev.duration * 1000) / this.#clockRate, volume: ev.volume, ended });
  }
}
