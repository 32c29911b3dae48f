/**
 * Acknowledgement window (RTMP spec 1.0, 5.4.3 and 5.4.4): after the peer announces Window
 * Acknowledgement Size N, the receiver sends an Acknowledgement carrying the number of bytes received
 * so far (mod 2^32) each time N more bytes have arrived since the last one. Pure counter: the session
 * calls `received(n)` for every socket read and sends what it returns.
 */
export class AckWindow {
  private total = 0;
  private lastAck = 0;
  private window: number;

  /** `windowSize` 0 means "never acknowledge" (no Window Acknowledgement Size seen yet). */
  constructor(windowSize = 0) {
    this.window = windowSize;
  }

  get windowSize(): number {
    return this.window;
  }
  set windowSize(size: number) {
    this.window = size >>> 0;
  }

  /** Total bytes received, as the 32-bit sequence number an Acknowledgement carries. */
  get sequenceNumber(): number {
    return this.total >>> 0;
  }

  /** Counts `n` received bytes; returns the sequence number to acknowledge now, if any. */
  received(n: number): number | undefined {
    this.total += n;
    if (this.window <= 0 || this.total - this.lastAck < this.window) return undefined;
    this.lastAck = this.total;
    return this.total >>> 0;
  }
}
