/**
 * RTCP Receiver Report, PT 201 (RFC 3550 6.4.2).
 *
 * |V=2|P|    RC   |   PT=RR=201   |             length            |  header
 * |                     SSRC of packet sender                     |
 * |                 report blocks (RC x 24 bytes)                 |
 * |                  profile-specific extensions                  |
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";
import { REPORT_BLOCK_SIZE, decodeReportBlock, encodeReportBlock, type ReportBlock } from "./report-block.ts";

export interface ReceiverReport {
  readonly type: "rr";
  readonly ssrc: number;
  readonly reports: readonly ReportBlock[];
  readonly extension: Uint8Array;
  readonly padding: number;
}

export function decodeReceiverReport(bytes: Uint8Array, base = 0): ReceiverReport {
  const h = readRtcpHeader(bytes, base);
  const body = h.body;
  if (h.packetType !== RTCP_TYPE.RR) throw malformed(`RTCP packet type ${h.packetType} is not RR`, base + 1);
  const need = 4 + h.count * REPORT_BLOCK_SIZE;
  if (body.length < need) throw malformed(`RTCP RR with ${h.count} report blocks needs ${need} body bytes, has ${body.length}`, base + 4);
  const reports: ReportBlock[] = [];
  for (let i = 0; i < h.count; i++) reports.push(decodeReportBlock(body, 4 + i * REPORT_BLOCK_SIZE));
  return { type: "rr", ssrc: viewOf(body).getUint32(0), reports, extension: body.subarray(need), padding: h.padding };
}

export function encodeReceiverReport(rr: ReceiverReport): Uint8Array {
  const body = new Uint8Array(4 + rr.reports.length * REPORT_BLOCK_SIZE + rr.extension.length);
  viewOf(body).setUint32(0, rr.ssrc >>> 0);
  rr.reports.forEach((r, i) => encodeReportBlock(r, body, 4 + i * REPORT_BLOCK_SIZE));
  body.set(rr.extension, 4 + rr.reports.length * REPORT_BLOCK_SIZE);
  return writeRtcp(RTCP_TYPE.RR, rr.reports.length, body, rr.padding);
}
