/**
 * The Speex narrowband and wideband submodes as libspeex 1.2 defines them (modes.c, modes_wb.c):
 * which quantizers each uses and their codebooks. Only what decoding needs.
 *
 * Copyright 2002-2008 Xiph.org Foundation, Jean-Marc Valin. BSD licence: see ./tables.ts.
 */
import { EXC_10_16_TABLE, EXC_10_32_TABLE, EXC_20_32_TABLE, EXC_5_256_TABLE, EXC_5_64_TABLE, EXC_8_128_TABLE, GAIN_CDBK_LBR, GAIN_CDBK_NB, HEXC_10_32_TABLE, HEXC_TABLE } from "./tables.ts";

export interface SplitCodebook {
  readonly subvectSize: number;
  readonly nbSubvect: number;
  readonly shapes: Int8Array;
  readonly shapeBits: number;
  readonly haveSign: boolean;
}

export interface PitchCodebook {
  readonly gains: Int8Array;
  readonly gainBits: number;
  readonly pitchBits: number;
}

export interface NbSubmode {
  /** -1: pitch per subframe; else the +- range around one open-loop pitch per frame */
  readonly lbrPitch: number;
  readonly forcedPitchGain: boolean;
  /** bits of the per-subframe innovation gain: 0, 1 or 3 */
  readonly subframeGainBits: number;
  readonly doubleCodebook: boolean;
  readonly lsp: "nb" | "lbr";
  /** undefined: forced pitch (one gain for the frame) */
  readonly pitch: PitchCodebook | undefined;
  /** undefined: noise innovation */
  readonly innovation: SplitCodebook | undefined;
  readonly combGain: number;
}

export interface WbSubmode {
  /** undefined: the high band's excitation is the low band's innovation, folded */
  readonly innovation: SplitCodebook | undefined;
  readonly doubleCodebook: boolean;
}

const cb = (subvectSize: number, nbSubvect: number, shapes: Int8Array, shapeBits: number, haveSign = false): SplitCodebook => ({ subvectSize, nbSubvect, shapes, shapeBits, haveSign });

const LTP_NB: PitchCodebook = { gains: GAIN_CDBK_NB, gainBits: 7, pitchBits: 7 };
const LTP_VLBR: PitchCodebook = { gains: GAIN_CDBK_LBR, gainBits: 5, pitchBits: 0 };
const LTP_LBR: PitchCodebook = { gains: GAIN_CDBK_LBR, gainBits: 5, pitchBits: 7 };

const nb = (lbrPitch: number, forcedPitchGain: boolean, subframeGainBits: number, doubleCodebook: boolean, lsp: "nb" | "lbr", pitch: PitchCodebook | undefined, innovation: SplitCodebook | undefined, combGain: number): NbSubmode => ({ lbrPitch, forcedPitchGain, subframeGainBits, doubleCodebook, lsp, pitch, innovation, combGain });

/** Narrowband submodes 0..8 (0: no transmission). */
export const NB_SUBMODES: readonly (NbSubmode | undefined)[] = [
  undefined,
  nb(0, true, 0, false, "lbr", undefined, undefined, -1),
  nb(0, false, 0, false, "lbr", LTP_VLBR, cb(10, 4, EXC_10_16_TABLE, 4), 0.6),
  nb(-1, false, 1, false, "lbr", LTP_LBR, cb(10, 4, EXC_10_32_TABLE, 5), 0.55),
  nb(-1, false, 1, false, "lbr", LTP_LBR, cb(8, 5, EXC_8_128_TABLE, 7), 0.45),
  nb(-1, false, 3, false, "nb", LTP_NB, cb(5, 8, EXC_5_64_TABLE, 6), 0.25),
  nb(-1, false, 3, false, "nb", LTP_NB, cb(5, 8, EXC_5_256_TABLE, 8), 0.15),
  nb(-1, false, 3, true, "nb", LTP_NB, cb(5, 8, EXC_5_64_TABLE, 6), 0.05),
  nb(0, true, 0, false, "lbr", undefined, cb(20, 2, EXC_20_32_TABLE, 5), 0.5),
];

/** Wideband (high band) submodes 0..4 (0: no transmission). */
export const WB_SUBMODES: readonly (WbSubmode | undefined)[] = [
  undefined,
  { innovation: undefined, doubleCodebook: false },
  { innovation: cb(10, 4, HEXC_10_32_TABLE, 5), doubleCodebook: false },
  { innovation: cb(8, 5, HEXC_TABLE, 7, true), doubleCodebook: false },
  { innovation: cb(8, 5, HEXC_TABLE, 7, true), doubleCodebook: true },
];
