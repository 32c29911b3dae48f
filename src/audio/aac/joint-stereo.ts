/**
 * Joint stereo of a channel_pair_element with common_window (ISO/IEC 14496-3 sections 4.6.8.1 and
 * 4.6.8.2), on bitstream-order spectra: M/S (L = M + S, R = M - S) on the bands marked in ms_used
 * where both channels carry coded values, then intensity stereo: the right channel's intensity bands
 * are the left channel's values scaled by +-2^(-position / 4).
 */
import type { BitReader } from "../../codecs/bits.ts";
import { ParseError } from "../../errors.ts";
import { INTENSITY_BOOK, INTENSITY_OUT_OF_PHASE_BOOK, NOISE_BOOK, type ChannelStream } from "./ics-reader.ts";
import type { IcsLayout } from "./layout.ts";
import { AUDIO_ERR } from "../errors.ts";

/** ms_mask_present and ms_used[][] (all ones for ms_mask_present 2). */
export function readMsMask(r: BitReader, layout: IcsLayout, out: Uint8Array): number {
  const present = r.read(2);
  const n = layout.bandStart.length;
  if (present === 3) throw new ParseError(AUDIO_ERR.AAC_MS_MASK, "ms_mask_present 3 is reserved", r.bitOffset >> 3);
  if (present === 1) for (let b = 0; b < n; b++) out[b] = r.read(1);
  else out.fill(present === 2 ? 1 : 0, 0, n);
  return present;
}

export function applyJointStereo(layout: IcsLayout, msPresent: number, msUsed: Uint8Array, left: ChannelStream, right: ChannelStream): void {
  const l = left.spectrum;
  const r = right.spectrum;
  const n = layout.bandStart.length;
  if (msPresent !== 0) {
    for (let b = 0; b < n; b++) {
      if (!msUsed[b] || left.bandType[b]! >= NOISE_BOOK || right.bandType[b]! >= NOISE_BOOK) continue;
      for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) {
        const m = l[i]!;
        const s = r[i]!;
        l[i] = m + s;
        r[i] = m - s;
      }
    }
  }
  for (let b = 0; b < n; b++) {
    const book = right.bandType[b]!;
    if (book !== INTENSITY_BOOK && book !== INTENSITY_OUT_OF_PHASE_BOOK) continue;
    let sign = book === INTENSITY_BOOK ? 1 : -1;
    if (msPresent !== 0 && msUsed[b]) sign = -sign;
    const scale = sign * 2 ** (-right.scalefactor[b]! / 4);
    for (let i = layout.bandStart[b]!; i < layout.bandEnd[b]!; i++) r[i] = l[i]! * scale;
  }
}
