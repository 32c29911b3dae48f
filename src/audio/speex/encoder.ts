/**
 * Speex wideband encoder (16 kHz, 20 ms frames of 320 samples): a port of libspeex 1.2's
 * floating-point encoder (nb_celp.c nb_encode, sb_celp.c sb_encode and their searches) at one fixed
 * setting, the one Flash Player sent: quality 6 (Microphone.encodeQuality's default), which is
 * narrowband mode 5 (15 kb/s CELP) for the 0-4 kHz band and wideband submode 2 (the 5.6 kb/s
 * stochastic codebook) for 4-8 kHz, 20.6 kb/s in all; constant bit rate, no VAD or DTX, input
 * high-pass on as libspeex has it. A QMF bank splits the bands; each is coded by analysis by
 * synthesis against the perceptually weighted input.
 *
 * Copyright 2002-2008 Xiph.org Foundation, Jean-Marc Valin; 1993, 2002, 2006 David Rowe. BSD
 * licence: see the notice in ./tables.ts, which applies to this file too.
 */
import { BitWriter } from "../../codecs/bits.ts";
import { SPEEX_WB_FRAME_SAMPLES } from "../../codecs/speex.ts";
import { autocorr, computeImpulseResponse, filterMem16, firMem16, highpassInput, levinson, lpcToLsp, qmfDecomp } from "./analysis.ts";
import { bwLpc, computeRms, iirMem16, lspInterpolate, lspToLpc } from "./filters.ts";
import { NB_SUBMODES, WB_SUBMODES, type NbSubmode, type WbSubmode } from "./modes.ts";
import { lspQuantHigh, lspQuantNb, pitchSearch3Tap, splitCbSearch, type PitchSearchState, type WeightedFilters } from "./search.ts";
import { LAG_WINDOW, LPC_WINDOW, QMF_H0 } from "./tables.ts";

/** Flash Player's Speex quality (Microphone.encodeQuality defaults to 6): modes below follow from it. */
export const SPEEX_ENCODE_QUALITY = 6;
/** libspeex wideband quality -> (narrowband mode, high-band submode), modes_wb.c. */
const NB_MODE = 5;
const WB_MODE = 2;
/**
 * Search effort (libspeex SPEEX_SET_COMPLEXITY): 3 tries the 3 best open-loop pitch lags and keeps
 * the 2 best partial codebook choices. ffmpeg's libspeex encoder uses 3 by default; Flash Player's
 * setting is not documented.
 */
const COMPLEXITY = 3;
/** Flash Player sent two 20 ms frames per FLV message (Microphone.framesPerPacket's default). */
export const SPEEX_FRAMES_PER_PACKET = 2;

const NB_ORDER = 10;
const NB_FRAME = 160;
const NB_SUBFRAME = 40;
const NB_SUBFRAMES = 4;
const NB_WINDOW = NB_FRAME + NB_SUBFRAME;
const PITCH_START = 17;
const PITCH_END = 144;
const HISTORY = PITCH_END + 2;
const NB_LSP_MARGIN = 0.002;
const NB_GAMMA1 = 0.92;
const NB_GAMMA2 = 0.6;
const WB_ORDER = 8;
const WB_LSP_MARGIN = 0.05;
const WB_GAMMA1 = 0.9;
const WB_GAMMA2 = 0.6;
const LPC_FLOOR = 0.0002;
const LSP_DELTA1 = 0.2;
const LSP_DELTA2 = 0.05;
const QMF_ORDER = 64;
const VERY_SMALL = 1e-15;
const EXC_GAIN_SCAL3_BOUND = [0.112338, 0.23698, 0.369316, 0.492054, 0.637471, 0.828874, 1.132784] as const;
const EXC_GAIN_SCAL3 = [0.06113, 0.163546, 0.310413, 0.42822, 0.555887, 0.719055, 0.938694, 1.326874] as const;
const GC_QUANT_BOUND = [0.97979, 1.28384, 1.68223, 2.20426, 2.88829, 3.78458, 4.959, 6.49787, 8.51428, 11.15642, 14.61846, 19.15484, 25.09895, 32.88761, 43.09325, 56.46588] as const;

/** vq.c scal_quant: index of the first boundary at or above x. */
function scalQuant(x: number, bounds: readonly number[]): number {
  let i = 0;
  while (i < bounds.length && x > bounds[i]!) i++;
  return i;
}

