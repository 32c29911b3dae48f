/**
 * Stable error codes of the flv layer: what each ParseError or TranspondError it throws carries
 * (tests assert the code). Grouped by the file that raises them first.
 */
import { TranspondError } from "../errors.ts";

export const FLV_ERR = {
  // amf0.ts
  AMF0_AMF3_UNSUPPORTED: "ERR_AMF0_AMF3_UNSUPPORTED",
  AMF0_TOO_DEEP: "ERR_AMF0_TOO_DEEP",
  AMF0_TRUNCATED: "ERR_AMF0_TRUNCATED",
  AMF0_UNEXPECTED_OBJECT_END: "ERR_AMF0_UNEXPECTED_OBJECT_END",
  AMF0_UNKNOWN_MARKER: "ERR_AMF0_UNKNOWN_MARKER",
  // audio-tag.ts
  AUDIO_TRUNCATED: "ERR_FLV_AUDIO_TRUNCATED",
  // avc-config.ts
  AVC_CONFIG_EMPTY_NAL: "ERR_FLV_AVC_CONFIG_EMPTY_NAL",
  AVC_CONFIG_LENGTH_SIZE: "ERR_FLV_AVC_CONFIG_LENGTH_SIZE",
  AVC_CONFIG_TOO_MANY: "ERR_FLV_AVC_CONFIG_TOO_MANY",
  AVC_CONFIG_TRUNCATED: "ERR_FLV_AVC_CONFIG_TRUNCATED",
  AVC_CONFIG_VERSION: "ERR_FLV_AVC_CONFIG_VERSION",
  // file-reader.ts
  HEADER_SIZE: "ERR_FLV_HEADER_SIZE",
  PREVIOUS_TAG_SIZE: "ERR_FLV_PREVIOUS_TAG_SIZE",
  TAG_TOO_LARGE: "ERR_FLV_TAG_TOO_LARGE",
  TRUNCATED: "ERR_FLV_TRUNCATED",
  // file-writer.ts
  TIMESTAMP_BACKWARDS: "ERR_FLV_TIMESTAMP_BACKWARDS",
  // frames.ts
  AVC_CONFIG_NO_PARAMETER_SETS: "ERR_FLV_AVC_CONFIG_NO_PARAMETER_SETS",
  CODEC_UNSUPPORTED: "ERR_FLV_CODEC_UNSUPPORTED",
  // metadata.ts
  METADATA_NOT_OBJECT: "ERR_FLV_METADATA_NOT_OBJECT",
  SCRIPT_NAME: "ERR_FLV_SCRIPT_NAME",
  // tag.ts
  SIGNATURE: "ERR_FLV_SIGNATURE",
  // video-tag.ts
  VIDEO_TRUNCATED: "ERR_FLV_VIDEO_TRUNCATED",
} as const;

export type FlvErrorCode = (typeof FLV_ERR)[keyof typeof FLV_ERR];

/** The base of the flv layer's errors that are not malformed input (those are ParseError): what a writer cannot carry. */
export class FlvError extends TranspondError {}
