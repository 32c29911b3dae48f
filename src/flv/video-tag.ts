/**
 * FLV VIDEODATA tag body (FLV spec v10, E.4.3.1) for AVC, the only video codec Transpond carries.
 *
 *   | FrameType (4) | CodecID (4) |                         1 = key, 2 = inter, 3 = disposable,
 *   | AVCPacketType (8) | CompositionTime (SI24) |  data     4 = generated key, 5 = info/command
 *
 * AVCPacketType 0 = sequence header (data is an AVCDecoderConfigurationRecord), 1 = NALU (data is
 * length-prefixed NAL units, CompositionTime = PTS - DTS in ms), 2 = end of sequence (no data).
 * Other codecs and unknown AVCPacketTypes decode as `raw` and re-encode byte for byte.
 */
import { ParseError } from "../errors.ts";
import { FLV_ERR } from "./errors.ts";

export const VIDEO_FRAME_TYPE = { KEY: 1, INTER: 2, DISPOSABLE_INTER: 3, GENERATED_KEY: 4, INFO: 5 } as const;
export const VIDEO_CODEC_ID = { H263: 2, SCREEN: 3, VP6: 4, VP6_ALPHA: 5, SCREEN_V2: 6, AVC: 7 } as const;
export const AVC_PACKET_TYPE = { SEQUENCE_HEADER: 0, NALU: 1, END_OF_SEQUENCE: 2 } as const;

export type VideoTagBody =
  | { readonly type: "avc-sequence-header"; readonly frameType: number; readonly compositionTime: number; readonly config: Uint8Array }
  | { readonly type: "avc-nalu"; readonly frameType: number; readonly compositionTime: number; readonly data: Uint8Array }
  | { readonly type: "avc-end-of-sequence"; readonly frameType: number; readonly compositionTime: number }
  /** Another codec, or an AVC packet type we do not know: everything after the first byte. */
  | { readonly type: "raw"; readonly frameType: number; readonly codecId: number; readonly data: Uint8Array };

export function decodeVideoTag(bytes: Uint8Array): VideoTagBody {
  if (bytes.length < 1) throw new ParseError(FLV_ERR.VIDEO_TRUNCATED, "empty video tag", 0);
  const frameType = bytes[0]! >> 4;
  const codecId = bytes[0]! & 0x0f;
  if (codecId !== VIDEO_CODEC_ID.AVC) return { type: "raw", frameType, codecId, data: bytes.subarray(1) };
  if (bytes.length < 5) throw new ParseError(FLV_ERR.VIDEO_TRUNCATED, `AVC video tag of ${bytes.length} bytes is shorter than its 5-byte header`, 0);
  const packetType = bytes[1]!;
  const ct = (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!;
  const compositionTime = ct & 0x800000 ? ct - 0x1000000 : ct;
  const data = bytes.subarray(5);
  switch (packetType) {
    case AVC_PACKET_TYPE.SEQUENCE_HEADER:
      return { type: "avc-sequence-header", frameType, compositionTime, config: data };
    case AVC_PACKET_TYPE.NALU:
      return { type: "avc-nalu", frameType, compositionTime, data };
    case AVC_PACKET_TYPE.END_OF_SEQUENCE:
      // Some muxers put stray bytes after it; they carry nothing and are dropped.
      return { type: "avc-end-of-sequence", frameType, compositionTime };
    default:
      return { type: "raw", frameType, codecId, data: bytes.subarray(1) };
  }
}

export function encodeVideoTag(body: VideoTagBody): Uint8Array {
  if (body.frameType < 0 || body.frameType > 15) throw new RangeError(`frame type ${body.frameType} does not fit 4 bits`);
  if (body.type === "raw") {
    const out = new Uint8Array(1 + body.data.length);
    out[0] = (body.frameType << 4) | (body.codecId & 0x0f);
    out.set(body.data, 1);
    return out;
  }
  const ct = body.compositionTime;
  if (!Number.isInteger(ct) || ct < -0x800000 || ct > 0x7fffff) throw new RangeError(`composition time ${ct} does not fit a signed 24-bit integer`);
  const data = body.type === "avc-sequence-header" ? body.config : body.type === "avc-nalu" ? body.data : new Uint8Array(0);
  const packetType = body.type === "avc-sequence-header" ? 0 : body.type === "avc-nalu" ? 1 : 2;
  const out = new Uint8Array(5 + data.length);
  const u = ct & 0xffffff;
  out[0] = (body.frameType << 4) | VIDEO_CODEC_ID.AVC;
  out[1] = packetType;
  out[2] = u >> 16;
  out[3] = (u >> 8) & 0xff;
  out[4] = u & 0xff;
  out.set(data, 5);
  return out;
}