/** LPC analysis of a 200-sample windowed buffer: the frame's LSPs (the previous ones when roots are missing). */
function analyseLsp(windowed: Float32Array, order: number, addOne: boolean, retry: boolean, oldLsp: Float32Array): Float32Array {
  const ac = new Float64Array(order + 1);
  autocorr(windowed, ac, order + 1, windowed.length);
  ac[0] = ac[0]! + ac[0]! * LPC_FLOOR;
  for (let i = 0; i <= order; i++) ac[i] = ac[i]! * LAG_WINDOW[i]!;
  if (addOne) ac[0] = ac[0]! + 1;
  const lpc = new Float32Array(order);
  levinson(lpc, ac, order);
  const lsp = new Float32Array(order);
  if (lpcToLsp(lpc, order, lsp, 10, LSP_DELTA1) === order) return lsp;
  if (retry && lpcToLsp(lpc, order, lsp, 10, LSP_DELTA2) === order) return lsp;
  return Float32Array.from(oldLsp);
}

const initialLsp = (order: number): Float32Array => Float32Array.from({ length: order }, (_, i) => (Math.PI * (i + 1)) / (order + 1));

/** The narrowband layer (libspeex nb_encode in wideband use) at mode 5. */
class NarrowbandEncoder {
  private readonly mode: NbSubmode = NB_SUBMODES[NB_MODE]!;
  private readonly winBuf = new Float32Array(NB_WINDOW - NB_FRAME);
  private readonly excBuf = new Float32Array(NB_FRAME + HISTORY);
  private readonly swBuf = new Float32Array(NB_FRAME + HISTORY);
  private readonly memHp = new Float64Array(2);
  private readonly memExc = new Float32Array(NB_ORDER);
  private readonly memExc2 = new Float32Array(NB_ORDER);
  private readonly memSp = new Float32Array(NB_ORDER);
  private readonly memSw = new Float32Array(NB_ORDER);
  private oldLsp = initialLsp(NB_ORDER);
  private oldQlsp = new Float32Array(NB_ORDER);
  private readonly pitchState: PitchSearchState = { cumulGain: 1024 };
  private first = true;
  private boundedPitch = true;
  /** analysis filter gain at half the sampling rate per subframe (the high band scales by it) */
  readonly piGain = new Float64Array(NB_SUBFRAMES);

  /** RMS of each subframe's final excitation (libspeex SPEEX_GET_EXC). */
  excRms(): number[] {
    return [0, 1, 2, 3].map((s) => computeRms(this.excBuf, HISTORY + s * NB_SUBFRAME, NB_SUBFRAME));
  }

  /** Encodes the low band (160 samples, modified in place by the high-pass). */
  encode(input: Float32Array, w: BitWriter): void {
    const exc = this.excBuf;
    const sw = this.swBuf;
    exc.copyWithin(0, NB_FRAME, NB_FRAME + HISTORY);
    sw.copyWithin(0, NB_FRAME, NB_FRAME + HISTORY);
    highpassInput(input, NB_FRAME, this.memHp);

    const windowed = new Float32Array(NB_WINDOW);
    for (let i = 0; i < NB_WINDOW - NB_FRAME; i++) windowed[i] = this.winBuf[i]! * LPC_WINDOW[i]!;
    for (let i = NB_WINDOW - NB_FRAME; i < NB_WINDOW; i++) windowed[i] = input[i - NB_WINDOW + NB_FRAME]! * LPC_WINDOW[i]!;
    const lsp = analyseLsp(windowed, NB_ORDER, true, false, this.oldLsp);

    // open-loop excitation gain over the frame (mode 5 needs no open-loop pitch)
    const interpLsp = new Float32Array(NB_ORDER);
    if (this.first) interpLsp.set(lsp);
    else lspInterpolate(this.oldLsp, lsp, interpLsp, NB_ORDER, NB_SUBFRAMES, NB_SUBFRAMES << 1, NB_LSP_MARGIN);
    const interpLpc = new Float32Array(NB_ORDER);
    lspToLpc(interpLsp, interpLpc, NB_ORDER);
    const lookahead = NB_WINDOW - NB_FRAME;
    firMem16(this.winBuf, 0, interpLpc, exc, HISTORY, lookahead, NB_ORDER, this.memExc);
    firMem16(input, 0, interpLpc, exc, HISTORY + lookahead, NB_FRAME - lookahead, NB_ORDER, this.memExc);
    const olGainRaw = computeRms(exc, HISTORY, NB_FRAME);

    w.write(5, NB_MODE); // narrowband flag 0, then the mode
    if (this.first) this.oldLsp = Float32Array.from(lsp);
    const qlsp = new Float32Array(NB_ORDER);
    lspQuantNb(lsp, qlsp, w);
    const qe = Math.min(31, Math.max(0, Math.floor(0.5 + 3.5 * Math.log(olGainRaw))));
    const olGain = Math.exp(qe / 3.5);
    w.write(5, qe);
    if (this.first) this.oldQlsp = Float32Array.from(qlsp);

    for (let sub = 0; sub < NB_SUBFRAMES; sub++) this.encodeSubframe(sub, input, lsp, qlsp, olGain, w);

    this.oldLsp = Float32Array.from(lsp);
    this.oldQlsp = Float32Array.from(qlsp);
    this.first = false;
    this.winBuf.set(input.subarray(2 * NB_FRAME - NB_WINDOW, NB_FRAME));
    this.boundedPitch = false;
  }

