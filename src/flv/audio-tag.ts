/**
 * FLV AUDIODATA tag body (FLV spec v10, E.4.2.1).
 *
 *   | SoundFormat (4) | SoundRate (2) | SoundSize (1) | SoundType (1) | [AACPacketType (8)] | data
 *
 * SoundFormat 10 = AAC (AACPacketType 0 = AudioSpecificConfig, 1 = raw frame; the flags byte is
 * always 0xAF: 44 kHz, 16-bit, stereo, the real values being in the ASC), 7 = G.711 A-law,
 * 8 = G.711 µ-law (8 kHz; written as ffmpeg does: SoundRate 0, 16-bit, mono -> 0x72 / 0x82), 11 = Speex
 * (always 16 kHz mono whatever the flags say; written as ffmpeg and Flash Player do: 0xB6).
 * SoundRate 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz; SoundSize 0 = 8-bit, 1 = 16-bit;
 * SoundType 0 = mono, 1 = stereo. Other formats decode as `raw` and round-trip.
 */
import { ParseError } from "../errors.ts";
import { FLV_ERR } from "./errors.ts";

export const SOUND_FORMAT = { PCM_PLATFORM: 0, ADPCM: 1, MP3: 2, PCM_LE: 3, NELLYMOSER_16K: 4, NELLYMOSER_8K: 5, NELLYMOSER: 6, G711_ALAW: 7, G711_MULAW: 8, AAC: 10, SPEEX: 11, MP3_8K: 14, DEVICE: 15 } as const;
export const AAC_PACKET_TYPE = { SEQUENCE_HEADER: 0, RAW: 1 } as const;

/** The first byte's fields. */
export interface SoundFlags {
  readonly soundFormat: number;
  readonly soundRate: number;
  readonly soundSize: number;
  readonly soundType: number;
}

export type AudioTagBody =
  | (SoundFlags & { readonly type: "aac-sequence-header"; readonly config: Uint8Array })
  | (SoundFlags & { readonly type: "aac-raw"; readonly data: Uint8Array })
  | (SoundFlags & { readonly type: "g711"; readonly law: "alaw" | "mulaw"; readonly data: Uint8Array })
  /** Speex wideband: one or more frames of a Speex stream, no header */
  | (SoundFlags & { readonly type: "speex"; readonly data: Uint8Array })
  /** Any other format, or an AAC packet type we do not know: everything after the first byte. */
  | (SoundFlags & { readonly type: "raw"; readonly data: Uint8Array });

/** Flags of AAC tags as every muxer writes them (0xAF). */
export const AAC_FLAGS: SoundFlags = { soundFormat: SOUND_FORMAT.AAC, soundRate: 3, soundSize: 1, soundType: 1 };

/** Flags of a G.711 tag at 8 kHz mono, as ffmpeg writes them (0x72 A-law, 0x82 µ-law). */
export function g711Flags(law: "alaw" | "mulaw"): SoundFlags {
  return { soundFormat: law === "alaw" ? SOUND_FORMAT.G711_ALAW : SOUND_FORMAT.G711_MULAW, soundRate: 0, soundSize: 1, soundType: 0 };
}

/** Flags of a Speex tag (0xB6: the 11 kHz rate code, 16-bit, mono; the real rate is 16 kHz). */
export const SPEEX_FLAGS: SoundFlags = { soundFormat: SOUND_FORMAT.SPEEX, soundRate: 1, soundSize: 1, soundType: 0 };

/** Sample rate the flags stand for (G.711 is always 8 kHz, Speex 16 kHz; AAC's real rate is in its ASC). */
export function flagsSampleRate(flags: SoundFlags): number {
  if (flags.soundFormat === SOUND_FORMAT.G711_ALAW || flags.soundFormat === SOUND_FORMAT.G711_MULAW || flags.soundFormat === SOUND_FORMAT.NELLYMOSER_8K || flags.soundFormat === SOUND_FORMAT.MP3_8K) return 8000;
  if (flags.soundFormat === SOUND_FORMAT.NELLYMOSER_16K || flags.soundFormat === SOUND_FORMAT.SPEEX) return 16000;
  return [5512, 11025, 22050, 44100][flags.soundRate & 3]!;
}

export function decodeAudioTag(bytes: Uint8Array): AudioTagBody {
  if (bytes.length < 1) throw new ParseError(FLV_ERR.AUDIO_TRUNCATED, "empty audio tag", 0);
  const b = bytes[0]!;
  const flags: SoundFlags = { soundFormat: b >> 4, soundRate: (b >> 2) & 3, soundSize: (b >> 1) & 1, soundType: b & 1 };
  if (flags.soundFormat === SOUND_FORMAT.AAC) {
    if (bytes.length < 2) throw new ParseError(FLV_ERR.AUDIO_TRUNCATED, "AAC audio tag has no AACPacketType", 1);
    const data = bytes.subarray(2);
    if (bytes[1] === AAC_PACKET_TYPE.SEQUENCE_HEADER) return { ...flags, type: "aac-sequence-header", config: data };
    if (bytes[1] === AAC_PACKET_TYPE.RAW) return { ...flags, type: "aac-raw", data };
    return { ...flags, type: "raw", data: bytes.subarray(1) };
  }
  if (flags.soundFormat === SOUND_FORMAT.G711_ALAW || flags.soundFormat === SOUND_FORMAT.G711_MULAW) {
    return { ...flags, type: "g711", law: flags.soundFormat === SOUND_FORMAT.G711_ALAW ? "alaw" : "mulaw", data: bytes.subarray(1) };
  }
  if (flags.soundFormat === SOUND_FORMAT.SPEEX) return { ...flags, type: "speex", data: bytes.subarray(1) };
  return { ...flags, type: "raw", data: bytes.subarray(1) };
}

export function encodeAudioTag(body: AudioTagBody): Uint8Array {
  const header = body.type === "aac-sequence-header" || body.type === "aac-raw" ? 2 : 1;
  const data = body.type === "aac-sequence-header" ? body.config : body.data;
  const out = new Uint8Array(header + data.length);
  out[0] = ((body.soundFormat & 15) << 4) | ((body.soundRate & 3) << 2) | ((body.soundSize & 1) << 1) | (body.soundType & 1);
  if (header === 2) out[1] = body.type === "aac-sequence-header" ? 0 : 1;
  out.set(data, header);
  return out;
}
