/**
 * A receive jitter buffer for one RTP stream: puts packets back in sequence order within a bounded
 * delay, reports losses as output values, and drops late and duplicate packets (counting them).
 *
 * Deterministic, no timers inside: when the caller passes arrival times (`push(packet, nowMs)` /
 * `poll(nowMs)`), a gap in the sequence is waited for until the oldest packet held behind it has
 * waited `maxDelayMs` of wall-clock time; without them, until the newest packet's RTP timestamp is
 * `maxDelayMs` past that packet (werift's approach); in both cases at most `maxPackets` are held.
 * Then the missing sequence numbers are reported lost and what follows is released.
 *
 * With arrival times the RTP span does not count: packets that queued in the kernel while the event
 * loop was busy, or behind a sender's stall, come in a burst spanning more than `maxDelayMs`, and
 * giving the gap up then leaves no time for its retransmission (NACK), which comes after the burst.
 *
 * A sequence jump larger than `maxDropout` (RFC 3550 A.1: 3000) or a new SSRC is taken as a restart
 * of the sender: everything held is released and the buffer follows the new numbers without
 * counting loss. One buffer per stream (SSRC) at a time.
 */
import type { RtpPacket } from "./packet.ts";
import { SequenceUnwrapper, TimestampUnwrapper } from "./sequence.ts";

export type JitterBufferOutput =
  | { readonly type: "packet"; readonly packet: RtpPacket }
  /** `count` packets from `firstSequence` (16-bit, wrapping) will not come */
  | { readonly type: "loss"; readonly firstSequence: number; readonly count: number };

export interface JitterBufferOptions {
  /** RTP clock rate of the stream (90000 video, 8000 G.711, 48000 Opus) */
  readonly clockRate: number;
  /** how long a gap is waited for, in ms of wall-clock time when arrival times are given, else of RTP time; default 200 */
  readonly maxDelayMs?: number;
  /** most packets held at once; default 500 */
  readonly maxPackets?: number;
  /** sequence jump taken as a sender restart; default 3000 */
  readonly maxDropout?: number;
}

/**
 * Every jitter buffer of the process adds its losses here, so the node's totals outlive the sessions
 * that counted them (Prometheus counters must never go down).
 */
export const jitterBufferTotals = { lost: 0, late: 0 };

export interface JitterBufferStats {
  /** every packet pushed */
  readonly received: number;
  /** packets handed out in order */
  readonly delivered: number;
  /** sequence numbers reported lost (a late packet counted here is counted in `late` too) */
  readonly lost: number;
  /** packets that came after their place was given up (reported lost or already passed) */
  readonly late: number;
  /** packets whose sequence number was already held or delivered */
  readonly duplicate: number;
  /** packets that arrived after a higher sequence number and were still put in place */
  readonly reordered: number;
  /** sender restarts (sequence jumps over maxDropout, or a new SSRC) */
  readonly resets: number;
}

interface Held {
  readonly packet: RtpPacket;
  readonly ts: number;
  readonly arrivedMs: number | undefined;
}

const RECENT = 1024;

export class JitterBuffer {
  readonly #delayTicks: number;
  readonly #delayMs: number;
  readonly #maxPackets: number;
  readonly #maxDropout: number;
  #seq = new SequenceUnwrapper();
  #ts = new TimestampUnwrapper();
  readonly #held = new Map<number, Held>();
  /** the next extended sequence number to deliver */
  #next: number | undefined;
  #ssrc: number | undefined;
  #newestTs = -Infinity;
  #highestSeq = -Infinity;
  /** delivered sequence numbers of the last RECENT, to tell duplicates from late packets */
  readonly #delivered = new Float64Array(RECENT).fill(-1);
  #stats = { received: 0, delivered: 0, lost: 0, late: 0, duplicate: 0, reordered: 0, resets: 0 };

  constructor(options: JitterBufferOptions) {
    this.#delayMs = options.maxDelayMs ?? 200;
    this.#delayTicks = (this.#delayMs * options.clockRate) / 1000;
    this.#maxPackets = options.maxPackets ?? 500;
    this.#maxDropout = options.maxDropout ?? 3000;
  }