  private encodeSubframe(sub: number, input: Float32Array, lsp: Float32Array, qlsp: Float32Array, olGain: number, w: BitWriter): void {
    const offset = NB_SUBFRAME * sub;
    const e = HISTORY + offset;
    const exc = this.excBuf;
    const sw = this.swBuf;
    const interpLsp = new Float32Array(NB_ORDER);
    const interpQlsp = new Float32Array(NB_ORDER);
    lspInterpolate(this.oldLsp, lsp, interpLsp, NB_ORDER, sub, NB_SUBFRAMES, NB_LSP_MARGIN);
    lspInterpolate(this.oldQlsp, qlsp, interpQlsp, NB_ORDER, sub, NB_SUBFRAMES, NB_LSP_MARGIN);
    const interpLpc = new Float32Array(NB_ORDER);
    const ak = new Float32Array(NB_ORDER);
    lspToLpc(interpLsp, interpLpc, NB_ORDER);
    lspToLpc(interpQlsp, ak, NB_ORDER);
    let piG = 1;
    for (let i = 0; i < NB_ORDER; i += 2) piG += ak[i + 1]! - ak[i]!;
    this.piGain[sub] = piG;
    const awk1 = new Float32Array(NB_ORDER);
    const awk2 = new Float32Array(NB_ORDER);
    bwLpc(NB_GAMMA1, interpLpc, awk1, NB_ORDER);
    bwLpc(NB_GAMMA2, interpLpc, awk2, NB_ORDER);

    // the coder runs one subframe behind its input: subframe 0 is the previous frame's lookahead
    const inBuf = sub === 0 ? this.winBuf : input.subarray((sub - 1) * NB_SUBFRAME);
    for (let i = 0; i < NB_SUBFRAME; i++) sw[e + i] = inBuf[i]!;
    const r = new Float32Array(NB_SUBFRAME);
    computeImpulseResponse(ak, awk1, awk2, r, NB_SUBFRAME, NB_ORDER);

    // zero-input response of the weighted synthesis filter, removed from the target
    const ringing = new Float32Array(NB_SUBFRAME).fill(VERY_SMALL);
    iirMem16(ringing, 0, ak, ringing, 0, NB_SUBFRAME, NB_ORDER, Float32Array.from(this.memSp));
    filterMem16(ringing, 0, awk1, awk2, ringing, 0, NB_SUBFRAME, NB_ORDER, Float32Array.from(this.memSw));
    filterMem16(sw, e, awk1, awk2, sw, e, NB_SUBFRAME, NB_ORDER, Float32Array.from(this.memSw));
    const target = new Float64Array(NB_SUBFRAME);
    for (let i = 0; i < NB_SUBFRAME; i++) target[i] = sw[e + i]! - ringing[i]!;

    for (let i = 0; i < NB_SUBFRAME; i++) exc[e + i] = inBuf[i]!;
    firMem16(exc, e, ak, exc, e, NB_SUBFRAME, NB_ORDER, this.memExc2);

    const pitMax = this.boundedPitch ? Math.min(PITCH_END, offset) : PITCH_END;
    const exc32 = new Float64Array(NB_SUBFRAME);
    const filters: WeightedFilters = { ak, awk1, awk2, r, order: NB_ORDER };
    pitchSearch3Tap(target, sw, e, filters, exc32, this.mode.pitch!, PITCH_START, pitMax, NB_SUBFRAME, w, exc, e, COMPLEXITY, this.pitchState);

    for (let i = 0; i < NB_SUBFRAME; i++) exc[e + i] = exc[e + i]! - exc32[i]!;
    const fineGain = computeRms(exc, e, NB_SUBFRAME) / olGain;
    const qe = scalQuant(fineGain, EXC_GAIN_SCAL3_BOUND);
    w.write(3, qe);
    const ener = EXC_GAIN_SCAL3[qe]! * olGain;
    for (let i = 0; i < NB_SUBFRAME; i++) target[i] = target[i]! / ener;

    const innov = new Float64Array(NB_SUBFRAME);
    splitCbSearch(target, this.mode.innovation!, NB_SUBFRAME, innov, r, w, COMPLEXITY);
    for (let i = 0; i < NB_SUBFRAME; i++) exc[e + i] = exc32[i]! + innov[i]! * ener;

    iirMem16(exc, e, ak, sw, e, NB_SUBFRAME, NB_ORDER, this.memSp);
    filterMem16(sw, e, awk1, awk2, sw, e, NB_SUBFRAME, NB_ORDER, this.memSw);
  }
}

