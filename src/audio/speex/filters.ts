/**
 * The signal pieces of the Speex decoder, ported from libspeex 1.2's floating-point build (filters.c,
 * lsp.c, ltp.c, math_approx.h); arrays with an offset stand in for the C pointers into the middle of
 * a buffer. Samples are on the 16-bit scale (+-32768) as in libspeex.
 *
 * Copyright 2002-2008 Xiph.org Foundation, Jean-Marc Valin; 1993, 2002, 2006 David Rowe. BSD
 * licence: see the notice in ./tables.ts, which applies to this file too.
 */

/** libspeex's pseudo-random generator (a float in [-std*1.73, std*1.73) from an LCG seed). */
export function speexRand(std: number, seed: { value: number }): number {
  seed.value = (Math.imul(1664525, seed.value) + 1013904223) >>> 0;
  const bits = 0x3f800000 | (seed.value & 0x007fffff);
  RAND_VIEW.setUint32(0, bits);
  return 3.4642 * std * (RAND_VIEW.getFloat32(0) - 1.5);
}
const RAND_VIEW = new DataView(new ArrayBuffer(4));

export function innerProd(x: Float32Array, xOff: number, y: Float32Array, yOff: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += x[xOff + i]! * y[yOff + i]!;
  return sum;
}

export function computeRms(x: Float32Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += x[off + i]! * x[off + i]!;
  return Math.sqrt(0.1 + sum / len);
}

/** Bandwidth expansion: lpcOut[i] = lpcIn[i] * gamma^(i+1). */
export function bwLpc(gamma: number, lpcIn: Float32Array, lpcOut: Float32Array, order: number): void {
  let g = gamma;
  for (let i = 0; i < order; i++) {
    lpcOut[i] = g * lpcIn[i]!;
    g *= gamma;
  }
}

/** All-pole synthesis 1/A(z) with memory (transposed direct form II). */
export function iirMem16(x: Float32Array, xOff: number, den: Float32Array, y: Float32Array, yOff: number, n: number, ord: number, mem: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const yi = x[xOff + i]! + mem[0]!;
    const nyi = -yi;
    for (let j = 0; j < ord - 1; j++) mem[j] = mem[j + 1]! + den[j]! * nyi;
    mem[ord - 1] = den[ord - 1]! * nyi;
    y[yOff + i] = yi;
  }
}

/** QMF synthesis of the low band x1 and the high band x2 (N/2 samples each) into y (N samples). */
export function qmfSynth(x1: Float32Array, x1Off: number, x2: Float32Array, x2Off: number, a: Float32Array, y: Float32Array, n: number, m: number, mem1: Float32Array, mem2: Float32Array): void {
  const m2 = m >> 1;
  const n2 = n >> 1;
  const xx1 = new Float32Array(m2 + n2);
  const xx2 = new Float32Array(m2 + n2);
  for (let i = 0; i < n2; i++) xx1[i] = x1[x1Off + n2 - 1 - i]!;
  for (let i = 0; i < m2; i++) xx1[n2 + i] = mem1[2 * i + 1]!;
  for (let i = 0; i < n2; i++) xx2[i] = x2[x2Off + n2 - 1 - i]!;
  for (let i = 0; i < m2; i++) xx2[n2 + i] = mem2[2 * i + 1]!;
  for (let i = 0; i < n2; i += 2) {
    let y0 = 0;
    let y1 = 0;
    let y2 = 0;
    let y3 = 0;
    let x10 = xx1[n2 - 2 - i]!;
    let x20 = xx2[n2 - 2 - i]!;
    for (let j = 0; j < m2; j += 2) {
      let a0 = a[2 * j]!;
      let a1 = a[2 * j + 1]!;
      const x11 = xx1[n2 - 1 + j - i]!;
      const x21 = xx2[n2 - 1 + j - i]!;
      y0 += a0 * (x11 - x21);
      y1 += a1 * (x11 + x21);
      y2 += a0 * (x10 - x20);
      y3 += a1 * (x10 + x20);
      a0 = a[2 * j + 2]!;
      a1 = a[2 * j + 3]!;
      x10 = xx1[n2 + j - i]!;
      x20 = xx2[n2 + j - i]!;
      y0 += a0 * (x10 - x20);
      y1 += a1 * (x10 + x20);
      y2 += a0 * (x11 - x21);
      y3 += a1 * (x11 + x21);
    }
    y[2 * i] = 2 * y0;
    y[2 * i + 1] = 2 * y1;
    y[2 * i + 2] = 2 * y2;
    y[2 * i + 3] = 2 * y3;
  }
  for (let i = 0; i < m2; i++) mem1[2 * i + 1] = xx1[i]!;
  for (let i = 0; i < m2; i++) mem2[2 * i + 1] = xx2[i]!;
}

