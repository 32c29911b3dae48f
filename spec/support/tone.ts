/** Measuring a pure tone in decoded audio, for tests that check what a peer heard. */

/** Power of `hz` in `samples` (Goertzel), normalised by the length: A^2 * n / 4 for a sine of amplitude A. */
export function tonePower(samples: ArrayLike<number>, hz: number, rate: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / samples.length;
}
