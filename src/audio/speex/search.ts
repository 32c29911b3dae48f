/**
 * The Speex encoder's quantizer searches, ported from libspeex 1.2's floating-point build: LSP
 * vector quantization (quant_lsp.c), the closed-loop 3-tap pitch search (ltp.c) and the split
 * innovation codebook search with its n-best tree (cb_search.c, vq.c). Each writes its indices to
 * the frame's BitWriter in the order the decoder reads them.
 *
 * Copyright 2002-2008 Xiph.org Foundation, Jean-Marc Valin. BSD licence: see the notice in
 * ./tables.ts, which applies to this file too.
 */
import type { BitWriter } from "../../codecs/bits.ts";
import { filterMem16 } from "./analysis.ts";
import { iirMem16, innerProd } from "./filters.ts";
import type { PitchCodebook, SplitCodebook } from "./modes.ts";
import { CDBK_NB, CDBK_NB_HIGH1, CDBK_NB_HIGH2, CDBK_NB_LOW1, CDBK_NB_LOW2, HIGH_LSP_CDBK, HIGH_LSP_CDBK2 } from "./tables.ts";

const LSP_SCALE = 256;

/** Per-LSP weights: closely spaced LSPs (a formant) are quantized more finely. */
function quantWeights(lsp: Float32Array, order: number): Float64Array {
  const w = new Float64Array(order);
  for (let i = 0; i < order; i++) {
    let tmp1 = i === 0 ? lsp[i]! : lsp[i]! - lsp[i - 1]!;
    const tmp2 = i === order - 1 ? Math.PI - lsp[i]! : lsp[i + 1]! - lsp[i]!;
    if (tmp2 < tmp1) tmp1 = tmp2;
    w[i] = 10 / (0.04 + tmp1);
  }
  return w;
}

/** Nearest codeword of `book` to x[at..at+dim) (weighted when `weight` is given); x keeps the residual. */
function lspStage(w: BitWriter, x: Float64Array, at: number, weight: Float64Array | undefined, book: Int8Array, dim: number): void {
  const entries = book.length / dim;
  let best = 0;
  let bestDist = Infinity;
  for (let i = 0; i < entries; i++) {
    let dist = 0;
    for (let j = 0; j < dim; j++) {
      const d = x[at + j]! - book[i * dim + j]!;
      dist += weight ? weight[at + j]! * d * d : d * d;
    }
    if (dist < bestDist) {
      bestDist = dist;
      best = i;
    }
  }
  for (let j = 0; j < dim; j++) x[at + j] = x[at + j]! - book[best * dim + j]!;
  w.write(6, best);
}

function scaleRange(x: Float64Array, from: number, to: number, by: number): void {
  for (let i = from; i < to; i++) x[i] = x[i]! * by;
}

/** quant_lsp.c lsp_quant_nb: five stages, 30 bits; qlsp receives the quantized LSPs. */
export function lspQuantNb(lsp: Float32Array, qlsp: Float32Array, w: BitWriter): void {
  const order = 10;
  const weight = quantWeights(lsp, order);
  const x = Float64Array.from({ length: order }, (_, i) => (lsp[i]! - (0.25 * i + 0.25)) * LSP_SCALE);
  lspStage(w, x, 0, undefined, CDBK_NB, 10);
  scaleRange(x, 0, order, 2);
  lspStage(w, x, 0, weight, CDBK_NB_LOW1, 5);
  scaleRange(x, 0, 5, 2);
  lspStage(w, x, 0, weight, CDBK_NB_LOW2, 5);
  lspStage(w, x, 5, weight, CDBK_NB_HIGH1, 5);
  scaleRange(x, 5, 10, 2);
  lspStage(w, x, 5, weight, CDBK_NB_HIGH2, 5);
  for (let i = 0; i < order; i++) qlsp[i] = lsp[i]! - x[i]! * 0.00097656;
}

/** quant_lsp.c lsp_quant_high: the high band's two stages, 12 bits. */
export function lspQuantHigh(lsp: Float32Array, qlsp: Float32Array, w: BitWriter): void {
  const order = 8;
  const weight = quantWeights(lsp, order);
  const x = Float64Array.from({ length: order }, (_, i) => (lsp[i]! - (0.3125 * i + 0.75)) * LSP_SCALE);
  lspStage(w, x, 0, undefined, HIGH_LSP_CDBK, order);
  scaleRange(x, 0, order, 2);
  lspStage(w, x, 0, weight, HIGH_LSP_CDBK2, order);
  for (let i = 0; i < order; i++) qlsp[i] = lsp[i]! - x[i]! * 0.0019531;
}

