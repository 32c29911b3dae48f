/**
 * Speex wideband decoder (16 kHz, 20 ms frames of 320 samples): a port of libspeex 1.2's
 * floating-point decoder (nb_celp.c nb_decode, sb_celp.c sb_decode and their quantizers), perceptual
 * enhancement on as libspeex has it by default. The narrowband CELP layer decodes the 0-4 kHz band,
 * the wideband layer the 4-8 kHz band, and a QMF bank joins them. Lost packets are not concealed:
 * RTMP does not lose them.
 *
 * Copyright 2002-2008 Xiph.org Foundation, Jean-Marc Valin; 1993, 2002, 2006 David Rowe. BSD
 * licence: see the notice in ./tables.ts, which applies to this file too.
 */
import { BitReader } from "../../codecs/bits.ts";
import { SPEEX_WB_FRAME_SAMPLES } from "../../codecs/speex.ts";
import { ParseError } from "../../errors.ts";
import { bwLpc, computeRms, highpassOutput, iirMem16, lspInterpolate, lspToLpc, multicomb, qmfSynth, speexRand } from "./filters.ts";
import { NB_SUBMODES, WB_SUBMODES, type NbSubmode, type SplitCodebook, type WbSubmode } from "./modes.ts";
import { CDBK_NB, CDBK_NB_HIGH1, CDBK_NB_HIGH2, CDBK_NB_LOW1, CDBK_NB_LOW2, HIGH_LSP_CDBK, HIGH_LSP_CDBK2, QMF_H0 } from "./tables.ts";
import { AUDIO_ERR } from "../errors.ts";

const NB_ORDER = 10;
const NB_FRAME = 160;
const NB_SUBFRAME = 40;
const NB_SUBFRAMES = 4;
const PITCH_START = 17;
const PITCH_END = 144;
const NB_EXC_OFFSET = 2 * PITCH_END + NB_SUBFRAME + 6;
const NB_DEC_BUFFER = NB_FRAME + 2 * PITCH_END + NB_SUBFRAME + 12;
const NB_LSP_MARGIN = 0.002;
const WB_ORDER = 8;
const WB_LSP_MARGIN = 0.05;
const QMF_ORDER = 64;
const FOLDING_GAIN = 0.9;
const EXC_GAIN_SCAL3 = [0.06113, 0.163546, 0.310413, 0.42822, 0.555887, 0.719055, 0.938694, 1.326874] as const;
const EXC_GAIN_SCAL1 = [0.70469, 1.05127] as const;
const GC_QUANT_BOUND = [0.97979, 1.28384, 1.68223, 2.20426, 2.88829, 3.78458, 4.959, 6.49787, 8.51428, 11.15642, 14.61846, 19.15484, 25.09895, 32.88761, 43.09325, 56.46588] as const;
const WB_SKIP_BITS = [4, 36, 112, 192, 352] as const;

/** A reserved mode: the stream is corrupt. */
function corrupt(r: BitReader, what: string): ParseError {
  return new ParseError(AUDIO_ERR.SPEEX_MODE, `Speex: ${what}`, r.bitOffset >> 3);
}

function splitCbUnquant(exc: Float32Array, cb: SplitCodebook, r: BitReader): void {
  const signs: boolean[] = [];
  const ind: number[] = [];
  for (let i = 0; i < cb.nbSubvect; i++) {
    signs.push(cb.haveSign ? r.readFlag() : false);
    ind.push(r.read(cb.shapeBits));
  }
  for (let i = 0; i < cb.nbSubvect; i++) {
    const s = signs[i] ? -1 : 1;
    for (let j = 0; j < cb.subvectSize; j++) exc[cb.subvectSize * i + j] = exc[cb.subvectSize * i + j]! + s * 0.03125 * cb.shapes[ind[i]! * cb.subvectSize + j]!;
  }
}

function gain3TapTo1Tap(g: readonly number[]): number {
  return Math.abs(g[1]!) + (g[0]! > 0 ? g[0]! : -0.5 * g[0]!) + (g[2]! > 0 ? g[2]! : -0.5 * g[2]!);
}

