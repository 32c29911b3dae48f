/** RTP/RTCP for the WebRTC and SIP media paths: packets, jitter buffer, H.264, RFC 4733 DTMF, clocks. */
export { RTP_ERROR, type RtpErrorCode } from "./errors.ts";
export {
  decodeRtp,
  encodeRtp,
  encodeInto,
  encodedSize,
  rtpPacket,
  isRtcp,
  decodeHeaderExtensions,
  encodeHeaderExtensions,
  RTP_HEADER_SIZE,
  ONE_BYTE_PROFILE,
  TWO_BYTE_PROFILE,
  type RtpPacket,
  type RtpPacketInit,
  type RtpHeaderExtension,
  type RtpExtensionElement,
} from "./packet.ts";
export * from "./rtcp/index.ts";
export { seqDiff, timestampDiff, wrappingDiff, Unwrapper, SequenceUnwrapper, TimestampUnwrapper } from "./sequence.ts";
export { ClockMapper, ntpToMs, msToNtp, ntpMiddle32, rtpToMs, msToRtp, NTP_UNIX_OFFSET_S } from "./clock.ts";
export { JitterBuffer, type JitterBufferOptions, type JitterBufferOutput, type JitterBufferStats } from "./jitter-buffer.ts";
export { decodeH264Payload, STAP_A, FU_A, type H264Payload } from "./h264/payload.ts";
export { H264Depacketizer, type H264DepacketizerOptions, type H264DepacketizerOutput, type H264DepacketizerStats, type H264DropReason } from "./h264/depacketizer.ts";
export { packetizeH264, DEFAULT_H264_MTU, type H264PacketizerOptions } from "./h264/packetizer.ts";
export {
  decodeTelephoneEvent,
  encodeTelephoneEvent,
  dtmfEvent,
  dtmfDigit,
  dtmfPackets,
  DtmfReceiver,
  DTMF_MIN_DURATION_MS,
  DTMF_DEFAULT_DURATION_MS,
  type TelephoneEvent,
  type DtmfSenderOptions,
  type DtmfPacketPlan,
  type DtmfDigit,
} from "./telephone-event.ts";