/**
 * The n best pitch lags in [start, end] by normalized correlation of the weighted signal with its
 * past (ltp.c open_loop_nbest_pitch without gains); sw[swOff - end - 1 ..] must exist.
 */
export function openLoopNbestPitch(sw: Float32Array, swOff: number, start: number, end: number, len: number, n: number): number[] {
  const bestScore = new Float64Array(n).fill(-1);
  const bestEner = new Float64Array(n);
  const pitch = new Array<number>(n).fill(start);
  const energy = new Float64Array(end - start + 2);
  energy[0] = innerProd(sw, swOff - start, sw, swOff - start, len);
  for (let i = start; i < end; i++) {
    const a = sw[swOff - i - 1]!;
    const b = sw[swOff - i + len - 1]!;
    energy[i - start + 1] = Math.max(0, energy[i - start]! + a * a - b * b);
  }
  for (let i = start; i <= end; i++) {
    const corr = innerProd(sw, swOff, sw, swOff - i, len);
    const tmp = corr * corr;
    const ener = energy[i - start]!;
    if (tmp * bestEner[n - 1]! > bestScore[n - 1]! * (1 + ener)) {
      bestScore[n - 1] = tmp;
      bestEner[n - 1] = ener + 1;
      pitch[n - 1] = i;
      for (let j = 0; j < n - 1; j++) {
        if (tmp * bestEner[j]! > bestScore[j]! * (1 + ener)) {
          for (let k = n - 1; k > j; k--) {
            bestScore[k] = bestScore[k - 1]!;
            bestEner[k] = bestEner[k - 1]!;
            pitch[k] = pitch[k - 1]!;
          }
          bestScore[j] = tmp;
          bestEner[j] = ener + 1;
          pitch[j] = i;
          break;
        }
      }
    }
  }
  return pitch;
}

/** The subframe's filters for analysis by synthesis: Aq(z), A(z/g1), A(z/g2) and the impulse response. */
export interface WeightedFilters {
  readonly ak: Float32Array;
  readonly awk1: Float32Array;
  readonly awk2: Float32Array;
  /** impulse response of A(z/g1) / (A(z/g2) Aq(z)) over the subframe */
  readonly r: Float32Array;
  readonly order: number;
}

interface PitchCandidate {
  err: number;
  gainIndex: number;
  exc: Float64Array;
  target: Float64Array;
}

/** ltp.c pitch_gain_search_3tap: the best 3-tap gain vector for one lag; exc gets its prediction. */
function pitchGainSearch3Tap(target: Float64Array, f: WeightedFilters, exc2: Float32Array, e2: number, pitch: number, nsf: number, params: PitchCodebook, maxGain: number, plcTuning: number): PitchCandidate {
  const x = [new Float64Array(nsf), new Float64Array(nsf), new Float64Array(nsf)] as const;
  const e = new Float32Array(nsf);
  const pp = pitch - 1;
  let j = 0;
  for (; j < Math.min(nsf, pp); j++) e[j] = exc2[e2 + j - pp]!;
  for (; j < Math.min(nsf, pp + pitch); j++) e[j] = exc2[e2 + j - pp - pitch]!;
  iirMem16(e, 0, f.ak, e, 0, nsf, f.order, new Float32Array(f.order));
  filterMem16(e, 0, f.awk1, f.awk2, e, 0, nsf, f.order, new Float64Array(f.order));
  x[2].set(e);
  for (let i = 1; i >= 0; i--) {
    const e0 = exc2[e2 - pitch - 1 + i]!;
    x[i]![0] = f.r[0]! * e0;
    for (let k = 0; k < nsf - 1; k++) x[i]![k + 1] = x[i + 1]![k]! + f.r[k + 1]! * e0;
  }
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < nsf; k++) s += a[k]! * b[k]!;
    return s;
  };
  const corr = x.map((xi) => dot(xi, target));
  const tune = 0.5 * (1 + 0.02 * Math.min(30, Math.max(2, plcTuning)));
  const c = [corr[2]!, corr[1]!, corr[0]!, dot(x[1], x[2]), dot(x[0], x[1]), dot(x[0], x[2]), dot(x[2], x[2]) * tune, dot(x[1], x[1]) * tune, dot(x[0], x[0]) * tune];
  const cdbk = params.gains;
  const size = 1 << params.gainBits;
  let best = 0;
  let bestSum = -Infinity;
  for (let i = 0; i < size; i++) {
    const g0 = cdbk[4 * i]! + 32;
    const g1 = cdbk[4 * i + 1]! + 32;
    const g2 = cdbk[4 * i + 2]! + 32;
    const sum = 64 * (g0 * c[0]! + g1 * c[1]! + g2 * c[2]!) - g0 * g1 * c[3]! - g2 * g1 * c[4]! - g2 * g0 * c[5]! - g0 * g0 * c[6]! - g1 * g1 * c[7]! - g2 * g2 * c[8]!;
    if (sum > bestSum && cdbk[4 * i + 3]! <= maxGain) {
      bestSum = sum;
      best = i;
    }
  }
  const gain = [0, 1, 2].map((k) => 0.015625 * cdbk[best * 4 + k]! + 0.5) as [number, number, number];
  const exc = new Float64Array(nsf);
  for (let i = 0; i < 3; i++) {
    const p = pitch + 1 - i;
    const tmp1 = Math.min(nsf, p);
    for (let k = 0; k < tmp1; k++) exc[k] = exc[k]! + gain[2 - i]! * exc2[e2 + k - p]!;
    const tmp3 = Math.min(nsf, p + pitch);
    for (let k = tmp1; k < tmp3; k++) exc[k] = exc[k]! + gain[2 - i]! * exc2[e2 + k - p - pitch]!;
  }
  const newTarget = new Float64Array(nsf);
  for (let i = 0; i < nsf; i++) newTarget[i] = target[i]! - (gain[0] * x[2][i]! + gain[1] * x[1][i]! + gain[2] * x[0][i]!);
  return { err: dot(newTarget, newTarget), gainIndex: best, exc, target: newTarget };
}

