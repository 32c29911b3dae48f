/**
 * M/S stereo per band (ISO/IEC 14496-3 section 4.6.8.1): the decoder rebuilds L = M + S and
 * R = M - S, so the encoder sends M = (L + R) / 2 and S = (L - R) / 2 where that costs fewer bits.
 * With the same noise N in L and R, L/R costs ~ log(E_L / N) + log(E_R / N) and M/S, whose noises
 * add up in L and R, ~ log(E_M / (N/2)) + log(E_S / (N/2)); so M/S is chosen when
 * 4 E_M E_S < E_L E_R. Independent channels sit right at that boundary, so M/S is only taken with a
 * margin (MS_MARGIN), which also avoids unmasking noise in wide stereo. M/S bands get scalefactors
 * 8/3 finer (half the noise power) to match.
 */
import type { IcsLayout } from "./layout.ts";

/** A shape offset of -8/3 scalefactor steps halves the noise power (N ~ 2^(3 sf / 8)). */
export const MS_SHAPE_OFFSET = -8 / 3;
/** M/S must cut the product of the energies to this fraction of L/R's (about 1/2 bit per line pair). */
export const MS_MARGIN = 0.5;

/**
 * Decides M/S per band and converts those bands of `left`/`right` in place to M/S.
 * Returns the ms_used flags (one per band) and the per-band shape offsets.
 */
export function applyMidSide(layout: IcsLayout, left: Float64Array, right: Float64Array): { ms: Uint8Array; offset: Float64Array } {
  const n = layout.bandStart.length;
  const ms = new Uint8Array(n);
  const offset = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let el = 0;
    let er = 0;
    let em = 0;
    let es = 0;
    for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) {
      const l = left[i]!;
      const r = right[i]!;
      el += l * l;
      er += r * r;
      const m = (l + r) / 2;
      const s = (l - r) / 2;
      em += m * m;
      es += s * s;
    }
    const tiny = 1e-9 * (el + er) + 1e-30;
    if (4 * (em + tiny) * (es + tiny) >= MS_MARGIN * (el + tiny) * (er + tiny)) continue;
    ms[b] = 1;
    offset[b] = MS_SHAPE_OFFSET;
    for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) {
      const l = left[i]!;
      const r = right[i]!;
      left[i] = (l + r) / 2;
      right[i] = (l - r) / 2;
    }
  }
  return { ms, offset };
}
