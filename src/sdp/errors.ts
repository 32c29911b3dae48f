/**
 * Stable error codes of the SDP layer. `parseSdp` throws `ParseError` (src/errors.ts) with one of
 * these codes and the character offset of the offending line. A SIP UAS answers a body that fails
 * with 488 Not Acceptable Here; the WebSocket API answers FAILED.
 */
export const SDP_ERR = {
  /** the text is empty or only blank lines */
  EMPTY: "ERR_SDP_EMPTY",
  /** the text is larger than SDP_LIMITS allow (bytes or lines) */
  TOO_LARGE: "ERR_SDP_TOO_LARGE",
  /** a line is not `<letter>=<value>` */
  LINE_SYNTAX: "ERR_SDP_LINE_SYNTAX",
  /** the first line is not `v=0` */
  BAD_VERSION: "ERR_SDP_BAD_VERSION",
  /** o=, s= missing in the session section */
  MISSING_LINE: "ERR_SDP_MISSING_LINE",
  /** o= does not have its six fields */
  BAD_ORIGIN: "ERR_SDP_BAD_ORIGIN",
  /** c= is not `<nettype> <addrtype> <address>` */
  BAD_CONNECTION: "ERR_SDP_BAD_CONNECTION",
  /** m= is not `<media> <port>[/<count>] <proto> <fmt> ...` or the port is out of range */
  BAD_MEDIA: "ERR_SDP_BAD_MEDIA",
  /** a known attribute (rtpmap, fmtp, ptime, rtcp, extmap, rtcp-fb, ssrc, setup, ...) has a malformed value */
  BAD_ATTRIBUTE: "ERR_SDP_BAD_ATTRIBUTE",
  /** an a=candidate line does not follow RFC 8839 section 5.1 */
  BAD_CANDIDATE: "ERR_SDP_BAD_CANDIDATE",
  /** an answer whose m= sections do not line up with the offer's (RFC 3264 6) */
  ANSWER_MISMATCH: "ERR_SDP_ANSWER_MISMATCH",
} as const;

export type SdpErrorCode = (typeof SDP_ERR)[keyof typeof SDP_ERR];