export interface PitchSearchState {
  /** libspeex cumul_gain: caps the pitch gain after a run of strong predictions */
  cumulGain: number;
}

/**
 * ltp.c pitch_search_3tap: tries the `complexity` best open-loop lags between start and end,
 * writes the lag and gain index, leaves the pitch prediction in exc32 and removes its weighted
 * contribution from target.
 */
export function pitchSearch3Tap(target: Float64Array, sw: Float32Array, swOff: number, f: WeightedFilters, exc32: Float64Array, params: PitchCodebook, start: number, end: number, nsf: number, w: BitWriter, exc2: Float32Array, e2: number, complexity: number, state: PitchSearchState): void {
  if (end < start) {
    w.write(params.pitchBits, 0);
    w.write(params.gainBits, 0);
    exc32.fill(0);
    return;
  }
  const n = Math.min(Math.max(1, Math.min(10, complexity)), end - start + 1);
  const nbest = end !== start ? openLoopNbestPitch(sw, swOff, start, end, nsf, n) : [start];
  const maxGain = state.cumulGain > 262144 ? 31 : 128;
  let best: PitchCandidate | undefined;
  let bestPitch = 0;
  for (const pitch of nbest) {
    const c = pitchGainSearch3Tap(target, f, exc2, e2, pitch, nsf, params, maxGain, 2);
    if (!best || c.err < best.err) {
      best = c;
      bestPitch = pitch;
    }
  }
  w.write(params.pitchBits, bestPitch - start);
  w.write(params.gainBits, best!.gainIndex);
  state.cumulGain = 0.03125 * Math.max(1024, state.cumulGain) * params.gains[4 * best!.gainIndex + 3]!;
  exc32.set(best!.exc);
  target.set(best!.target);
}

/** Each codeword's response through the weighted filter, and its energy (cb_search.c compute_weighted_codebook). */
function weightedCodebook(cb: SplitCodebook, r: Float32Array): { resp: Float64Array; energy: Float64Array } {
  const size = 1 << cb.shapeBits;
  const sv = cb.subvectSize;
  const resp = new Float64Array(size * sv);
  const energy = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let e = 0;
    for (let j = 0; j < sv; j++) {
      let acc = 0;
      for (let k = 0; k <= j; k++) acc += cb.shapes[i * sv + k]! * r[j - k]!;
      const res = 0.03125 * acc;
      e += res * res;
      resp[i * sv + j] = res;
    }
    energy[i] = e;
  }
  return { resp, energy };
}

