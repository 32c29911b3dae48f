/** RTCP packets (RFC 3550, 4585, 5104): one file per type, the union and compound codec in compound.ts. */
export { RTCP_TYPE, readRtcpHeader, type RtcpHeader } from "./header.ts";
export { decodeReportBlock, encodeReportBlock, REPORT_BLOCK_SIZE, type ReportBlock } from "./report-block.ts";
export { decodeSenderReport, encodeSenderReport, type SenderReport } from "./sender-report.ts";
export { decodeReceiverReport, encodeReceiverReport, type ReceiverReport } from "./receiver-report.ts";
export { decodeSourceDescription, encodeSourceDescription, sdesItem, sdesText, SDES_ITEM, type SdesChunk, type SdesItem, type SourceDescription } from "./sdes.ts";
export { decodeGoodbye, encodeGoodbye, type Goodbye } from "./bye.ts";
export { decodeApplicationDefined, encodeApplicationDefined, type ApplicationDefined } from "./app.ts";
export { decodePictureLossIndication, encodePictureLossIndication, PLI_FMT, type PictureLossIndication } from "./pli.ts";
export { decodeFullIntraRequest, encodeFullIntraRequest, FIR_FMT, type FirEntry, type FullIntraRequest } from "./fir.ts";
export { decodeGenericNack, encodeGenericNack, nackPairs, nackedSequences, NACK_FMT, type GenericNack, type NackPair } from "./nack.ts";
export { decodeRawRtcp, encodeRawRtcp, type RawRtcp } from "./raw.ts";
export { decodeRtcpCompound, decodeRtcpPacket, encodeRtcpCompound, encodeRtcpPacket, type RtcpPacket } from "./compound.ts";
