/** SDP: parse/serialize (RFC 8866), codec selection for answers, and the SIP offer/answer. */
export { parseSdp, splitSdpLines } from "./parse.ts";
export { serializeSdp, sdpLines, buildSdp } from "./serialize.ts";
export { fmtpParameter, readCandidate, writeCandidate } from "./attributes.ts";
export {
  NO_COMMON_CODECS,
  STATIC_PAYLOAD_TYPES,
  offeredCodecs,
  h264Parameters,
  selectCodecs,
  selectAudioCodec,
  selectVideoCodec,
  selectTelephoneEvent,
  type AudioCodecName,
  type CodecChoice,
  type CodecPreferences,
  type CodecResult,
  type CodecSelection,
  type H264Choice,
} from "./codecs.ts";
export { buildSipOffer, readAnswerLeniently, readSipAnswer, SIP_OFFER_PAYLOAD_TYPES, type AnsweredMedia, type SipAnswer, type SipOfferOptions } from "./offer.ts";
export { answerReoffer, readReoffer, type MediaAddress, type Reoffer } from "./reoffer.ts";
export { SDP_ERR, type SdpErrorCode } from "./errors.ts";
export { SDP_LIMITS } from "./limits.ts";
export { SDP_DIRECTIONS, type SdpLine, type SdpAttribute, type SdpOrigin, type SdpConnection, type SdpBandwidth, type SdpDirection, type SdpRtpmap, type SdpFmtpParameter, type SdpFmtp, type SdpRtcpFb, type SdpExtmap, type SdpSsrc, type SdpSsrcGroup, type SdpGroup, type SdpMsid, type SdpFingerprint, type SdpSetup, type SdpRtcp, type SdpCandidate, type SdpTransportAttributes, type SdpMediaDescription, type SessionDescription } from "./types.ts";