/** The narrowband layer (libspeex nb_decode), wideband flavour: its output high-pass is the wideband one. */
class NarrowbandDecoder {
  private readonly excBuf = new Float32Array(NB_DEC_BUFFER);
  private readonly interpQlpc = new Float32Array(NB_ORDER);
  private readonly oldQlsp = new Float32Array(NB_ORDER);
  private readonly memSp = new Float32Array(NB_ORDER);
  private readonly memHp = new Float32Array(2);
  readonly piGain = new Float64Array(NB_SUBFRAMES);
  /** innovation of the last frame, for the high band's folding */
  readonly innovSave = new Float32Array(NB_FRAME);
  readonly seed = { value: 1000 };
  private submode = 0;
  private first = true;
  private vocOffset = 0;
  private vocM1 = 0;
  private vocM2 = 0;
  private vocMean = 0;
  dtxEnabled = false;

  /** RMS of each subframe's excitation (sb_decode scales the high band by it). */
  excRms(): number[] {
    return [0, 1, 2, 3].map((s) => computeRms(this.excBuf, NB_EXC_OFFSET + s * NB_SUBFRAME, NB_SUBFRAME));
  }

  /** Decodes one frame into out[0..160); false at the end of the packet (terminator or padding). */
  decode(r: BitReader, out: Float32Array): boolean {
    const m = this.readMode(r);
    if (m === undefined) return false;
    this.submode = m;
    this.excBuf.copyWithin(0, NB_FRAME, NB_FRAME + 2 * PITCH_END + NB_SUBFRAME + 12);
    const mode = NB_SUBMODES[m];
    if (!mode) {
      this.decodeSilent(out);
      return true;
    }
    this.decodeSpeech(mode, r, out);
    return true;
  }

  /** Skips in-band requests and foreign wideband layers up to the next narrowband mode. */
  private readMode(r: BitReader): number | undefined {
    for (;;) {
      if (r.bitsLeft < 5) return undefined;
      let layers = 0;
      while (r.peek(1) === 1) {
        if (++layers > 2) throw corrupt(r, "more than two wideband layers");
        r.skip(1);
        const submode = r.read(3);
        const bits = WB_SKIP_BITS[submode];
        if (bits === undefined) throw corrupt(r, `reserved wideband submode ${submode}`);
        r.skip(bits - 4);
        if (r.bitsLeft < 5) return undefined;
      }
      r.skip(1);
      const m = r.read(4);
      if (m === 15) return undefined;
      if (m === 14) {
        const id = r.read(4);
        r.skip(id < 2 ? 1 : id < 8 ? 4 : id < 10 ? 8 : id < 12 ? 16 : id < 14 ? 32 : 64);
      } else if (m === 13) {
        r.skip(5 + 8 * r.read(4));
      } else if (m > 8) {
        throw corrupt(r, `reserved narrowband mode ${m}`);
      } else return m;
    }
  }

  private decodeSilent(out: Float32Array): void {
    const lpc = new Float32Array(NB_ORDER);
    bwLpc(0.93, this.interpQlpc, lpc, NB_ORDER);
    const gain = computeRms(this.excBuf, NB_EXC_OFFSET, NB_FRAME);
    for (let i = 0; i < NB_FRAME; i++) this.excBuf[NB_EXC_OFFSET + i] = speexRand(gain, this.seed);
    this.first = true;
    iirMem16(this.excBuf, NB_EXC_OFFSET, lpc, out, 0, NB_FRAME, NB_ORDER, this.memSp);
    this.innovSave.fill(0);
  }

