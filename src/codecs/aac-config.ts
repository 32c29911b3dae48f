/**
 * AudioSpecificConfig (ISO/IEC 14496-3 section 1.6.2.1): the body of an FLV AAC sequence header, and
 * what an ADTS header and the AAC decoder are read against.
 *
 *   audioObjectType (5, 31 -> 32 + 6 more) | samplingFrequencyIndex (4, 15 -> 24-bit rate) |
 *   channelConfiguration (4) | [AOT 5/29: extensionSamplingFrequencyIndex (4 [+24]) |
 *   audioObjectType again] | GASpecificConfig: frameLengthFlag (1) | dependsOnCoreCoder (1)
 *   [coreCoderDelay (14)] | extensionFlag (1) | ... |
 *   [syncExtensionType 0x2b7 (11) | extensionAudioObjectType (5) | sbrPresentFlag (1) |
 *    [extensionSamplingFrequencyIndex (4 [+24])] | [syncExtensionType 0x548 (11) | psPresentFlag (1)]]
 *
 * The trailing explicit (backward-compatible) SBR signalling is what ffmpeg writes for
 * `120856e500` in the 1080p fixture: AAC-LC 44.1 kHz mono, SBR not present.
 */
import { ParseError } from "../errors.ts";

/** Samples per channel in one AAC-LC frame (frameLengthFlag 0). */
export const AAC_FRAME_SAMPLES = 1024;
import { BitReader, BitWriter } from "./bits.ts";
import { CODECS_ERR } from "./errors.ts";

/** Table 1.18, samplingFrequencyIndex 0..12. */
export const AAC_SAMPLE_RATES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

export const AUDIO_OBJECT_TYPE = { AAC_MAIN: 1, AAC_LC: 2, AAC_SSR: 3, AAC_LTP: 4, SBR: 5, ER_AAC_LD: 23, PS: 29 } as const;

export interface AudioSpecificConfig {
  readonly audioObjectType: number;
  /** Index 0..12 into AAC_SAMPLE_RATES, or 15 when the rate is written explicitly. */
  readonly samplingFrequencyIndex: number;
  readonly sampleRate: number;
  readonly channelConfiguration: number;
  readonly frameLengthFlag: boolean;
  readonly dependsOnCoreCoder: boolean;
  readonly extensionFlag: boolean;
  /** Set when SBR is signalled, explicitly (AOT 5/29 first) or by a sync extension. */
  readonly sbrPresent?: boolean;
  readonly psPresent?: boolean;
  /** Output sample rate of SBR when present. */
  readonly extensionSampleRate?: number;
}

/** Object types whose ASC goes on with a GASpecificConfig (Table 1.15). */
const GA_TYPES: ReadonlySet<number> = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

function readObjectType(r: BitReader): number {
  const aot = r.read(5);
  return aot === 31 ? 32 + r.read(6) : aot;
}

function readRate(r: BitReader): { index: number; rate: number } {
  const index = r.read(4);
  if (index === 15) return { index, rate: r.read(24) };
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) throw new ParseError(CODECS_ERR.AAC_SAMPLE_RATE, `samplingFrequencyIndex ${index} is reserved`, r.bitOffset >> 3);
  return { index, rate };
}