/** vq.c vq_nbest / vq_nbest_sign: the n codewords nearest to x[xOff..xOff+len) by weighted distance. */
function vqNbest(x: Float64Array, xOff: number, resp: Float64Array, len: number, entries: number, energy: Float64Array, n: number, haveSign: boolean, nbest: Int32Array, bestDist: Float64Array): void {
  let used = 0;
  for (let i = 0; i < entries; i++) {
    let dist = 0;
    for (let j = 0; j < len; j++) dist += x[xOff + j]! * resp[i * len + j]!;
    let negative = false;
    if (haveSign) {
      if (dist > 0) dist = -dist;
      else negative = true;
      dist += 0.5 * energy[i]!;
    } else {
      dist = 0.5 * energy[i]! - dist;
    }
    if (i < n || dist < bestDist[n - 1]!) {
      let k = n - 1;
      for (; k >= 1 && (k > used || dist < bestDist[k - 1]!); k--) {
        bestDist[k] = bestDist[k - 1]!;
        nbest[k] = nbest[k - 1]!;
      }
      bestDist[k] = dist;
      nbest[k] = negative ? i + entries : i;
      used++;
    }
  }
}

/**
 * cb_search.c split_cb_search_shape_sign: the innovation as one signed codeword per subvector,
 * searched as a tree keeping the (2 x complexity / 3) best partial choices; adds it to exc.
 */
export function splitCbSearch(target: Float64Array, cb: SplitCodebook, nsf: number, exc: Float64Array, r: Float32Array, w: BitWriter, complexity: number): void {
  const n = Math.max(1, Math.floor((2 * Math.min(10, complexity)) / 3));
  const sv = cb.subvectSize;
  const nbSubvect = cb.nbSubvect;
  const size = 1 << cb.shapeBits;
  const { resp, energy } = weightedCodebook(cb, r);
  let ot = Array.from({ length: n }, () => Float64Array.from(target.subarray(0, nsf)));
  let nt = Array.from({ length: n }, () => new Float64Array(nsf));
  const oind = Array.from({ length: n }, () => new Int32Array(nbSubvect));
  const nind = Array.from({ length: n }, () => new Int32Array(nbSubvect));
  let odist = new Float64Array(n);
  const ndist = new Float64Array(n);
  const bestIndex = new Int32Array(n);
  const bestDist = new Float64Array(n);
  const bestNind = new Int32Array(n);
  const bestNtarget = new Int32Array(n);
  for (let i = 0; i < nbSubvect; i++) {
    ndist.fill(Number.MAX_VALUE);
    bestNind.fill(0);
    bestNtarget.fill(0);
    for (let j = 0; j < n; j++) {
      const x = ot[j]!;
      let tener = 0;
      for (let m = 0; m < sv; m++) tener += x[sv * i + m]! * x[sv * i + m]!;
      tener *= 0.5;
      vqNbest(x, sv * i, resp, sv, size, energy, n, cb.haveSign, bestIndex, bestDist);
      for (let k = 0; k < n; k++) {
        const err = odist[j]! + bestDist[k]! + tener;
        if (err >= ndist[n - 1]!) continue;
        for (let m = 0; m < n; m++) {
          if (err < ndist[m]!) {
            for (let q = n - 1; q > m; q--) {
              ndist[q] = ndist[q - 1]!;
              bestNind[q] = bestNind[q - 1]!;
              bestNtarget[q] = bestNtarget[q - 1]!;
            }
            ndist[m] = err;
            bestNind[m] = bestIndex[k]!;
            bestNtarget[m] = j;
            break;
          }
        }
      }
      if (i === 0) break;
    }
    for (let j = 0; j < n; j++) {
      const from = ot[bestNtarget[j]!]!;
      const to = nt[j]!;
      for (let m = (i + 1) * sv; m < nsf; m++) to[m] = from[m]!;
      let rind = bestNind[j]!;
      let sign = 1;
      if (rind >= size) {
        sign = -1;
        rind -= size;
      }
      // the chosen codeword's response continues into the following subvectors
      for (let m = 0; m < sv; m++) {
        const g = sign * 0.03125 * cb.shapes[rind * sv + m]!;
        const q = sv - m;
        for (let p = (i + 1) * sv; p < nsf; p++) to[p] = to[p]! - g * r[q + p - (i + 1) * sv]!;
      }
      nind[j]!.set(oind[bestNtarget[j]!]!);
      nind[j]![i] = bestNind[j]!;
    }
    [ot, nt] = [nt, ot];
    for (let j = 0; j < n; j++) oind[j]!.set(nind[j]!);
    odist = Float64Array.from(ndist);
  }
  for (let i = 0; i < nbSubvect; i++) {
    let rind = nind[0]![i]!;
    w.write(cb.shapeBits + (cb.haveSign ? 1 : 0), rind);
    let sign = 1;
    if (rind >= size) {
      sign = -1;
      rind -= size;
    }
    for (let j = 0; j < sv; j++) exc[sv * i + j] = exc[sv * i + j]! + sign * 0.03125 * cb.shapes[rind * sv + j]!;
  }
}
