/**
 * Speex wideband frames that decode to silence, for muting a Speex passthrough that cannot be
 * re-encoded (no Speex encoder). Each frame is narrowband mode 1 (the 2.15 kb/s vocoder, 43 bits)
 * with every index 0 and the global excitation gain at its lowest code (exp(0) on the 16-bit
 * scale: below -80 dBFS), then wideband submode 0 (no high band, 4 bits); libspeex's padding ends
 * the packet.
 */
import { BitWriter } from "../../codecs/bits.ts";
import { NB_LAYER_BITS, WB_LAYER_BITS } from "../../codecs/speex.ts";

const VOCODER_MODE = 1;

export function speexSilence(frames: number): Uint8Array {
  const w = new BitWriter();
  for (let i = 0; i < frames; i++) {
    w.write(5, VOCODER_MODE); // wideband flag 0, mode 1
    // LSP indices, pitch, pitch gain, excitation gain, extra: all 0 (38 bits)
    for (let left = NB_LAYER_BITS[VOCODER_MODE]! - 5; left > 0; left -= 16) w.write(Math.min(16, left), 0);
    w.write(WB_LAYER_BITS[0]!, 0b1000); // wideband flag 1, submode 0
  }
  const used = frames * (NB_LAYER_BITS[VOCODER_MODE]! + WB_LAYER_BITS[0]!);
  const pad = (8 - (used % 8)) % 8;
  if (pad > 0) w.write(pad, (1 << (pad - 1)) - 1); // a 0, then 1s
  return w.finish();
}