/** The wideband encoder: QMF analysis, the narrowband layer, then the 4-8 kHz layer (libspeex sb_encode). */
export class SpeexWidebandEncoder {
  private readonly low = new NarrowbandEncoder();
  private readonly mode: WbSubmode = WB_SUBMODES[WB_MODE]!;
  private readonly h0Mem = new Float32Array(QMF_ORDER);
  /** the high band's last subframe: its coding lags the QMF output by one subframe as the low band's does */
  private readonly highHistory = new Float32Array(NB_SUBFRAME);
  private readonly memSp = new Float32Array(WB_ORDER);
  private readonly memSp2 = new Float32Array(WB_ORDER);
  private readonly memSw = new Float32Array(WB_ORDER);
  private oldLsp = initialLsp(WB_ORDER);
  private oldQlsp = new Float32Array(WB_ORDER);
  private first = true;

  /**
   * One packet as an FLV Speex tag carries it: every 320 samples of `pcm` (float, -1..1, 16 kHz
   * mono) one frame, then libspeex's terminator padding to a whole byte.
   */
  encode(pcm: Float32Array): Uint8Array {
    if (pcm.length === 0 || pcm.length % SPEEX_WB_FRAME_SAMPLES !== 0) throw new RangeError(`Speex: ${pcm.length} samples is not a whole number of ${SPEEX_WB_FRAME_SAMPLES}-sample frames`);
    const w = new BitWriter(64);
    for (let at = 0; at < pcm.length; at += SPEEX_WB_FRAME_SAMPLES) this.encodeFrame(pcm.subarray(at, at + SPEEX_WB_FRAME_SAMPLES), w);
    const pad = (8 - (w.bitLength % 8)) % 8;
    if (pad > 0) w.write(pad, (1 << (pad - 1)) - 1); // a 0, then 1s
    return w.finish();
  }

  private encodeFrame(pcm: Float32Array, w: BitWriter): void {
    const input = new Float32Array(SPEEX_WB_FRAME_SAMPLES);
    for (let i = 0; i < input.length; i++) input[i] = Math.max(-32768, Math.min(32767, pcm[i]! * 32768));
    const low = new Float32Array(NB_FRAME);
    const high = new Float32Array(NB_SUBFRAME + NB_FRAME);
    qmfDecomp(input, QMF_H0, low, high.subarray(NB_SUBFRAME), SPEEX_WB_FRAME_SAMPLES, QMF_ORDER, this.h0Mem);
    this.low.encode(low, w);
    high.set(this.highHistory);
    this.highHistory.set(high.subarray(NB_FRAME));

    const windowed = new Float32Array(NB_WINDOW);
    for (let i = 0; i < NB_WINDOW; i++) windowed[i] = high[i]! * LPC_WINDOW[i]!;
    const lsp = analyseLsp(windowed, WB_ORDER, false, true, this.oldLsp);
    w.write(4, 8 | WB_MODE); // wideband flag 1, then the submode
    const qlsp = new Float32Array(WB_ORDER);
    lspQuantHigh(lsp, qlsp, w);
    if (this.first) {
      this.oldLsp = Float32Array.from(lsp);
      this.oldQlsp = Float32Array.from(qlsp);
    }
    const lowPiGain = this.low.piGain;
    const lowExcRms = this.low.excRms();
    for (let sub = 0; sub < NB_SUBFRAMES; sub++) this.encodeSubframe(sub, high, lsp, qlsp, lowPiGain[sub]!, lowExcRms[sub]!, w);
    this.oldLsp = Float32Array.from(lsp);
    this.oldQlsp = Float32Array.from(qlsp);
    this.first = false;
  }

