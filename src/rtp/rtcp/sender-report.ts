/**
 * RTCP Sender Report, PT 200 (RFC 3550 6.4.1).
 *
 * |V=2|P|    RC   |   PT=SR=200   |             length            |  header
 * |                         SSRC of sender                        |
 * |              NTP timestamp, most significant word             |  sender
 * |             NTP timestamp, least significant word             |  info
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
 * |                 report blocks (RC x 24 bytes)                 |
 * |                  profile-specific extensions                  |
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";
import { REPORT_BLOCK_SIZE, decodeReportBlock, encodeReportBlock, type ReportBlock } from "./report-block.ts";

export interface SenderReport {
  readonly type: "sr";
  readonly ssrc: number;
  readonly ntpMsw: number;
  readonly ntpLsw: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly ReportBlock[];
  /** profile-specific extension bytes after the report blocks (usually empty) */
  readonly extension: Uint8Array;
  readonly padding: number;
}

export function decodeSenderReport(bytes: Uint8Array, base = 0): SenderReport {
  const h = readRtcpHeader(bytes, base);
  const body = h.body;
  if (h.packetType !== RTCP_TYPE.SR) throw malformed(`RTCP packet type ${h.packetType} is not SR`, base + 1);
  const need = 24 + h.count * REPORT_BLOCK_SIZE;
  if (body.length < need) throw malformed(`RTCP SR with ${h.count} report blocks needs ${need} body bytes, has ${body.length}`, base + 4);
  const v = viewOf(body);
  const reports: ReportBlock[] = [];
  for (let i = 0; i < h.count; i++) reports.push(decodeReportBlock(body, 24 + i * REPORT_BLOCK_SIZE));
  return {
    type: "sr",
    ssrc: v.getUint32(0),
    ntpMsw: v.getUint32(4),
    ntpLsw: v.getUint32(8),
    rtpTimestamp: v.getUint32(12),
    packetCount: v.getUint32(16),
    octetCount: v.getUint32(20),
    reports,
    extension: body.subarray(need),
    padding: h.padding,
  };
}

export function encodeSenderReport(sr: SenderReport): Uint8Array {
  const body = new Uint8Array(24 + sr.reports.length * REPORT_BLOCK_SIZE + sr.extension.length);
  const v = viewOf(body);
  v.setUint32(0, sr.ssrc >>> 0);
  v.setUint32(4, sr.ntpMsw >>> 0);
  v.setUint32(8, sr.ntpLsw >>> 0);
  v.setUint32(12, sr.rtpTimestamp >>> 0);
  v.setUint32(16, sr.packetCount >>> 0);
  v.setUint32(20, sr.octetCount >>> 0);
  sr.reports.forEach((r, i) => encodeReportBlock(r, body, 24 + i * REPORT_BLOCK_SIZE));
  body.set(sr.extension, 24 + sr.reports.length * REPORT_BLOCK_SIZE);
  return writeRtcp(RTCP_TYPE.SR, sr.reports.length, body, sr.padding);
}
