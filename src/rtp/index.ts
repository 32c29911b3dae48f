/** RTP/RTCP for the WebRTC and SIP media paths: packets, jitter buffer, H.264, RFC 4733 DTMF, clocks. */
export { RTP_ERR, RtpError, type RtpErrorCode } from "./errors.ts";
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
export { RTCP_TYPE, readRtcpHeader, type RtcpHeader } from "./rtcp/header.ts";
export { decodeReportBlock, encodeReportBlock, REPORT_BLOCK_SIZE, type ReportBlock } from "./rtcp/report-block.ts";
export { decodeSenderReport, encodeSenderReport, type SenderReport } from "./rtcp/sender-report.ts";
export { decodeReceiverReport, encodeReceiverReport, type ReceiverReport } from "./rtcp/receiver-report.ts";
export { decodeSourceDescription, encodeSourceDescription, sdesItem, sdesText, SDES_ITEM, type SdesChunk, type SdesItem, type SourceDescription } from "./rtcp/sdes.ts";
export { decodeGoodbye, encodeGoodbye, type Goodbye } from "./rtcp/bye.ts";
export { decodeApplicationDefined, encodeApplicationDefined, type ApplicationDefined } from "./rtcp/app.ts";
export { decodePictureLossIndication, encodePictureLossIndication, PLI_FMT, type PictureLossIndication } from "./rtcp/pli.ts";
export { decodeFullIntraRequest, encodeFullIntraRequest, FIR_FMT, type FirEntry, type FullIntraRequest } from "./rtcp/fir.ts";
export { decodeGenericNack, encodeGenericNack, nackPairs, nackedSequences, NACK_FMT, type GenericNack, type NackPair } from "./rtcp/nack.ts";
export { decodeRawRtcp, encodeRawRtcp, type RawRtcp } from "./rtcp/raw.ts";
export { decodeRtcpCompound, decodeRtcpPacket, encodeRtcpCompound, encodeRtcpPacket, type RtcpPacket } from "./rtcp/compound.ts";
export { seqDiff, timestampDiff, wrappingDiff, Unwrapper, SequenceUnwrapper, TimestampUnwrapper, type UnwrapOptions } from "./sequence.ts";
export { ClockMapper, ntpToMs, msToNtp, ntpMiddle32, rtpToMs, msToRtp, NTP_UNIX_OFFSET_S } from "./clock.ts";
export { JitterBuffer, type JitterBufferOptions, type JitterBufferOutput, type JitterBufferStats } from "./jitter-buffer.ts";
export { ReceivePipeline, OPUS_CONFIG, type ReceiveOutput, type ReceivePipelineOptions, type SenderReportTimes, type TrackKind } from "./receive-pipeline.ts";
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
