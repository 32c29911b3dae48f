/**
 * Window sequences and the sine window shape (ISO/IEC 14496-3 section 4.6.11.3). This encoder always
 * sends window_shape 0 (sine), so the left half of each window matches the previous frame's shape.
 */

export const WindowSequence = {
  ONLY_LONG: 0,
  LONG_START: 1,
  EIGHT_SHORT: 2,
  LONG_STOP: 3,
} as const;
export type WindowSequence = (typeof WindowSequence)[keyof typeof WindowSequence];

function sine(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = Math.sin((Math.PI / length) * (n + 0.5));
  return w;
}

/** The 2048-sample long sine window. */
export const SINE_LONG: Float64Array = sine(2048);
/** The 256-sample short sine window. */
export const SINE_SHORT: Float64Array = sine(256);

function buildLongWindow(sequence: WindowSequence): Float64Array {
  const w = new Float64Array(2048);
  if (sequence === WindowSequence.ONLY_LONG) return SINE_LONG.slice();
  if (sequence === WindowSequence.LONG_START) {
    // Long rise, flat 448, short fall over 128, zero 448.
    for (let n = 0; n < 1024; n++) w[n] = SINE_LONG[n]!;
    for (let n = 1024; n < 1472; n++) w[n] = 1;
    for (let n = 0; n < 128; n++) w[1472 + n] = SINE_SHORT[128 + n]!;
    return w;
  }
  if (sequence === WindowSequence.LONG_STOP) {
    // Zero 448, short rise over 128, flat 448, long fall.
    for (let n = 0; n < 128; n++) w[448 + n] = SINE_SHORT[n]!;
    for (let n = 576; n < 1024; n++) w[n] = 1;
    for (let n = 1024; n < 2048; n++) w[n] = SINE_LONG[n]!;
    return w;
  }
  throw new RangeError("EIGHT_SHORT_SEQUENCE has no long window");
}

/** The 2048-sample window for ONLY_LONG, LONG_START and LONG_STOP. */
export const LONG_WINDOWS: Readonly<Record<0 | 1 | 3, Float64Array>> = {
  0: buildLongWindow(WindowSequence.ONLY_LONG),
  1: buildLongWindow(WindowSequence.LONG_START),
  3: buildLongWindow(WindowSequence.LONG_STOP),
};

/** Where short window w (0..7) of an EIGHT_SHORT_SEQUENCE starts inside the 2048-sample block. */
export function shortWindowStart(w: number): number {
  return 448 + 128 * w;
}