export function decodeAudioSpecificConfig(bytes: Uint8Array): AudioSpecificConfig {
  if (bytes.length < 2) throw new ParseError(CODECS_ERR.AAC_CONFIG_TRUNCATED, `AudioSpecificConfig of ${bytes.length} bytes is too short`, 0);
  const r = new BitReader(bytes);
  try {
    let audioObjectType = readObjectType(r);
    if (audioObjectType === 0) throw new ParseError(CODECS_ERR.AAC_OBJECT_TYPE, "audioObjectType 0 (null) is not valid", 0);
    const { index: samplingFrequencyIndex, rate: sampleRate } = readRate(r);
    const channelConfiguration = r.read(4);
    let sbrPresent: boolean | undefined;
    let psPresent: boolean | undefined;
    let extensionSampleRate: number | undefined;
    if (audioObjectType === AUDIO_OBJECT_TYPE.SBR || audioObjectType === AUDIO_OBJECT_TYPE.PS) {
      sbrPresent = true;
      if (audioObjectType === AUDIO_OBJECT_TYPE.PS) psPresent = true;
      extensionSampleRate = readRate(r).rate;
      audioObjectType = readObjectType(r);
    }
    let frameLengthFlag = false;
    let dependsOnCoreCoder = false;
    let extensionFlag = false;
    if (GA_TYPES.has(audioObjectType)) {
      frameLengthFlag = r.readFlag();
      dependsOnCoreCoder = r.readFlag();
      if (dependsOnCoreCoder) r.skip(14); // coreCoderDelay
      extensionFlag = r.readFlag();
      if (channelConfiguration === 0) {
        // A program_config_element follows; its channel layout is not needed to carry the stream,
        // and nothing after it is read.
        return { audioObjectType, samplingFrequencyIndex, sampleRate, channelConfiguration, frameLengthFlag, dependsOnCoreCoder, extensionFlag };
      }
      if (extensionFlag) {
        if (audioObjectType === 6 || audioObjectType === 20) r.skip(3); // layerNr
        // extensionFlag3 etc. for ER types are left unread: nothing below depends on them.
        if (audioObjectType >= 17) {
          return { audioObjectType, samplingFrequencyIndex, sampleRate, channelConfiguration, frameLengthFlag, dependsOnCoreCoder, extensionFlag };
        }
      }
    }
    if (sbrPresent === undefined && r.bitsLeft >= 16) {
      // Anything other than the sync word here is padding or unknown, and is ignored.
      if (r.read(11) === 0x2b7) {
        const extType = readObjectType(r);
        if (extType === AUDIO_OBJECT_TYPE.SBR) {
          sbrPresent = r.readFlag();
          if (sbrPresent) {
            extensionSampleRate = readRate(r).rate;
            if (r.bitsLeft >= 12 && r.read(11) === 0x548) psPresent = r.readFlag();
          }
        }
      }
    }
    return {
      audioObjectType,
      samplingFrequencyIndex,
      sampleRate,
      channelConfiguration,
      frameLengthFlag,
      dependsOnCoreCoder,
      extensionFlag,
      ...(sbrPresent !== undefined && { sbrPresent }),
      ...(psPresent !== undefined && { psPresent }),
      ...(extensionSampleRate !== undefined && { extensionSampleRate }),
    };
  } catch (err) {
    if (err instanceof ParseError && err.code === CODECS_ERR.BITS_TRUNCATED) {
      throw new ParseError(CODECS_ERR.AAC_CONFIG_TRUNCATED, "AudioSpecificConfig ends inside its syntax", err.offset, { cause: err });
    }
    throw err;
  }
}

/**
 * A plain AudioSpecificConfig: object type (default AAC-LC), the rate as an index when it is in
 * Table 1.18 and explicitly otherwise, the channel configuration, GASpecificConfig flags zero.
 */
export function encodeAudioSpecificConfig(config: { readonly audioObjectType?: number; readonly sampleRate: number; readonly channels: number }): Uint8Array {
  const aot = config.audioObjectType ?? AUDIO_OBJECT_TYPE.AAC_LC;
  if (aot < 1 || aot === 31 || aot > 95) throw new RangeError(`audioObjectType ${aot} out of range`);
  if (config.channels < 0 || config.channels > 15) throw new RangeError(`channel configuration ${config.channels} does not fit 4 bits`);
  const w = new BitWriter(8);
  if (aot >= 31) {
    w.write(5, 31);
    w.write(6, aot - 32);
  } else {
    w.write(5, aot);
  }
  const index = AAC_SAMPLE_RATES.indexOf(config.sampleRate);
  if (index >= 0) {
    w.write(4, index);
  } else {
    w.write(4, 15);
    w.write(24, config.sampleRate);
  }
  w.write(4, config.channels);
  if (GA_TYPES.has(aot)) w.write(3, 0); // frameLengthFlag, dependsOnCoreCoder, extensionFlag
  w.alignZero();
  return w.finish();
}
