/**
 * Stable error codes of the RTP layer. Decoders throw `ParseError` (src/errors.ts) with one of these
 * codes and the byte offset of the problem; tests assert the code.
 */
import { TranspondError } from "../errors.ts";

export const RTP_ERR = {
  /** fewer bytes than the fixed header, a CSRC list, an extension or padding needs */
  TRUNCATED: "ERR_RTP_TRUNCATED",
  /** version field is not 2 */
  BAD_VERSION: "ERR_RTP_BAD_VERSION",
  /** padding count is 0 or larger than the payload */
  BAD_PADDING: "ERR_RTP_BAD_PADDING",
  /** a header-extension element runs past the extension block (RFC 8285) */
  BAD_EXTENSION: "ERR_RTP_BAD_EXTENSION",
  /** an RTCP length field does not match the bytes */
  RTCP_BAD_LENGTH: "ERR_RTCP_BAD_LENGTH",
  /** an RTCP packet body does not have the shape its type requires */
  RTCP_MALFORMED: "ERR_RTCP_MALFORMED",
  /** an H.264 RTP payload (RFC 6184) is empty, truncated or has a bad aggregation size */
  H264_MALFORMED: "ERR_RTP_H264_MALFORMED",
  /** an H.264 payload type we do not handle (STAP-B, MTAP16/24, FU-B, reserved 0/30/31) */
  H264_UNSUPPORTED: "ERR_RTP_H264_UNSUPPORTED",
  /** a NAL unit does not fit the MTU in packetization-mode 0 */
  H264_NAL_TOO_LARGE: "ERR_RTP_H264_NAL_TOO_LARGE",
  /** a telephone-event payload (RFC 4733) shorter than 4 bytes */
  DTMF_MALFORMED: "ERR_RTP_DTMF_MALFORMED",
  /** a DTMF digit that has no RFC 4733 event code */
  DTMF_BAD_DIGIT: "ERR_RTP_DTMF_BAD_DIGIT",
  /** a value given to an encoder is outside its field */
  FIELD_RANGE: "ERR_RTP_FIELD_RANGE",
} as const;

export type RtpErrorCode = (typeof RTP_ERR)[keyof typeof RTP_ERR];

/** The RTP/RTCP port pool (port-allocator.ts). */
export const PORT_ERR = {
  EXHAUSTED: "ERR_RTP_PORTS_EXHAUSTED",
  RANGE: "ERR_RTP_PORT_RANGE",
} as const;

/** The base of the RTP layer's errors that are not a peer's malformed bytes (those are ParseError): values an encoder cannot write, the port pool. */
export class RtpError extends TranspondError {}
