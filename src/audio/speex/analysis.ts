/**
 * The analysis side of the Speex encoder, ported from libspeex 1.2's floating-point build: the
 * autocorrelation and Levinson-Durbin recursion (lpc.c), LPC -> LSP root search (lsp.c), the
 * encoder's filters (filters.c: pole-zero, all-zero, the weighted impulse response, QMF analysis)
 * and its input high-pass. Arrays with an offset stand in for the C pointers into a buffer; samples
 * are on the 16-bit scale.
 *
 * Copyright 2002-2008 Xiph.org Foundation, Jean-Marc Valin; 1993, 2002, 2006 David Rowe. BSD
 * licence: see the notice in ./tables.ts, which applies to this file too.
 */

const VERY_SMALL = 1e-15;

/** ac[0..lag) of x[0..n), plus 10 on ac[0] (lpc.c _spx_autocorr, float). */
export function autocorr(x: Float32Array, ac: Float64Array, lag: number, n: number): void {
  for (let l = lag - 1; l >= 0; l--) {
    let d = 0;
    for (let i = l; i < n; i++) d += x[i]! * x[i - l]!;
    ac[l] = d;
  }
  ac[0] = ac[0]! + 10;
}

/** Levinson-Durbin: lpc[0..p) of A(z) = 1 + sum lpc[i] z^-(i+1) from ac[0..p]. */
export function levinson(lpc: Float32Array, ac: Float64Array, p: number): void {
  let error = ac[0]!;
  for (let i = 0; i < p; i++) {
    let rr = -ac[i + 1]!;
    for (let j = 0; j < i; j++) rr -= lpc[j]! * ac[i - j]!;
    const r = rr / (error + 0.003 * ac[0]!);
    lpc[i] = r;
    for (let j = 0; j < (i + 1) >> 1; j++) {
      const tmp1 = lpc[j]!;
      const tmp2 = lpc[i - 1 - j]!;
      lpc[j] = tmp1 + r * tmp2;
      lpc[i - 1 - j] = tmp2 + r * tmp1;
    }
    error -= r * r * error;
  }
}

function chebPolyEva(coef: Float64Array, xIn: number, m: number): number {
  const x = 2 * xIn;
  let b0 = 0;
  let b1 = 0;
  for (let k = m; k > 0; k--) {
    const tmp = b0;
    b0 = x * b0 - b1 + coef[m - k]!;
    b1 = tmp;
  }
  return -b1 + 0.5 * x * b0 + coef[m]!;
}

/**
 * LPC -> LSP (radians) by searching the roots of the sum and difference polynomials on a grid of
 * `delta` refined by `nb` bisections. Returns the number of roots found (order when all were).
 */
export function lpcToLsp(a: Float32Array, order: number, freq: Float32Array, nb: number, delta: number): number {
  const m = order >> 1;
  const p = new Float64Array(m + 1);
  const q = new Float64Array(m + 1);
  p[0] = 1;
  q[0] = 1;
  for (let i = 0; i < m; i++) {
    p[i + 1] = a[i]! + a[order - 1 - i]! - p[i]!;
    q[i + 1] = a[i]! - a[order - 1 - i]! + q[i]!;
  }
  for (let i = 0; i < m; i++) {
    p[i] = 2 * p[i]!;
    q[i] = 2 * q[i]!;
  }
  let roots = 0;
  let xr = 0;
  let xl = 1;
  for (let j = 0; j < order; j++) {
    const pt = j & 1 ? q : p;
    let psuml = chebPolyEva(pt, xl, m);
    while (xr >= -1) {
      let dd = delta * (1 - 0.9 * xl * xl);
      if (Math.abs(psuml) < 0.2) dd *= 0.5;
      xr = xl - dd;
      const psumr = chebPolyEva(pt, xr, m);
      if (psumr * psuml < 0) {
        roots++;
        let xm = 0;
        for (let k = 0; k <= nb; k++) {
          xm = 0.5 * (xl + xr);
          const psumm = chebPolyEva(pt, xm, m);
          if (!(psumm * psuml < 0)) {
            psuml = psumm;
            xl = xm;
          } else {
            xr = xm;
          }
        }
        freq[j] = Math.acos(xm);
        xl = xm;
        break;
      }
      psuml = psumr;
      xl = xr;
    }
  }
  return roots;
}