  private decodeSpeech(mode: NbSubmode, r: BitReader, out: Float32Array): void {
    const qlsp = mode.lsp === "nb" ? lspUnquantNb(r) : lspUnquantLbr(r);
    if (this.first) this.oldQlsp.set(qlsp);
    let olPitch = 0;
    if (mode.lbrPitch !== -1) olPitch = PITCH_START + r.read(7);
    let olPitchCoef = 0;
    if (mode.forcedPitchGain) olPitchCoef = 0.066667 * r.read(4);
    const olGain = Math.exp(r.read(5) / 3.5);
    if (this.submode === 1) this.dtxEnabled = r.read(4) === 15;
    else this.dtxEnabled = false;

    const exc = this.excBuf;
    let bestPitch = 40;
    let bestPitchGain = 0;
    const innov = new Float32Array(NB_SUBFRAME);
    const exc32 = new Float64Array(NB_SUBFRAME);
    for (let sub = 0; sub < NB_SUBFRAMES; sub++) {
      const offset = NB_SUBFRAME * sub;
      const e = NB_EXC_OFFSET + offset;
      exc.fill(0, e, e + NB_SUBFRAME);
      // the pitch is coded relative to the smallest allowed lag
      let pitMin = PITCH_START;
      if (mode.lbrPitch !== -1) pitMin = mode.lbrPitch ? Math.max(PITCH_START, olPitch - mode.lbrPitch + 1) : olPitch;
      const { pitch, gain } = mode.pitch ? pitchUnquant3Tap(exc, e, exc32, pitMin, mode, r) : forcedPitchUnquant(exc, e, exc32, pitMin, olPitchCoef);
      for (let i = 0; i < NB_SUBFRAME; i++) exc32[i] = Math.min(32000, Math.max(-32000, Number.isNaN(exc32[i]!) ? 0 : exc32[i]!));
      const tmp = gain3TapTo1Tap(gain);
      if (
        (tmp > bestPitchGain && Math.abs(2 * bestPitch - pitch) >= 3 && Math.abs(3 * bestPitch - pitch) >= 4 && Math.abs(4 * bestPitch - pitch) >= 5) ||
        (tmp > 0.6 * bestPitchGain && (Math.abs(bestPitch - 2 * pitch) < 3 || Math.abs(bestPitch - 3 * pitch) < 4 || Math.abs(bestPitch - 4 * pitch) < 5)) ||
        (0.67 * tmp > bestPitchGain && (Math.abs(2 * bestPitch - pitch) < 3 || Math.abs(3 * bestPitch - pitch) < 4 || Math.abs(4 * bestPitch - pitch) < 5))
      ) {
        bestPitch = pitch;
        if (tmp > bestPitchGain) bestPitchGain = tmp;
      }

      innov.fill(0);
      let ener = olGain;
      if (mode.subframeGainBits === 3) ener = EXC_GAIN_SCAL3[r.read(3)]! * olGain;
      else if (mode.subframeGainBits === 1) ener = EXC_GAIN_SCAL1[r.read(1)]! * olGain;
      this.innovation(mode, innov, r);
      for (let i = 0; i < NB_SUBFRAME; i++) innov[i] = innov[i]! * ener;
      if (mode.doubleCodebook) {
        const innov2 = new Float32Array(NB_SUBFRAME);
        this.innovation(mode, innov2, r);
        for (let i = 0; i < NB_SUBFRAME; i++) innov[i] = innov[i]! + innov2[i]! * 0.454545 * ener;
      }
      for (let i = 0; i < NB_SUBFRAME; i++) exc[e + i] = exc32[i]! + innov[i]!;
      this.innovSave.set(innov, offset);
      if (this.submode === 1) this.vocoder(exc, e, innov, olPitch, olPitchCoef, olGain);
    }

    if (mode.combGain > 0) {
      multicomb(exc, NB_EXC_OFFSET - NB_SUBFRAME, out, 0, 2 * NB_SUBFRAME, bestPitch, 40, mode.combGain);
      multicomb(exc, NB_EXC_OFFSET + NB_SUBFRAME, out, 2 * NB_SUBFRAME, 2 * NB_SUBFRAME, bestPitch, 40, mode.combGain);
    } else {
      out.set(exc.subarray(NB_EXC_OFFSET - NB_SUBFRAME, NB_EXC_OFFSET - NB_SUBFRAME + NB_FRAME));
    }

    const interpQlsp = new Float32Array(NB_ORDER);
    const ak = new Float32Array(NB_ORDER);
    for (let sub = 0; sub < NB_SUBFRAMES; sub++) {
      lspInterpolate(this.oldQlsp, qlsp, interpQlsp, NB_ORDER, sub, NB_SUBFRAMES, NB_LSP_MARGIN);
      lspToLpc(interpQlsp, ak, NB_ORDER);
      let piG = 1;
      for (let i = 0; i < NB_ORDER; i += 2) piG += ak[i + 1]! - ak[i]!;
      this.piGain[sub] = piG;
      iirMem16(out, NB_SUBFRAME * sub, this.interpQlpc, out, NB_SUBFRAME * sub, NB_SUBFRAME, NB_ORDER, this.memSp);
      this.interpQlpc.set(ak);
    }
    highpassOutput(out, NB_FRAME, this.memHp);
    this.oldQlsp.set(qlsp);
    this.first = false;
  }

