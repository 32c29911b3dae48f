/**
 * AVCDecoderConfigurationRecord (ISO/IEC 14496-15 section 5.3.3.1), the body of an FLV AVC
 * sequence header and of an MP4 `avcC` box.
 *
 *   configurationVersion (8) = 1 | AVCProfileIndication (8) | profile_compatibility (8) |
 *   AVCLevelIndication (8) | '111111' lengthSizeMinusOne (2) | '111' numOfSequenceParameterSets (5) |
 *   { sequenceParameterSetLength (16) | SPS NAL unit } ... | numOfPictureParameterSets (8) |
 *   { pictureParameterSetLength (16) | PPS NAL unit } ... |
 *   [ profile 100/110/122/144 only: '111111' chroma_format (2) | '11111' bit_depth_luma_minus8 (3) |
 *     '11111' bit_depth_chroma_minus8 (3) | numOfSequenceParameterSetExt (8) | { length (16) | NAL } ... ]
 *
 * The trailing high-profile block is optional in practice (older ffmpeg and many encoders omit it);
 * it is decoded when present and written by `avcConfigFromParameterSets` for those profiles.
 */
import { ParseError } from "../errors.ts";
import { parseSps } from "../codecs/h264/sps.ts";
import { MAX_PARAMETER_SETS } from "./limits.ts";
import { FLV_ERR } from "./errors.ts";

export interface AvcConfigHighProfileExt {
  readonly chromaFormat: number;
  readonly bitDepthLumaMinus8: number;
  readonly bitDepthChromaMinus8: number;
  readonly spsExt: readonly Uint8Array[];
}

export interface AvcDecoderConfig {
  readonly configurationVersion: number;
  readonly profileIndication: number;
  readonly profileCompatibility: number;
  readonly levelIndication: number;
  /** lengthSizeMinusOne + 1: bytes of each NAL length in samples (1, 2 or 4). */
  readonly lengthSize: number;
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
  readonly ext?: AvcConfigHighProfileExt;
}

const EXT_PROFILES: ReadonlySet<number> = new Set([100, 110, 122, 144]);

export function decodeAvcConfig(bytes: Uint8Array): AvcDecoderConfig {
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (bytes.length - pos < n) throw new ParseError(FLV_ERR.AVC_CONFIG_TRUNCATED, `AVCDecoderConfigurationRecord ends inside ${what}`, pos);
  };
  const u8 = (what: string): number => {
    need(1, what);
    return bytes[pos++]!;
  };
  const nalList = (count: number, what: string): Uint8Array[] => {
    const list: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      need(2, `${what} length`);
      const len = (bytes[pos]! << 8) | bytes[pos + 1]!;
      pos += 2;
      need(len, what);
      if (len === 0) throw new ParseError(FLV_ERR.AVC_CONFIG_EMPTY_NAL, `empty ${what}`, pos - 2);
      list.push(bytes.subarray(pos, pos + len));
      pos += len;
    }
    return list;
  };
  need(7, "its fixed header");
  const configurationVersion = u8("configurationVersion");
  if (configurationVersion !== 1) throw new ParseError(FLV_ERR.AVC_CONFIG_VERSION, `configurationVersion ${configurationVersion} is not 1`, 0);
  const profileIndication = u8("AVCProfileIndication");
  const profileCompatibility = u8("profile_compatibility");
  const levelIndication = u8("AVCLevelIndication");
  const lengthSizeMinusOne = u8("lengthSizeMinusOne") & 3;
  if (lengthSizeMinusOne === 2) throw new ParseError(FLV_ERR.AVC_CONFIG_LENGTH_SIZE, "lengthSizeMinusOne 2 (3-byte lengths) is not allowed", 4);
  const numSps = u8("numOfSequenceParameterSets") & 0x1f;
  const sps = nalList(numSps, "SPS");
  const numPps = u8("numOfPictureParameterSets");
  if (numPps > MAX_PARAMETER_SETS) throw new ParseError(FLV_ERR.AVC_CONFIG_TOO_MANY, `${numPps} PPS exceed ${MAX_PARAMETER_SETS}`, pos - 1);
  const pps = nalList(numPps, "PPS");
  let ext: AvcConfigHighProfileExt | undefined;
  if (EXT_PROFILES.has(profileIndication) && bytes.length - pos >= 4) {
    const chromaFormat = bytes[pos]! & 3;
    const bitDepthLumaMinus8 = bytes[pos + 1]! & 7;
    const bitDepthChromaMinus8 = bytes[pos + 2]! & 7;
    const numExt = bytes[pos + 3]!;
    pos += 4;
    if (numExt > MAX_PARAMETER_SETS) throw new ParseError(FLV_ERR.AVC_CONFIG_TOO_MANY, `${numExt} SPS extensions exceed ${MAX_PARAMETER_SETS}`, pos - 1);
    ext = { chromaFormat, bitDepthLumaMinus8, bitDepthChromaMinus8, spsExt: nalList(numExt, "SPS extension") };
  }
  return { configurationVersion, profileIndication, profileCompatibility, levelIndication, lengthSize: lengthSizeMinusOne + 1, sps, pps, ...(ext && { ext }) };
}

