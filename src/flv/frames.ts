/**
 * FLV tags <-> the media model (src/codecs/frame.ts):
 *
 *   VideoFrame (H264)      <-> AVC NALU tag: timestamp = DTS, CompositionTime = PTS - DTS,
 *                              FrameType key/inter, NAL units length-prefixed (4 bytes)
 *   AudioFrame (AAC)       <-> AAC raw tag (0xAF 01)
 *   AudioFrame (PCMA/PCMU) <-> G.711 tag (0x72 / 0x82), 8 kHz mono
 *   AudioFrame (SPEEX)     <-> Speex tag (0xB6), 16 kHz mono, the tag's frames as they are
 *   H264Config             <-> AVC sequence header (AVCDecoderConfigurationRecord)
 *   AudioConfig (AAC)      <-> AAC sequence header (AudioSpecificConfig)
 *
 * G.711 and Speex have no sequence header: their config is implied by the codec (impliedAudioConfig).
 *
 * Times are whole milliseconds in FLV: frame times are rounded, and timestamps wrap at 2^32.
 */
import { ParseError } from "../errors.ts";
import type { AudioCodec, AudioConfig, Frame, H264Config, TrackConfig } from "../codecs/frame.ts";
import { avccToNalus, nalusToAvcc } from "../codecs/h264/avcc.ts";
import { parseSps } from "../codecs/h264/sps.ts";
import { decodeAudioSpecificConfig, encodeAudioSpecificConfig } from "../codecs/aac-config.ts";
import { AAC_FLAGS, SOUND_FORMAT, decodeAudioTag, encodeAudioTag, g711Flags, SPEEX_FLAGS, type AudioTagBody } from "./audio-tag.ts";
import { avcConfigFromParameterSets, decodeAvcConfig, encodeAvcConfig } from "./avc-config.ts";
import { TAG_TYPE, type FlvTag } from "./tag.ts";
import { decodeVideoTag, encodeVideoTag, VIDEO_FRAME_TYPE } from "./video-tag.ts";
import { FLV_ERR, FlvError } from "./errors.ts";

export type TagMedia =
  | { readonly type: "frame"; readonly frame: Frame }
  /** A sequence header; for H.264 `nalLengthSize` is what the NALU tags that follow use. */
  | { readonly type: "config"; readonly config: TrackConfig; readonly nalLengthSize?: number }
  | { readonly type: "end-of-sequence" }
  /** Script data, or a codec the media model does not carry; `reason` says which. */
  | { readonly type: "ignored"; readonly reason: string };

export interface FrameFromTagOptions {
  /** NAL length size from the last AVC sequence header (default 4). */
  readonly nalLengthSize?: number;
}