  private innovation(mode: NbSubmode, innov: Float32Array, r: BitReader): void {
    if (mode.innovation) return splitCbUnquant(innov, mode.innovation, r);
    for (let i = 0; i < NB_SUBFRAME; i++) innov[i] = speexRand(1, this.seed);
  }

  /** Submode 1 (vocoder): a pulse train at the open-loop pitch mixed with the noise innovation. */
  private vocoder(exc: Float32Array, e: number, innov: Float32Array, olPitch: number, olPitchCoef: number, olGain: number): void {
    const g = Math.min(1, Math.max(0, 1.5 * (olPitchCoef - 0.2)));
    exc.fill(0, e, e + NB_SUBFRAME);
    while (this.vocOffset < NB_SUBFRAME) {
      if (this.vocOffset >= 0) exc[e + this.vocOffset] = Math.sqrt(2 * olPitch) * g * olGain;
      this.vocOffset += olPitch;
    }
    this.vocOffset -= NB_SUBFRAME;
    for (let i = 0; i < NB_SUBFRAME; i++) {
      const exci = exc[e + i]!;
      exc[e + i] = 0.7 * exci + 0.3 * this.vocM1 + ((1 - 0.85 * g) * innov[i]! - 0.15 * g * this.vocM2);
      this.vocM1 = exci;
      this.vocM2 = innov[i]!;
      this.vocMean = 0.8 * this.vocMean + 0.2 * exc[e + i]!;
      exc[e + i] = exc[e + i]! - this.vocMean;
    }
  }
}

/** One LSP codebook stage: a 6-bit index, `size` values added from `at`, scaled. */
function addLspStage(lsp: Float32Array, r: BitReader, book: Int8Array, size: number, at: number, scale: number): void {
  const id = r.read(6);
  for (let i = 0; i < size; i++) lsp[at + i] = lsp[at + i]! + scale * book[id * size + i]!;
}

const nbLinearLsp = (): Float32Array => Float32Array.from({ length: NB_ORDER }, (_, i) => 0.25 * i + 0.25);

/** quant_lsp.c lsp_unquant_nb: five stages (modes 5-7). */
function lspUnquantNb(r: BitReader): Float32Array {
  const lsp = nbLinearLsp();
  addLspStage(lsp, r, CDBK_NB, 10, 0, 0.0039062);
  addLspStage(lsp, r, CDBK_NB_LOW1, 5, 0, 0.0019531);
  addLspStage(lsp, r, CDBK_NB_LOW2, 5, 0, 0.00097656);
  addLspStage(lsp, r, CDBK_NB_HIGH1, 5, 5, 0.0019531);
  addLspStage(lsp, r, CDBK_NB_HIGH2, 5, 5, 0.00097656);
  return lsp;
}

/** quant_lsp.c lsp_unquant_lbr: three stages (the low-rate modes). */
function lspUnquantLbr(r: BitReader): Float32Array {
  const lsp = nbLinearLsp();
  addLspStage(lsp, r, CDBK_NB, 10, 0, 0.0039062);
  addLspStage(lsp, r, CDBK_NB_LOW1, 5, 0, 0.0019531);
  addLspStage(lsp, r, CDBK_NB_HIGH1, 5, 5, 0.0019531);
  return lsp;
}