/** The decoder's output high-pass (filter 3 of libspeex: wideband, output side). */
const HIGHPASS_POLE = [1.0, -1.97226, 0.97332] as const;
const HIGHPASS_ZERO = [0.98645, -1.97277, 0.98645] as const;

export function highpassOutput(x: Float32Array, len: number, mem: Float32Array): void {
  for (let i = 0; i < len; i++) {
    const xi = x[i]!;
    const vout = HIGHPASS_ZERO[0] * xi + mem[0]!;
    mem[0] = mem[1]! + HIGHPASS_ZERO[1] * xi + -HIGHPASS_POLE[1] * vout;
    mem[1] = HIGHPASS_ZERO[2] * xi + -HIGHPASS_POLE[2] * vout;
    x[i] = vout;
  }
}

/** LSPs (radians) to LPC coefficients a[1..order] of A(z) = 1 + sum a[i] z^-i. */
export function lspToLpc(freq: Float32Array, ak: Float32Array, order: number): void {
  const m = order >> 1;
  const wp = new Float32Array(4 * m + 2);
  const xFreq = new Float32Array(order);
  for (let i = 0; i < order; i++) xFreq[i] = Math.cos(freq[i]!);
  let xin1 = 1;
  let xin2 = 1;
  for (let j = 0; j <= order; j++) {
    let n4 = 0;
    for (let i = 0, i2 = 0; i < m; i++, i2 += 2) {
      const n1 = i * 4;
      const n2 = n1 + 1;
      const n3 = n2 + 1;
      n4 = n3 + 1;
      const xout1 = xin1 - 2 * xFreq[i2]! * wp[n1]! + wp[n2]!;
      const xout2 = xin2 - 2 * xFreq[i2 + 1]! * wp[n3]! + wp[n4]!;
      wp[n2] = wp[n1]!;
      wp[n4] = wp[n3]!;
      wp[n1] = xin1;
      wp[n3] = xin2;
      xin1 = xout1;
      xin2 = xout2;
    }
    const xout1 = xin1 + wp[n4 + 1]!;
    const xout2 = xin2 - wp[n4 + 2]!;
    if (j > 0) ak[j - 1] = (xout1 + xout2) * 0.5;
    wp[n4 + 1] = xin1;
    wp[n4 + 2] = xin2;
    xin1 = 0;
    xin2 = 0;
  }
}

/** Interpolates the LSPs for a subframe and keeps them `margin` apart (stable filter). */
export function lspInterpolate(oldLsp: Float32Array, newLsp: Float32Array, lsp: Float32Array, len: number, subframe: number, nbSubframes: number, margin: number): void {
  const tmp = (1 + subframe) / nbSubframes;
  for (let i = 0; i < len; i++) lsp[i] = (1 - tmp) * oldLsp[i]! + tmp * newLsp[i]!;
  if (lsp[0]! < margin) lsp[0] = margin;
  if (lsp[len - 1]! > Math.PI - margin) lsp[len - 1] = Math.PI - margin;
  for (let i = 1; i < len - 1; i++) {
    if (lsp[i]! < lsp[i - 1]! + margin) lsp[i] = lsp[i - 1]! + margin;
    if (lsp[i]! > lsp[i + 1]! - margin) lsp[i] = 0.5 * (lsp[i]! + lsp[i + 1]! - margin);
  }
}

const SHIFT_FILT = [
  [-0.011915, 0.046995, -0.152373, 0.614108, 0.614108, -0.152373, 0.046995],
  [-0.0324855, 0.0859768, -0.2042986, 0.9640297, 0.208642, -0.0302054, -0.0063646],
  [-0.0063646, -0.0302054, 0.208642, 0.9640297, -0.2042986, 0.0859768, -0.0324855],
] as const;

