/**
 * Sequence-number and timestamp arithmetic with wraparound (RFC 3550 A.1): 16-bit sequence numbers
 * and 32-bit RTP timestamps become "extended" values that keep growing (or go back a little for a
 * reordered packet) so callers can compare and subtract plain numbers.
 */

/** Signed distance b - a in a `bits`-bit space, in -(2^(bits-1)) .. 2^(bits-1)-1. */
export function wrappingDiff(a: number, b: number, bits: 16 | 32): number {
  const mod = 2 ** bits;
  let d = (b - a) % mod;
  if (d < 0) d += mod;
  return d >= mod / 2 ? d - mod : d;
}

/** b - a for 16-bit sequence numbers: positive when b is newer. */
export function seqDiff(a: number, b: number): number {
  return wrappingDiff(a, b, 16);
}

/** b - a for 32-bit RTP timestamps: positive when b is later. */
export function timestampDiff(a: number, b: number): number {
  return wrappingDiff(a, b, 32);
}

export interface UnwrapOptions {
  /**
   * Never below zero: a value that would land before zero (older than the first by a wrap's worth)
   * is placed one wrap later instead, as RTMP wants for its millisecond timestamps (DTS >= 0).
   */
  readonly neverBelowZero?: boolean;
}

/**
 * Turns wrapping counters into extended numbers. The first value maps to itself; each next value is
 * placed nearest to the highest one seen (so a packet just before a wrap stays below it, one after
 * it goes above 2^bits). A reordered value from before the first may come out negative, unless
 * `neverBelowZero`.
 */
export class Unwrapper {
  readonly #bits: 16 | 32;
  readonly #neverBelowZero: boolean;
  #last: number | undefined;

  constructor(bits: 16 | 32, options: UnwrapOptions = {}) {
    this.#bits = bits;
    this.#neverBelowZero = options.neverBelowZero ?? false;
  }

  unwrap(value: number): number {
    if (this.#last === undefined) {
      this.#last = value;
      return value;
    }
    let ext = this.#last + wrappingDiff(this.#last, value, this.#bits);
    if (ext < 0 && this.#neverBelowZero) ext += 2 ** this.#bits;
    // only move forward; a reordered (older) value does not pull the reference back
    if (ext > this.#last) this.#last = ext;
    return ext;
  }

  /** the highest extended value seen so far, or undefined before the first */
  get highest(): number | undefined {
    return this.#last;
  }
}

export class SequenceUnwrapper extends Unwrapper {
  constructor() {
    super(16);
  }
}

/** 32-bit timestamps: RTP's, and RTMP's milliseconds (with `neverBelowZero`). */
export class TimestampUnwrapper extends Unwrapper {
  constructor(options: UnwrapOptions = {}) {
    super(32, options);
  }
}