/** quant_lsp.c lsp_unquant_high: the high band's two stages. */
function lspUnquantHigh(r: BitReader): Float32Array {
  const lsp = Float32Array.from({ length: WB_ORDER }, (_, i) => 0.3125 * i + 0.75);
  addLspStage(lsp, r, HIGH_LSP_CDBK, WB_ORDER, 0, 0.0039062);
  addLspStage(lsp, r, HIGH_LSP_CDBK2, WB_ORDER, 0, 0.0019531);
  return lsp;
}

/** 3-tap long-term predictor (ltp.c pitch_unquant_3tap): exc32 = sum of gains x the past excitation. */
function pitchUnquant3Tap(exc: Float32Array, e: number, exc32: Float64Array, start: number, mode: NbSubmode, r: BitReader): { pitch: number; gain: number[] } {
  const params = mode.pitch!;
  const pitch = start + r.read(params.pitchBits);
  const index = r.read(params.gainBits);
  const gain = [0, 1, 2].map((k) => 0.015625 * params.gains[index * 4 + k]! + 0.5);
  exc32.fill(0);
  for (let i = 0; i < 3; i++) {
    const pp = pitch + 1 - i;
    const tmp1 = Math.min(NB_SUBFRAME, pp);
    for (let j = 0; j < tmp1; j++) exc32[j] = exc32[j]! + gain[2 - i]! * exc[e + j - pp]!;
    const tmp3 = Math.min(NB_SUBFRAME, pp + pitch);
    for (let j = tmp1; j < tmp3; j++) exc32[j] = exc32[j]! + gain[2 - i]! * exc[e + j - pp - pitch]!;
  }
  return { pitch, gain };
}

/** One pitch gain for the whole frame (ltp.c forced_pitch_unquant). */
function forcedPitchUnquant(exc: Float32Array, e: number, exc32: Float64Array, start: number, coef: number): { pitch: number; gain: number[] } {
  const c = Math.min(0.99, coef);
  for (let i = 0; i < NB_SUBFRAME; i++) {
    exc32[i] = exc[e + i - start]! * c;
    exc[e + i] = exc32[i]!;
  }
  return { pitch: start, gain: [0, c, 0] };
}

/** The wideband decoder: narrowband layer + high band + QMF synthesis (libspeex sb_decode). */
export class SpeexWidebandDecoder {
  private readonly low = new NarrowbandDecoder();
  private readonly g0Mem = new Float32Array(QMF_ORDER);
  private readonly g1Mem = new Float32Array(QMF_ORDER);
  private readonly excBuf = new Float32Array(NB_SUBFRAME);
  private readonly oldQlsp = new Float32Array(WB_ORDER);
  private readonly interpQlpc = new Float32Array(WB_ORDER);
  private readonly memSp = new Float32Array(2 * WB_ORDER);
  private readonly seed = { value: 1000 };
  private lastEner = 0;
  private first = true;