  get stats(): JitterBufferStats {
    return { ...this.#stats };
  }

  /** packets held waiting for a gap to fill */
  get size(): number {
    return this.#held.size;
  }

  push(packet: RtpPacket, nowMs?: number): JitterBufferOutput[] {
    this.#stats.received++;
    const out: JitterBufferOutput[] = [];
    let seq = this.#seq.unwrap(packet.sequenceNumber);
    if (this.#next === undefined) this.#next = seq;
    const newSsrc = this.#ssrc !== undefined && this.#ssrc !== packet.ssrc;
    this.#ssrc = packet.ssrc;
    if (newSsrc || (Math.abs(seq - this.#next) > this.#maxDropout && Math.abs(seq - this.#highestSeq) > this.#maxDropout)) {
      this.#restart(out);
      seq = this.#seq.unwrap(packet.sequenceNumber);
      this.#next = seq;
    }
    if (seq < this.#next) {
      if (this.#delivered[seq % RECENT] === seq) this.#stats.duplicate++;
      else {
        this.#stats.late++;
        jitterBufferTotals.late++;
      }
      return out;
    }
    if (this.#held.has(seq)) {
      this.#stats.duplicate++;
      return out;
    }
    if (seq < this.#highestSeq) this.#stats.reordered++;
    else this.#highestSeq = seq;
    const ts = this.#ts.unwrap(packet.timestamp);
    if (ts > this.#newestTs) this.#newestTs = ts;
    this.#held.set(seq, { packet, ts, arrivedMs: nowMs });
    this.#drain(out, nowMs);
    return out;
  }

  /** Releases what has waited long enough by wall-clock time, without a new packet. */
  poll(nowMs: number): JitterBufferOutput[] {
    const out: JitterBufferOutput[] = [];
    this.#drain(out, nowMs);
    return out;
  }

  /** Releases everything held, reporting the gaps as loss (end of stream). */
  flush(): JitterBufferOutput[] {
    const out: JitterBufferOutput[] = [];
    while (this.#held.size > 0) this.#skipGap(out);
    return out;
  }

  #restart(out: JitterBufferOutput[]): void {
    // deliver what is held, then follow the sender's new numbering
    for (const k of [...this.#held.keys()].sort((a, b) => a - b)) this.#deliver(out, k);
    this.#stats.resets++;
    this.#seq = new SequenceUnwrapper();
    this.#ts = new TimestampUnwrapper();
    this.#newestTs = -Infinity;
    this.#highestSeq = -Infinity;
    this.#delivered.fill(-1);
  }

  #drain(out: JitterBufferOutput[], nowMs: number | undefined): void {
    for (;;) {
      while (this.#held.has(this.#next!)) this.#deliver(out, this.#next!);
      if (this.#held.size === 0) return;
      const first = this.#firstHeld();
      const waitedLongEnough = nowMs !== undefined && first.arrivedMs !== undefined ? nowMs - first.arrivedMs >= this.#delayMs : this.#newestTs - first.ts >= this.#delayTicks;
      if (!waitedLongEnough && this.#held.size <= this.#maxPackets) return;
      this.#skipGap(out);
    }
  }

  #firstHeld(): Held {
    let min = Infinity;
    for (const k of this.#held.keys()) if (k < min) min = k;
    return this.#held.get(min)!;
  }

  /** Reports the gap before the lowest held packet as lost and delivers from there. */
  #skipGap(out: JitterBufferOutput[]): void {
    let min = Infinity;
    for (const k of this.#held.keys()) if (k < min) min = k;
    const count = min - this.#next!;
    if (count > 0) {
      out.push({ type: "loss", firstSequence: this.#next! & 0xffff, count });
      this.#stats.lost += count;
      jitterBufferTotals.lost += count;
    }
    this.#next = min;
    while (this.#held.has(this.#next)) this.#deliver(out, this.#next);
  }

  #deliver(out: JitterBufferOutput[], seq: number): void {
    const held = this.#held.get(seq)!;
    this.#held.delete(seq);
    out.push({ type: "packet", packet: held.packet });
    this.#stats.delivered++;
    this.#delivered[seq % RECENT] = seq;
    this.#next = seq + 1;
  }
}