/** The excitation delayed by a fractional pitch (best of 7 lags x 4 phases), written to `interp`. */
function interpPitch(exc: Float32Array, excOff: number, interp: Float32Array, interpOff: number, pitch: number, len: number): void {
  const corr = [new Float64Array(7), new Float64Array(7), new Float64Array(7), new Float64Array(7)];
  for (let i = 0; i < 7; i++) corr[0]![i] = innerProd(exc, excOff, exc, excOff - pitch - 3 + i, len);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 7; j++) {
      const i1 = Math.max(0, 3 - j);
      const i2 = Math.min(7, 10 - j);
      let tmp = 0;
      for (let k = i1; k < i2; k++) tmp += SHIFT_FILT[i]![k]! * corr[0]![j + k - 3]!;
      corr[i + 1]![j] = tmp;
    }
  }
  let maxi = 0;
  let maxj = 0;
  let maxcorr = corr[0]![0]!;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 7; j++) {
      if (corr[i]![j]! > maxcorr) {
        maxcorr = corr[i]![j]!;
        maxi = i;
        maxj = j;
      }
    }
  }
  const lag = pitch - maxj + 3;
  for (let i = 0; i < len; i++) {
    let tmp = 0;
    if (maxi > 0) {
      for (let k = 0; k < 7; k++) tmp += exc[excOff + i - lag + k - 3]! * SHIFT_FILT[maxi - 1]![k]!;
    } else {
      tmp = exc[excOff + i - lag]!;
    }
    interp[interpOff + i] = tmp;
  }
}

/** The decoder's pitch enhancer: a comb filter at the pitch (and its double or its negative lag). */
export function multicomb(exc: Float32Array, excOff: number, newExc: Float32Array, newOff: number, nsf: number, pitch: number, maxPitch: number, combGain: number): void {
  const iexc = new Float32Array(2 * nsf);
  interpPitch(exc, excOff, iexc, 0, pitch, 80);
  interpPitch(exc, excOff, iexc, nsf, pitch > maxPitch ? 2 * pitch : -pitch, 80);
  const iexc0Mag = Math.sqrt(1000 + innerProd(iexc, 0, iexc, 0, nsf));
  const iexc1Mag = Math.sqrt(1000 + innerProd(iexc, nsf, iexc, nsf, nsf));
  const excMag = Math.sqrt(1 + innerProd(exc, excOff, exc, excOff, nsf));
  const corr0 = Math.max(0, innerProd(iexc, 0, exc, excOff, nsf));
  const corr1 = Math.max(0, innerProd(iexc, nsf, exc, excOff, nsf));
  const pgain1 = corr0 > iexc0Mag * excMag ? 1 : corr0 / excMag / iexc0Mag;
  const pgain2 = corr1 > iexc1Mag * excMag ? 1 : corr1 / excMag / iexc1Mag;
  const gg1 = excMag / iexc0Mag;
  const gg2 = excMag / iexc1Mag;
  const c1 = combGain > 0 ? 0.4 * combGain + 0.07 : 0;
  const c2 = combGain > 0 ? 0.5 + 1.72 * (c1 - 0.07) : 0;
  const g1 = c1 / Math.max(c1, 1 - c2 * pgain1 * pgain1);
  const g2 = c1 / Math.max(c1, 1 - c2 * pgain2 * pgain2);
  const gain0 = (pitch > maxPitch ? 0.7 : 0.6) * g1 * gg1;
  const gain1 = (pitch > maxPitch ? 0.3 : 0.6) * g2 * gg2;
  for (let i = 0; i < nsf; i++) newExc[newOff + i] = exc[excOff + i]! + gain0 * iexc[i]! + gain1 * iexc[i + nsf]!;
  const newEner = Math.max(1, computeRms(newExc, newOff, nsf));
  const oldEner = Math.min(Math.max(1, computeRms(exc, excOff, nsf)), newEner);
  const ngain = oldEner / newEner;
  for (let i = 0; i < nsf; i++) newExc[newOff + i] = ngain * newExc[newOff + i]!;
}