  /**
   * Every frame of one packet (an FLV Speex tag holds one or more), as float samples in -1..1 at
   * 16 kHz. Throws ParseError for a corrupt packet.
   */
  decode(packet: Uint8Array): Float32Array {
    const r = new BitReader(packet);
    const frames: Float32Array[] = [];
    for (;;) {
      const out = new Float32Array(SPEEX_WB_FRAME_SAMPLES);
      if (!this.decodeFrame(r, out)) break;
      for (let i = 0; i < out.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(out[i]!))) / 32768;
      frames.push(out);
    }
    const all = new Float32Array(frames.length * SPEEX_WB_FRAME_SAMPLES);
    frames.forEach((f, i) => all.set(f, i * SPEEX_WB_FRAME_SAMPLES));
    return all;
  }

  private decodeFrame(r: BitReader, out: Float32Array): boolean {
    const lowBand = out.subarray(0, NB_FRAME);
    if (!this.low.decode(r, lowBand)) return false;
    let submodeId = 0;
    if (r.bitsLeft > 0 && r.peek(1) === 1) {
      r.skip(1);
      submodeId = r.read(3);
      if (submodeId !== 0 && !WB_SUBMODES[submodeId]) throw corrupt(r, `reserved wideband submode ${submodeId}`);
    }
    const mode = WB_SUBMODES[submodeId];
    const high = new Float32Array(NB_FRAME);
    if (!mode) this.decodeHighSilent(high);
    else this.decodeHigh(mode, r, high);
    qmfSynth(lowBand, 0, high, 0, QMF_H0, out, 2 * NB_FRAME, QMF_ORDER, this.g0Mem, this.g1Mem);
    return true;
  }

  private decodeHighSilent(high: Float32Array): void {
    if (this.low.dtxEnabled) {
      for (let i = 0; i < NB_FRAME; i++) high[i] = speexRand(this.lastEner, this.seed);
    } else {
      high.fill(1e-15);
    }
    this.first = true;
    iirMem16(high, 0, this.interpQlpc, high, 0, NB_FRAME, WB_ORDER, this.memSp);
  }

  private decodeHigh(mode: WbSubmode, r: BitReader, high: Float32Array): void {
    const lowPiGain = this.low.piGain;
    const lowExcRms = this.low.excRms();
    const lowInnov = this.low.innovSave;
    const qlsp = lspUnquantHigh(r);
    if (this.first) this.oldQlsp.set(qlsp);
    const interpQlsp = new Float32Array(WB_ORDER);
    const ak = new Float32Array(WB_ORDER);
    const exc = new Float32Array(NB_SUBFRAME);
    let excEnerSum = 0;
    for (let sub = 0; sub < NB_SUBFRAMES; sub++) {
      const offset = NB_SUBFRAME * sub;
      lspInterpolate(this.oldQlsp, qlsp, interpQlsp, WB_ORDER, sub, NB_SUBFRAMES, WB_LSP_MARGIN);
      lspToLpc(interpQlsp, ak, WB_ORDER);
      let rh = 1;
      for (let i = 0; i < WB_ORDER; i += 2) rh += ak[i + 1]! - ak[i]!;
      const filterRatio = (lowPiGain[sub]! + 0.01) / (rh + 0.01);
      exc.fill(0);
      if (!mode.innovation) {
        const g = Math.exp(0.125 * (r.read(5) - 10)) / Math.max(1e-15, filterRatio);
        for (let i = 0; i < NB_SUBFRAME; i += 2) {
          exc[i] = FOLDING_GAIN * lowInnov[offset + i]! * g;
          exc[i + 1] = -FOLDING_GAIN * lowInnov[offset + i + 1]! * g;
        }
      } else {
        const gc = 0.8736 * GC_QUANT_BOUND[r.read(4)]!;
        const scale = (gc * lowExcRms[sub]!) / Math.max(1e-15, filterRatio);
        splitCbUnquant(exc, mode.innovation, r);
        for (let i = 0; i < NB_SUBFRAME; i++) exc[i] = exc[i]! * scale;
        if (mode.doubleCodebook) {
          const innov2 = new Float32Array(NB_SUBFRAME);
          splitCbUnquant(innov2, mode.innovation, r);
          for (let i = 0; i < NB_SUBFRAME; i++) exc[i] = exc[i]! + innov2[i]! * 0.4 * scale;
        }
      }
      iirMem16(this.excBuf, 0, this.interpQlpc, high, offset, NB_SUBFRAME, WB_ORDER, this.memSp);
      this.excBuf.set(exc);
      this.interpQlpc.set(ak);
      const rms = computeRms(this.excBuf, 0, NB_SUBFRAME);
      excEnerSum += (rms * rms) / NB_SUBFRAMES;
    }
    this.lastEner = Math.sqrt(excEnerSum);
    this.oldQlsp.set(qlsp);
    this.first = false;
  }
}