  private encodeSubframe(sub: number, high: Float32Array, lsp: Float32Array, qlsp: Float32Array, lowPiGain: number, lowExcRms: number, w: BitWriter): void {
    const sp = NB_SUBFRAME * sub;
    const interpLsp = new Float32Array(WB_ORDER);
    const interpQlsp = new Float32Array(WB_ORDER);
    lspInterpolate(this.oldLsp, lsp, interpLsp, WB_ORDER, sub, NB_SUBFRAMES, WB_LSP_MARGIN);
    lspInterpolate(this.oldQlsp, qlsp, interpQlsp, WB_ORDER, sub, NB_SUBFRAMES, WB_LSP_MARGIN);
    const interpLpc = new Float32Array(WB_ORDER);
    const ak = new Float32Array(WB_ORDER);
    lspToLpc(interpLsp, interpLpc, WB_ORDER);
    lspToLpc(interpQlsp, ak, WB_ORDER);
    const awk1 = new Float32Array(WB_ORDER);
    const awk2 = new Float32Array(WB_ORDER);
    bwLpc(WB_GAMMA1, interpLpc, awk1, WB_ORDER);
    bwLpc(WB_GAMMA2, interpLpc, awk2, WB_ORDER);
    let rh = 1;
    for (let i = 0; i < WB_ORDER; i += 2) rh += ak[i + 1]! - ak[i]!;
    const filterRatio = (lowPiGain + 0.01) / (rh + 0.01);

    const exc = new Float32Array(NB_SUBFRAME);
    firMem16(high, sp, ak, exc, 0, NB_SUBFRAME, WB_ORDER, this.memSp2);
    const eh = computeRms(exc, 0, NB_SUBFRAME);
    const el = lowExcRms;
    const qgc = scalQuant((filterRatio * (1 + eh)) / (1 + el), GC_QUANT_BOUND);
    w.write(4, qgc);
    const gc = 0.8736 * GC_QUANT_BOUND[qgc]!;
    const scale = (gc / Math.max(VERY_SMALL, filterRatio)) * (1 + el);

    const r = new Float32Array(NB_SUBFRAME);
    computeImpulseResponse(ak, awk1, awk2, r, NB_SUBFRAME, WB_ORDER);
    const ringing = new Float32Array(NB_SUBFRAME).fill(VERY_SMALL);
    iirMem16(ringing, 0, ak, ringing, 0, NB_SUBFRAME, WB_ORDER, Float32Array.from(this.memSp));
    filterMem16(ringing, 0, awk1, awk2, ringing, 0, NB_SUBFRAME, WB_ORDER, Float32Array.from(this.memSw));
    const sw = new Float32Array(NB_SUBFRAME);
    filterMem16(high, sp, awk1, awk2, sw, 0, NB_SUBFRAME, WB_ORDER, Float32Array.from(this.memSw));
    const target = new Float64Array(NB_SUBFRAME);
    for (let i = 0; i < NB_SUBFRAME; i++) target[i] = (sw[i]! - ringing[i]!) / scale;

    const innov = new Float64Array(NB_SUBFRAME);
    splitCbSearch(target, this.mode.innovation!, NB_SUBFRAME, innov, r, w, COMPLEXITY);
    for (let i = 0; i < NB_SUBFRAME; i++) exc[i] = innov[i]! * scale;
    iirMem16(exc, 0, ak, high, sp, NB_SUBFRAME, WB_ORDER, this.memSp);
    filterMem16(high, sp, awk1, awk2, sw, 0, NB_SUBFRAME, WB_ORDER, this.memSw);
  }
}