function toMs(t: number, what: string): number {
  const ms = Math.round(t);
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${what} ${t} is not a time an FLV tag can carry`);
  return ms;
}

/** Reads one tag as media. Throws ParseError for a malformed body. */
export function frameFromTag(tag: FlvTag, options: FrameFromTagOptions = {}): TagMedia {
  if (tag.tagType === TAG_TYPE.VIDEO) {
    const body = decodeVideoTag(tag.data);
    switch (body.type) {
      case "avc-sequence-header": {
        const record = decodeAvcConfig(body.config);
        const sps = record.sps[0];
        const pps = record.pps[0];
        if (!sps || !pps) throw new ParseError(FLV_ERR.AVC_CONFIG_NO_PARAMETER_SETS, "AVC sequence header without an SPS and a PPS", 5);
        const parsed = parseSps(sps);
        const config: H264Config = { codec: "H264", sps, pps, width: parsed.width, height: parsed.height };
        return { type: "config", config, nalLengthSize: record.lengthSize };
      }
      case "avc-nalu": {
        const data = avccToNalus(body.data, options.nalLengthSize ?? 4);
        const key = body.frameType === VIDEO_FRAME_TYPE.KEY || body.frameType === VIDEO_FRAME_TYPE.GENERATED_KEY;
        return { type: "frame", frame: { kind: "video", codec: "H264", dts: tag.timestamp, pts: tag.timestamp + body.compositionTime, key, data } };
      }
      case "avc-end-of-sequence":
        return { type: "end-of-sequence" };
      case "raw":
        return { type: "ignored", reason: `video codec ${body.codecId}${body.codecId === 7 ? " with an unknown AVCPacketType" : ""}` };
    }
  }
  if (tag.tagType === TAG_TYPE.AUDIO) {
    const body = decodeAudioTag(tag.data);
    const t = tag.timestamp;
    switch (body.type) {
      case "aac-sequence-header": {
        const asc = decodeAudioSpecificConfig(body.config);
        const config: AudioConfig = { codec: "AAC", sampleRate: asc.sampleRate, channels: asc.channelConfiguration, asc: body.config };
        return { type: "config", config };
      }
      case "aac-raw":
        return { type: "frame", frame: { kind: "audio", codec: "AAC", dts: t, pts: t, key: true, data: body.data } };
      case "g711":
        return { type: "frame", frame: { kind: "audio", codec: body.law === "alaw" ? "PCMA" : "PCMU", dts: t, pts: t, key: true, data: body.data } };
      case "speex":
        return { type: "frame", frame: { kind: "audio", codec: "SPEEX", dts: t, pts: t, key: true, data: body.data } };
      case "raw":
        return { type: "ignored", reason: `sound format ${body.soundFormat}` };
    }
  }
  return { type: "ignored", reason: tag.tagType === TAG_TYPE.SCRIPT ? "script data" : `tag type ${tag.tagType}` };
}

/** Whether (non-enhanced) FLV has a codec id for this codec: H.264, AAC, G.711 and Speex (not Opus). */
export function flvCanCarry(codec: string): boolean {
  return codec === "H264" || codec === "AAC" || codec === "PCMA" || codec === "PCMU" || codec === "SPEEX";
}

/** The SoundFormat (onMetaData `audiocodecid`) of a codec FLV carries; undefined for Opus. */
export function flvAudioCodecId(codec: AudioCodec): number | undefined {
  return { AAC: SOUND_FORMAT.AAC, PCMA: SOUND_FORMAT.G711_ALAW, PCMU: SOUND_FORMAT.G711_MULAW, SPEEX: SOUND_FORMAT.SPEEX, OPUS: undefined }[codec];
}

/** The config FLV implies for a codec without a sequence header: G.711 8 kHz mono, Speex 16 kHz mono. */
export function impliedAudioConfig(codec: AudioCodec): AudioConfig | undefined {
  if (codec === "PCMA" || codec === "PCMU") return { codec, sampleRate: 8000, channels: 1 };
  if (codec === "SPEEX") return { codec, sampleRate: 16000, channels: 1 };
  return undefined;
}

/** The tag for one frame. Opus has no place in (non-enhanced) FLV: ERR_FLV_CODEC_UNSUPPORTED. */
export function tagsFromFrame(frame: Frame): FlvTag[] {
  const dts = toMs(frame.dts, "DTS");
  const timestamp = dts % 2 ** 32;
  if (frame.kind === "video") {
    const compositionTime = toMs(frame.pts, "PTS") - dts;
    const data = encodeVideoTag({ type: "avc-nalu", frameType: frame.key ? VIDEO_FRAME_TYPE.KEY : VIDEO_FRAME_TYPE.INTER, compositionTime, data: nalusToAvcc(frame.data, 4) });
    return [{ tagType: TAG_TYPE.VIDEO, timestamp, data }];
  }
  let body: AudioTagBody;
  switch (frame.codec) {
    case "AAC":
      body = { ...AAC_FLAGS, type: "aac-raw", data: frame.data };
      break;
    case "PCMA":
    case "PCMU": {
      const law = frame.codec === "PCMA" ? "alaw" : "mulaw";
      body = { ...g711Flags(law), type: "g711", law, data: frame.data };
      break;
    }
    case "SPEEX":
      body = { ...SPEEX_FLAGS, type: "speex", data: frame.data };
      break;
    default:
      throw new FlvError(FLV_ERR.CODEC_UNSUPPORTED, `FLV cannot carry ${frame.codec} audio`);
  }
  return [{ tagType: TAG_TYPE.AUDIO, timestamp, data: encodeAudioTag(body) }];
}

/**
 * The sequence header tag for a track config: the AVCDecoderConfigurationRecord from the SPS/PPS,
 * or the AudioSpecificConfig (the config's own `asc` when present, else built from rate and
 * channels). G.711 and Speex need none: []. Opus: ERR_FLV_CODEC_UNSUPPORTED.
 */
export function tagsFromConfig(config: TrackConfig, timestamp = 0): FlvTag[] {
  if (config.codec === "H264") {
    const record = encodeAvcConfig(avcConfigFromParameterSets(config.sps, config.pps));
    return [{ tagType: TAG_TYPE.VIDEO, timestamp, data: encodeVideoTag({ type: "avc-sequence-header", frameType: VIDEO_FRAME_TYPE.KEY, compositionTime: 0, config: record }) }];
  }
  if (config.codec === "AAC") {
    const asc = config.asc ?? encodeAudioSpecificConfig({ sampleRate: config.sampleRate, channels: config.channels });
    return [{ tagType: TAG_TYPE.AUDIO, timestamp, data: encodeAudioTag({ ...AAC_FLAGS, type: "aac-sequence-header", config: asc }) }];
  }
  if (impliedAudioConfig(config.codec as AudioCodec)) return [];
  throw new FlvError(FLV_ERR.CODEC_UNSUPPORTED, `FLV cannot carry ${config.codec} audio`);
}

/** The AVC end-of-sequence tag players expect last. */
export function endOfSequenceTag(timestamp: number): FlvTag {
  return { tagType: TAG_TYPE.VIDEO, timestamp, data: encodeVideoTag({ type: "avc-end-of-sequence", frameType: VIDEO_FRAME_TYPE.KEY, compositionTime: 0 }) };
}
