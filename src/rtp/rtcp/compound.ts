/**
 * Compound RTCP (RFC 3550 6.1): packets stacked in one datagram, each with its own header. Known
 * types are decoded; unknown types and feedback FMTs are kept raw and re-encode byte-exact.
 */
import { ParseError } from "../../errors.ts";
import { RTP_ERR } from "../errors.ts";
import { decodeApplicationDefined, encodeApplicationDefined, type ApplicationDefined } from "./app.ts";
import { decodeGoodbye, encodeGoodbye, type Goodbye } from "./bye.ts";
import { FIR_FMT, decodeFullIntraRequest, encodeFullIntraRequest, type FullIntraRequest } from "./fir.ts";
import { RTCP_TYPE, readRtcpHeader } from "./header.ts";
import { NACK_FMT, decodeGenericNack, encodeGenericNack, type GenericNack } from "./nack.ts";
import { PLI_FMT, decodePictureLossIndication, encodePictureLossIndication, type PictureLossIndication } from "./pli.ts";
import { decodeRawRtcp, encodeRawRtcp, type RawRtcp } from "./raw.ts";
import { decodeReceiverReport, encodeReceiverReport, type ReceiverReport } from "./receiver-report.ts";
import { decodeSenderReport, encodeSenderReport, type SenderReport } from "./sender-report.ts";
import { decodeSourceDescription, encodeSourceDescription, type SourceDescription } from "./sdes.ts";

export type RtcpPacket =
  | SenderReport
  | ReceiverReport
  | SourceDescription
  | Goodbye
  | ApplicationDefined
  | PictureLossIndication
  | FullIntraRequest
  | GenericNack
  | RawRtcp;

/** Decodes the one RTCP packet at the start of `bytes` (extra bytes after it are ignored). */
export function decodeRtcpPacket(bytes: Uint8Array, base = 0): RtcpPacket {
  const h = readRtcpHeader(bytes, base);
  const one = bytes.subarray(0, h.size);
  switch (h.packetType) {
    case RTCP_TYPE.SR:
      return decodeSenderReport(one, base);
    case RTCP_TYPE.RR:
      return decodeReceiverReport(one, base);
    case RTCP_TYPE.SDES:
      return decodeSourceDescription(one, base);
    case RTCP_TYPE.BYE:
      return decodeGoodbye(one, base);
    case RTCP_TYPE.APP:
      return decodeApplicationDefined(one, base);
    case RTCP_TYPE.PSFB:
      if (h.count === PLI_FMT) return decodePictureLossIndication(one, base);
      if (h.count === FIR_FMT) return decodeFullIntraRequest(one, base);
      return decodeRawRtcp(one, base);
    case RTCP_TYPE.RTPFB:
      if (h.count === NACK_FMT) return decodeGenericNack(one, base);
      return decodeRawRtcp(one, base);
    default:
      return decodeRawRtcp(one, base);
  }
}

/** Every packet of a compound RTCP datagram; throws ParseError when any is malformed or bytes are left over. */
export function decodeRtcpCompound(bytes: Uint8Array): RtcpPacket[] {
  if (bytes.length === 0) throw new ParseError(RTP_ERR.TRUNCATED, "empty RTCP datagram", 0);
  const out: RtcpPacket[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const rest = bytes.subarray(offset);
    const h = readRtcpHeader(rest, offset);
    out.push(decodeRtcpPacket(rest, offset));
    offset += h.size;
  }
  return out;
}

export function encodeRtcpPacket(packet: RtcpPacket): Uint8Array {
  switch (packet.type) {
    case "sr":
      return encodeSenderReport(packet);
    case "rr":
      return encodeReceiverReport(packet);
    case "sdes":
      return encodeSourceDescription(packet);
    case "bye":
      return encodeGoodbye(packet);
    case "app":
      return encodeApplicationDefined(packet);
    case "pli":
      return encodePictureLossIndication(packet);
    case "fir":
      return encodeFullIntraRequest(packet);
    case "nack":
      return encodeGenericNack(packet);
    case "raw":
      return encodeRawRtcp(packet);
  }
}

export function encodeRtcpCompound(packets: readonly RtcpPacket[]): Uint8Array {
  const parts = packets.map(encodeRtcpPacket);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
