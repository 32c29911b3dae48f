/**
 * Clocks: RTP timestamps to milliseconds, NTP timestamps (RFC 3550 4) to Unix milliseconds, and a
 * `ClockMapper` that learns the RTP <-> NTP relation from RTCP sender reports (RFC 3550 6.4.1) so
 * audio and video of one sender land on one wall-clock timeline.
 */
import { TimestampUnwrapper, timestampDiff } from "./sequence.ts";

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
export const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** A 64-bit NTP timestamp (seconds and 2^-32 fractions) as Unix milliseconds. */
export function ntpToMs(msw: number, lsw: number): number {
  return (msw - NTP_UNIX_OFFSET_S) * 1000 + (lsw / 2 ** 32) * 1000;
}

/** Unix milliseconds as an NTP timestamp. */
export function msToNtp(ms: number): { readonly msw: number; readonly lsw: number } {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.round(((ms - seconds * 1000) / 1000) * 2 ** 32);
  // rounding may carry a whole second
  if (fraction >= 2 ** 32) return { msw: (seconds + 1 + NTP_UNIX_OFFSET_S) >>> 0, lsw: 0 };
  return { msw: (seconds + NTP_UNIX_OFFSET_S) >>> 0, lsw: fraction >>> 0 };
}

/** The middle 32 bits of an NTP timestamp: the "last SR" (LSR) field of a report block. */
export function ntpMiddle32(msw: number, lsw: number): number {
  return (((msw & 0xffff) << 16) | (lsw >>> 16)) >>> 0;
}

/** RTP clock ticks to milliseconds. */
export function rtpToMs(ticks: number, clockRate: number): number {
  return (ticks * 1000) / clockRate;
}

export function msToRtp(ms: number, clockRate: number): number {
  return Math.round((ms * clockRate) / 1000);
}

/**
 * How far (ms) a sender report may disagree with the mapping already held before it can replace it.
 * Some senders (werift, so another Transpond relaying a stream) pair the RTP timestamp of the last
 * packet with the time it was *sent*: its SRs are off by its send delay (jitter buffer, 40 ms
 * release bursts, event-loop stalls), which with both cores busy spread from -830 to +950 ms, the
 * first SR included, and two SRs in a row 540 and 830 ms early. Taking such an SR steps the timeline
 * back or forth by that much (a gap, or frames held at one DTS and dropped); a sender's wall and RTP
 * clocks drift apart by 3 s only in hours (100 ppm: 8 h), and a restarted RTP clock jumps far more,
 * so a larger step is a restart and is followed once the next SR confirms it.
 */
export const SR_TOLERANCE_MS = 3000;

/**
 * Maps one stream's RTP timestamps to milliseconds. Before any sender report, times are relative to
 * the first timestamp seen (`relativeMs`); after one, `wallClockMs` gives the sender's wall clock
 * (Unix ms) using the SR held (the first, replaced when two SRs in a row agree with each other and
 * disagree with it by more than SR_TOLERANCE_MS), so streams of one sender can be aligned.
 */
export class ClockMapper {
  readonly clockRate: number;
  readonly #unwrap = new TimestampUnwrapper();
  #first: number | undefined;
  #sr: SrPoint | undefined;
  /** an SR that disagreed with the one held, waiting for the next to confirm it */
  #candidate: SrPoint | undefined;

  constructor(clockRate: number) {
    this.clockRate = clockRate;
  }

  /** Milliseconds since the first timestamp this mapper saw (wraparound handled). */
  relativeMs(rtpTimestamp: number): number {
    const ext = this.#unwrap.unwrap(rtpTimestamp);
    if (this.#first === undefined) this.#first = ext;
    return rtpToMs(ext - this.#first, this.clockRate);
  }

  /** Takes the NTP and RTP timestamps of a sender report for this stream. */
  onSenderReport(sr: { readonly ntpMsw: number; readonly ntpLsw: number; readonly rtpTimestamp: number }): void {
    const point = { rtp: sr.rtpTimestamp, ms: ntpToMs(sr.ntpMsw, sr.ntpLsw) };
    const candidate = this.#candidate;
    this.#candidate = undefined;
    if (!this.#sr) this.#sr = point;
    else if (agree(this.#sr, point, this.clockRate)) return;
    else if (candidate && agree(candidate, point, this.clockRate)) this.#sr = point;
    else this.#candidate = point;
  }

  get synchronized(): boolean {
    return this.#sr !== undefined;
  }

  /** Sender wall-clock time (Unix ms) of an RTP timestamp, or undefined before the first SR. */
  wallClockMs(rtpTimestamp: number): number | undefined {
    return this.#sr && mappedMs(this.#sr, rtpTimestamp, this.clockRate);
  }
}

interface SrPoint {
  readonly rtp: number;
  /** sender wall clock, Unix ms */
  readonly ms: number;
}

function mappedMs(sr: SrPoint, rtpTimestamp: number, clockRate: number): number {
  return sr.ms + rtpToMs(timestampDiff(sr.rtp, rtpTimestamp), clockRate);
}

/** Whether two SRs describe the same RTP <-> wall-clock relation, within SR_TOLERANCE_MS. */
function agree(held: SrPoint, sr: SrPoint, clockRate: number): boolean {
  return Math.abs(mappedMs(held, sr.rtp, clockRate) - sr.ms) <= SR_TOLERANCE_MS;
}
