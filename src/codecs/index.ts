/**
 * Public API of the codec utilities (`transpond/codecs`): the media model every layer shares
 * (frames and track configs), H.264 NAL unit utilities, and the bit reader and writer.
 */
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
