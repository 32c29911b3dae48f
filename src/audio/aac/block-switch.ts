/**
 * Block switching: an attack detector on high-passed sub-block energies, the window sequence state
 * machine (ONLY_LONG -> LONG_START -> EIGHT_SHORT... -> LONG_STOP -> ONLY_LONG, ISO/IEC 14496-3
 * section 4.6.11.3.2), and the grouping of the eight short windows around the attack.
 */
import { WindowSequence } from "./windows.ts";

/** An attack is a 128-sample segment this much louder (energy ratio) than the two before it. */
const ATTACK_RATIO = 12;
/** Segments quieter than this fraction of full-scale energy never count as attacks (about -60 dBFS). */
const ATTACK_FLOOR = 1e-6;

/**
 * The short window (0..7) of the block starting at `blockStart` where an attack happens, or -1.
 * The block's short windows start 448 samples in; `x` must hold blockStart + 1600 samples and the
 * 256 before the short windows (blockStart + 192 onwards). `fullScale` is the sample value of 0 dBFS.
 */
export function detectAttack(x: Float32Array, blockStart: number, fullScale: number): number {
  const floor = ATTACK_FLOOR * fullScale * fullScale * 128;
  const energies: number[] = [];
  for (let j = -2; j < 8; j++) {
    const from = blockStart + 448 + 128 * j;
    let e = 0;
    for (let n = from; n < from + 128; n++) {
      const d = x[n]! - x[n - 1]!;
      e += d * d;
    }
    energies.push(e);
  }
  for (let w = 0; w < 8; w++) {
    const e = energies[w + 2]!;
    const before = Math.max((energies[w]! + energies[w + 1]!) / 2, floor);
    if (e > ATTACK_RATIO * before) return w;
  }
  return -1;
}

/**
 * The window sequence of this frame, given the previous one, whether this frame wants short windows,
 * and whether the next one does (a frame before short windows must end with a short slope).
 */
export function nextSequence(prev: WindowSequence, shortNow: boolean, shortNext: boolean): WindowSequence {
  const leftShort = prev === WindowSequence.LONG_START || prev === WindowSequence.EIGHT_SHORT;
  if (shortNow || (leftShort && shortNext)) return leftShort ? WindowSequence.EIGHT_SHORT : WindowSequence.LONG_START;
  if (leftShort) return WindowSequence.LONG_STOP;
  return shortNext ? WindowSequence.LONG_START : WindowSequence.ONLY_LONG;
}

/** Window group lengths: the attack window alone, the windows before and after it grouped. */
export function shortGroups(attack: number): number[] {
  if (attack < 0) return [4, 4];
  return [attack, 1, 7 - attack].filter((n) => n > 0);
}
