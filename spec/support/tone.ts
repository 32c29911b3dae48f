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

/**
 * An ffmpeg lavfi source: a tone of amplitude 0.125 (as lavfi's `sine`) over a uniform noise floor
 * 22 dB below it, as a microphone gives. Tests that put a tone through Speex need the floor: Speex
 * (CELP) is only marginally stable on a pure sine, so a decoder that starts at another packet than the
 * encoder did (a player or transcoder joining a live stream), or that rounds differently, drifts until
 * it clips at full scale - libspeex as much as ours (spec/audio/speex/decoder.test.ts).
 */
export function toneWithNoiseFloor(hz: number, rate: number): string {
  return `aevalsrc=0.125*sin(2*PI*${hz}*t)+0.01*(random(0)-0.5):s=${rate}`;
}
