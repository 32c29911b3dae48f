/**
 * AudioSpecificConfig (ISO/IEC 14496-3 section 1.6.2.1) and the ADTS header (section 1.A.2.2).
 *
 *   AudioSpecificConfig, 2 bytes for AAC-LC:
 *   audioObjectType(5)=2 | samplingFrequencyIndex(4) | channelConfiguration(4) |
 *   frameLengthFlag(1)=0 | dependsOnCoreCoder(1)=0 | extensionFlag(1)=0
 *
 *   adts_fixed_header + adts_variable_header, 7 bytes, no CRC:
 *   syncword(12)=0xFFF ID(1)=0 layer(2)=0 protection_absent(1)=1 profile_ObjectType(2)=1 (LC)
 *   sampling_frequency_index(4) private_bit(1) channel_configuration(3) original_copy(1) home(1)
 *   copyright_identification_bit(1) copyright_identification_start(1) aac_frame_length(13)
 *   adts_buffer_fullness(11)=0x7FF (variable rate) number_of_raw_data_blocks_in_frame(2)=0
 */
import { BitReader, BitWriter } from "../../codecs/bits.ts";
import { ParseError } from "../../errors.ts";
import { AAC_SAMPLE_RATES } from "../../codecs/aac-config.ts";
import { SAMPLE_RATE_INDEX } from "./bands.ts";
import { AUDIO_ERR, AudioError } from "../errors.ts";

export const ADTS_HEADER_BYTES = 7;
const MAX_ADTS_FRAME = 8191;

function rateIndex(sampleRate: number): number {
  const index = SAMPLE_RATE_INDEX.get(sampleRate);
  if (index === undefined) throw new AudioError(AUDIO_ERR.AAC_SAMPLE_RATE, `AAC: sample rate ${sampleRate} Hz has no sampling frequency index`);
  return index;
}

function checkChannels(channels: number): void {
  if (channels !== 1 && channels !== 2) throw new AudioError(AUDIO_ERR.AAC_CHANNELS, `AAC: ${channels} channels (1 or 2 supported)`);
}

/** The 2-byte AAC-LC AudioSpecificConfig (the FLV AAC sequence header payload). */
export function encodeAudioSpecificConfig(options: { sampleRate: number; channels: number }): Uint8Array {
  checkChannels(options.channels);
  const w = new BitWriter(2);
  w.write(5, 2);
  w.write(4, rateIndex(options.sampleRate));
  w.write(4, options.channels);
  w.write(3, 0);
  return w.finish();
}

/** Prefixes one raw AAC-LC frame with an ADTS header. */
export function toAdts(frame: Uint8Array, options: { sampleRate: number; channels: number }): Uint8Array {
  checkChannels(options.channels);
  const length = frame.length + ADTS_HEADER_BYTES;
  if (length > MAX_ADTS_FRAME) throw new AudioError(AUDIO_ERR.AAC_FRAME_TOO_LONG, `AAC: frame of ${frame.length} bytes does not fit an ADTS header`);
  const w = new BitWriter(ADTS_HEADER_BYTES);
  w.write(12, 0xfff);
  w.write(1, 0);
  w.write(2, 0);
  w.write(1, 1);
  w.write(2, 1);
  w.write(4, rateIndex(options.sampleRate));
  w.write(1, 0);
  w.write(3, options.channels);
  w.write(4, 0);
  w.write(13, length);
  w.write(11, 0x7ff);
  w.write(2, 0);
  const out = new Uint8Array(length);
  out.set(w.finish(), 0);
  out.set(frame, ADTS_HEADER_BYTES);
  return out;
}

export interface AdtsFrame {
  /** Audio object type (profile_ObjectType + 1): 2 for AAC-LC. */
  readonly objectType: number;
  readonly sampleRate: number;
  readonly channels: number;
  /** The raw_data_block, without header and CRC. */
  readonly payload: Uint8Array;
}

/**
 * Splits an ADTS stream into its frames (one raw_data_block each; a CRC, when present, is skipped
 * unchecked). A header that is not one, or a frame cut short, is a ParseError.
 */
export function readAdtsFrames(bytes: Uint8Array): AdtsFrame[] {
  const frames: AdtsFrame[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < ADTS_HEADER_BYTES) throw new ParseError(AUDIO_ERR.ADTS_TRUNCATED, "ADTS header cut short", pos);
    const r = new BitReader(bytes, pos, ADTS_HEADER_BYTES);
    if (r.read(12) !== 0xfff) throw new ParseError(AUDIO_ERR.ADTS_SYNC, "no ADTS syncword", pos);
    r.skip(3); // ID, layer
    const protectionAbsent = r.readFlag();
    const objectType = r.read(2) + 1;
    const rateIndex = r.read(4);
    r.skip(1);
    const channels = r.read(3);
    r.skip(4);
    const length = r.read(13);
    r.skip(11);
    const blocks = r.read(2) + 1;
    const sampleRate = AAC_SAMPLE_RATES[rateIndex];
    if (sampleRate === undefined) throw new ParseError(AUDIO_ERR.ADTS_SAMPLE_RATE, `ADTS sampling_frequency_index ${rateIndex} is reserved`, pos);
    if (blocks !== 1) throw new ParseError(AUDIO_ERR.ADTS_BLOCKS, `ADTS frame of ${blocks} raw data blocks (1 supported)`, pos);
    const header = ADTS_HEADER_BYTES + (protectionAbsent ? 0 : 2);
    if (length < header || pos + length > bytes.length) throw new ParseError(AUDIO_ERR.ADTS_TRUNCATED, `ADTS frame of ${length} bytes does not fit`, pos);
    frames.push({ objectType, sampleRate, channels, payload: bytes.subarray(pos + header, pos + length) });
    pos += length;
  }
  return frames;
}
