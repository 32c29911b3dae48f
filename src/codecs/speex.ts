/**
 * The framing of a Speex packet (Speex manual, "Bit-stream"; libspeex 1.2 nb_celp.c, sb_celp.c and
 * speex_callbacks.c): frames back to back, each a narrowband layer (first bit 0, then a 4-bit mode)
 * followed in wideband by a wideband layer (first bit 1, then a 3-bit submode). The bit counts below
 * are whole layers, header bits included. Narrowband mode 15 ends the packet (libspeex pads with a 0
 * and then 1s, which reads as that terminator); modes 13 and 14 carry in-band data and no speech.
 * A wideband frame (16 kHz, the only rate FLV carries) is 20 ms: 320 samples.
 */
import { BitReader } from "./bits.ts";
import { ParseError } from "../errors.ts";
import { CODECS_ERR } from "./errors.ts";

export const SPEEX_WB_FRAME_SAMPLES = 320;
export const SPEEX_WB_SAMPLE_RATE = 16000;

/** Bits of a narrowband layer per mode 0..8 (the 5 header bits included). */
export const NB_LAYER_BITS: readonly number[] = [5, 43, 119, 160, 220, 300, 364, 492, 79];
/** Bits of a wideband layer per submode 0..4 (the 4 header bits included). */
export const WB_LAYER_BITS: readonly number[] = [4, 36, 112, 192, 352];

export interface SpeexPacketInfo {
  /** speech frames (20 ms each in wideband) */
  readonly frames: number;
  /** narrowband mode of the first frame */
  readonly narrowbandMode: number;
  /** wideband submode of the first frame; undefined when the packet is narrowband */
  readonly widebandMode: number | undefined;
}

const TERMINATOR = 15;
const INBAND_SIGNAL = 14;
const INBAND_USER = 13;

/** Bits an in-band signal of code `id` carries after its code (speex_inband_handler's default). */
function inbandSignalBits(id: number): number {
  if (id < 2) return 1;
  if (id < 8) return 4;
  if (id < 10) return 8;
  if (id < 12) return 16;
  if (id < 14) return 32;
  return 64;
}

/** Reads a packet's layers. Throws ParseError for a reserved mode or a layer cut short. */
export function speexPacketInfo(packet: Uint8Array): SpeexPacketInfo {
  const r = new BitReader(packet);
  let frames = 0;
  let narrowbandMode = -1;
  let widebandMode: number | undefined;
  while (r.bitsLeft >= 5) {
    const at = r.bitOffset;
    if (r.readFlag()) {
      const submode = r.read(3);
      const bits = WB_LAYER_BITS[submode];
      if (bits === undefined) throw new ParseError(CODECS_ERR.SPEEX_MODE, `reserved wideband submode ${submode}`, at >> 3);
      if (frames === 1 && widebandMode === undefined) widebandMode = submode;
      r.skip(bits - 4);
      continue;
    }
    const mode = r.read(4);
    if (mode === TERMINATOR) break;
    if (mode === INBAND_SIGNAL) {
      r.skip(inbandSignalBits(r.read(4)));
      continue;
    }
    if (mode === INBAND_USER) {
      r.skip(5 + 8 * r.read(4));
      continue;
    }
    const bits = NB_LAYER_BITS[mode];
    if (bits === undefined) throw new ParseError(CODECS_ERR.SPEEX_MODE, `reserved narrowband mode ${mode}`, at >> 3);
    r.skip(bits - 5);
    if (frames === 0) narrowbandMode = mode;
    frames++;
  }
  if (frames === 0) throw new ParseError(CODECS_ERR.SPEEX_EMPTY, "Speex packet without a speech frame", 0);
  return { frames, narrowbandMode, widebandMode };
}
