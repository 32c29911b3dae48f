/**
 * Public API of the codec utilities (`transpond/codecs`): the media model every layer shares
 * (frames and track configs), H.264 NAL unit utilities, the bit reader and writer, and the AAC
 * AudioSpecificConfig.
 */
export { CODECS_ERR, type CodecsErrorCode } from "./errors.ts";
export type { AudioCodec, AudioConfig, AudioFrame, Frame, H264Config, TrackConfig, VideoCodec, VideoFrame } from "./frame.ts";
export {
  addEmulationPrevention,
  avccToNalus,
  isKeyframe,
  joinAnnexB,
  MAX_NAL_SIZE,
  MAX_NALS_PER_ACCESS_UNIT,
  MAX_SPS_SIZE,
  NAL_TYPE,
  nalRefIdc,
  nalType,
  nalusToAvcc,
  parseSps,
  removeEmulationPrevention,
  splitAnnexB,
  type NalLengthSize,
  type NalType,
  type Sps,
  type SpsVui,
} from "./h264/index.ts";
export { BitReader, BitWriter } from "./bits.ts";
export { AAC_SAMPLE_RATES, AUDIO_OBJECT_TYPE, decodeAudioSpecificConfig, encodeAudioSpecificConfig, type AudioSpecificConfig } from "./aac-config.ts";
