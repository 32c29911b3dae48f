/**
 * The AAC quantizer (ISO/IEC 14496-3 section 4.6.1.3, inverted): a decoder rebuilds
 *   x = sign(q) * |q|^(4/3) * 2^((sf - SF_OFFSET) / 4),
 * so the encoder sends q = sign(x) * floor((|x| * 2^(-(sf - 100)/4))^(3/4) + 0.4054), |q| <= 8191.
 */

export const SF_OFFSET = 100;
export const MAX_QUANT = 8191;
/** Rounding offset of the 3/4-power quantizer (as in the reference encoder). */
const MAGIC = 0.4054;

/** 2^(-3/16 (sf - 100)) for sf 0..255: the step in the |x|^(3/4) domain. */
export const INV_STEP34 = new Float64Array(256).map((_, sf) => 2 ** ((-3 / 16) * (sf - SF_OFFSET)));

/** out[i] = |x[i]|^(3/4). */
export function pow34(x: ArrayLike<number>, out: Float64Array, length: number): void {
  for (let i = 0; i < length; i++) {
    const a = Math.abs(x[i]!);
    out[i] = a === 0 ? 0 : Math.sqrt(a * Math.sqrt(a));
  }
}

/**
 * Quantizes x[start..end) with scalefactor `sf` into q; returns the largest |q|.
 * `x34` holds |x|^(3/4) of the same coefficients.
 */
export function quantizeBand(x: ArrayLike<number>, x34: Float64Array, start: number, end: number, sf: number, q: Int32Array): number {
  const inv = INV_STEP34[sf]!;
  let max = 0;
  for (let i = start; i < end; i++) {
    const f = x34[i]! * inv + MAGIC;
    // Truncation is floor for these non-negative values; large ones are capped before |0 could wrap.
    let v = f >= MAX_QUANT ? MAX_QUANT : f | 0;
    if (v > max) max = v;
    q[i] = x[i]! < 0 ? -v : v;
  }
  return max;
}

/** The smallest scalefactor whose quantized values of a band with largest |x|^(3/4) `max34` fit 8191. */
export function minScalefactor(max34: number): number {
  if (max34 <= 0) return 0;
  let sf = Math.max(0, Math.ceil(SF_OFFSET + (16 / 3) * Math.log2((max34) / (MAX_QUANT - MAGIC))));
  while (sf < 255 && max34 * INV_STEP34[sf]! + MAGIC >= MAX_QUANT + 1) sf++;
  return Math.min(sf, 255);
}

/** What the decoder rebuilds from q and sf. */
export function dequantize(q: number, sf: number): number {
  const a = Math.abs(q) ** (4 / 3) * 2 ** ((sf - SF_OFFSET) / 4);
  return q < 0 ? -a : a;
}
