/**
 * Public API of the FLV layer (`transpond/flv`): tags, codec configuration records, onMetaData,
 * AMF0, the file reader and writer, and frames <-> tags.
 */
export { FLV_ERR, FlvError, type FlvErrorCode } from "./errors.ts";
export {
  decodeFlvHeader,
  decodeTagHeader,
  encodedTagSize,
  encodeFlvHeader,
  encodeTag,
  encodeTagInto,
  FLV_HEADER_SIZE,
  PREVIOUS_TAG_SIZE_SIZE,
  TAG_HEADER_SIZE,
  TAG_TYPE,
  type FlvHeader,
  type FlvTag,
  type TagHeader,
} from "./tag.ts";
export { AVC_PACKET_TYPE, decodeVideoTag, encodeVideoTag, VIDEO_CODEC_ID, VIDEO_FRAME_TYPE, type VideoTagBody } from "./video-tag.ts";
export { AAC_FLAGS, AAC_PACKET_TYPE, decodeAudioTag, encodeAudioTag, flagsSampleRate, g711Flags, SOUND_FORMAT, type AudioTagBody, type SoundFlags } from "./audio-tag.ts";
export { avcConfigFromParameterSets, decodeAvcConfig, encodeAvcConfig, type AvcConfigHighProfileExt, type AvcDecoderConfig } from "./avc-config.ts";
export { AAC_SAMPLE_RATES, AUDIO_OBJECT_TYPE, decodeAudioSpecificConfig, encodeAudioSpecificConfig, type AudioSpecificConfig } from "../codecs/aac-config.ts";
export { decodeScriptData, encodeMetadata, encodeScriptData, type FlvMetadata, type MetadataForm, type ScriptData } from "./metadata.ts";
export {
  Amf0Date,
  Amf0EcmaArray,
  Amf0Reference,
  Amf0TypedObject,
  Amf0Xml,
  AMF0_MARKER,
  AMF0_MAX_DEPTH,
  amf0Properties,
  decodeAmf0,
  decodeAmf0All,
  encodeAmf0,
  type Amf0Decoded,
  type Amf0Object,
  type Amf0Value,
} from "./amf0.ts";
export { FlvReader, type FlvReaderOptions, type FlvReaderOutput } from "./file-reader.ts";
export { encodeFlvFile, FlvWriter, type FlvWriterOptions } from "./file-writer.ts";
export { endOfSequenceTag, flvCanCarry, frameFromTag, tagsFromConfig, tagsFromFrame, type FrameFromTagOptions, type TagMedia } from "./frames.ts";
export { MAX_TAG_DATA_SIZE } from "./limits.ts";