export function encodeAvcConfig(config: AvcDecoderConfig): Uint8Array {
  const { lengthSize } = config;
  if (lengthSize !== 1 && lengthSize !== 2 && lengthSize !== 4) throw new RangeError(`NAL length size ${lengthSize} is not 1, 2 or 4`);
  if (config.sps.length > 31) throw new RangeError(`${config.sps.length} SPS do not fit 5 bits`);
  if (config.pps.length > 255) throw new RangeError(`${config.pps.length} PPS do not fit 8 bits`);
  const lists = [config.sps, config.pps, config.ext?.spsExt ?? []];
  let size = 7 + (config.ext ? 4 : 0);
  for (const list of lists) {
    for (const n of list) {
      if (n.length > 0xffff) throw new RangeError(`parameter set of ${n.length} bytes does not fit 16 bits`);
      size += 2 + n.length;
    }
  }
  const out = new Uint8Array(size);
  let pos = 0;
  const putList = (list: readonly Uint8Array[]): void => {
    for (const n of list) {
      out[pos++] = n.length >> 8;
      out[pos++] = n.length & 0xff;
      out.set(n, pos);
      pos += n.length;
    }
  };
  out[pos++] = config.configurationVersion;
  out[pos++] = config.profileIndication;
  out[pos++] = config.profileCompatibility;
  out[pos++] = config.levelIndication;
  out[pos++] = 0xfc | (lengthSize - 1);
  out[pos++] = 0xe0 | config.sps.length;
  putList(config.sps);
  out[pos++] = config.pps.length;
  putList(config.pps);
  if (config.ext) {
    out[pos++] = 0xfc | (config.ext.chromaFormat & 3);
    out[pos++] = 0xf8 | (config.ext.bitDepthLumaMinus8 & 7);
    out[pos++] = 0xf8 | (config.ext.bitDepthChromaMinus8 & 7);
    out[pos++] = config.ext.spsExt.length;
    putList(config.ext.spsExt);
  }
  return out;
}

/**
 * The record for one SPS and one PPS: profile, compatibility and level are the SPS's profile_idc,
 * constraint flags and level_idc; 4-byte NAL lengths. Throws ParseError when the SPS does not parse.
 */
export function avcConfigFromParameterSets(sps: Uint8Array, pps: Uint8Array): AvcDecoderConfig {
  const s = parseSps(sps);
  if (pps.length === 0) throw new ParseError(FLV_ERR.AVC_CONFIG_EMPTY_NAL, "empty PPS", 0);
  return {
    configurationVersion: 1,
    profileIndication: s.profileIdc,
    profileCompatibility: s.constraintFlags,
    levelIndication: s.levelIdc,
    lengthSize: 4,
    sps: [sps],
    pps: [pps],
    ...(EXT_PROFILES.has(s.profileIdc) && {
      ext: { chromaFormat: s.chromaFormatIdc, bitDepthLumaMinus8: s.bitDepthLumaMinus8, bitDepthChromaMinus8: s.bitDepthChromaMinus8, spsExt: [] },
    }),
  };
}