/** Pole-zero filter N(z)/D(z) with memory (filters.c filter_mem16); x and y may be the same array. */
export function filterMem16(x: Float32Array, xOff: number, num: Float32Array, den: Float32Array, y: Float32Array, yOff: number, n: number, ord: number, mem: Float64Array | Float32Array): void {
  for (let i = 0; i < n; i++) {
    const xi = x[xOff + i]!;
    const yi = xi + mem[0]!;
    const nyi = -yi;
    for (let j = 0; j < ord - 1; j++) mem[j] = mem[j + 1]! + num[j]! * xi + den[j]! * nyi;
    mem[ord - 1] = num[ord - 1]! * xi + den[ord - 1]! * nyi;
    y[yOff + i] = yi;
  }
}

/** All-zero filter (1 + N(z)) with memory: the LPC residual (filters.c fir_mem16). */
export function firMem16(x: Float32Array, xOff: number, num: Float32Array, y: Float32Array, yOff: number, n: number, ord: number, mem: Float64Array | Float32Array): void {
  for (let i = 0; i < n; i++) {
    const xi = x[xOff + i]!;
    const yi = xi + mem[0]!;
    for (let j = 0; j < ord - 1; j++) mem[j] = mem[j + 1]! + num[j]! * xi;
    mem[ord - 1] = num[ord - 1]! * xi;
    y[yOff + i] = yi;
  }
}

/** Impulse response of A(z/g1) / (A(z/g2) Aq(z)), the perceptually weighted synthesis filter. */
export function computeImpulseResponse(ak: Float32Array, awk1: Float32Array, awk2: Float32Array, y: Float32Array, n: number, ord: number): void {
  const mem1 = new Float64Array(ord);
  const mem2 = new Float64Array(ord);
  y[0] = 1;
  for (let i = 0; i < ord; i++) y[i + 1] = awk1[i]!;
  for (let i = ord + 1; i < n; i++) y[i] = VERY_SMALL;
  for (let i = 0; i < n; i++) {
    const y1 = y[i]! + mem1[0]!;
    const ny1i = -y1;
    const yi = y1 + mem2[0]!;
    y[i] = yi;
    const ny2i = -yi;
    for (let j = 0; j < ord - 1; j++) {
      mem1[j] = mem1[j + 1]! + awk2[j]! * ny1i;
      mem2[j] = mem2[j + 1]! + ak[j]! * ny2i;
    }
    mem1[ord - 1] = awk2[ord - 1]! * ny1i;
    mem2[ord - 1] = ak[ord - 1]! * ny2i;
  }
}

/**
 * QMF analysis: splits xx (n samples) into the low band y1 and the high band y2 (n/2 each) with the
 * m-tap prototype filter aa; mem keeps the last m-1 input samples.
 */
export function qmfDecomp(xx: Float32Array, aa: Float32Array, y1: Float32Array, y2: Float32Array, n: number, m: number, mem: Float32Array): void {
  const a = new Float32Array(m);
  const x = new Float32Array(n + m - 1);
  const x2 = m - 1;
  const m2 = m >> 1;
  for (let i = 0; i < m; i++) a[m - i - 1] = aa[i]!;
  for (let i = 0; i < m - 1; i++) x[i] = mem[m - i - 2]!;
  for (let i = 0; i < n; i++) x[i + m - 1] = xx[i]!;
  for (let i = 0; i < m - 1; i++) mem[i] = xx[n - i - 1]!;
  for (let i = 0, k = 0; i < n; i += 2, k++) {
    let y1k = 0;
    let y2k = 0;
    for (let j = 0; j < m2; j += 2) {
      let s = x[i + j]!;
      let d = x[x2 + i - j]!;
      y1k += a[j]! * (s + d);
      y2k -= a[j]! * (s - d);
      s = x[i + j + 1]!;
      d = x[x2 + i - j - 1]!;
      y1k += a[j + 1]! * (s + d);
      y2k += a[j + 1]! * (s - d);
    }
    y1[k] = y1k;
    y2[k] = y2k;
  }
}

/** libspeex's wideband input high-pass (filters.c highpass, filter 2), in place. */
const HIGHPASS_POLE = [1.0, -1.93338, 0.93553] as const;
const HIGHPASS_ZERO = [0.96723, -1.93445, 0.96723] as const;

export function highpassInput(x: Float32Array, len: number, mem: Float64Array): void {
  for (let i = 0; i < len; i++) {
    const xi = x[i]!;
    const vout = HIGHPASS_ZERO[0] * xi + mem[0]!;
    mem[0] = mem[1]! + HIGHPASS_ZERO[1] * xi - HIGHPASS_POLE[1] * vout;
    mem[1] = HIGHPASS_ZERO[2] * xi - HIGHPASS_POLE[2] * vout;
    x[i] = vout;
  }
}
