/**
 * An RTCP reception report block (RFC 3550 6.4.1), shared by SR and RR: 24 bytes.
 *
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |                 SSRC_1 (SSRC of first source)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | fraction lost |       cumulative number of packets lost       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           extended highest sequence number received           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      interarrival jitter                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         last SR (LSR)                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   delay since last SR (DLSR)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { viewOf } from "./header.ts";

export const REPORT_BLOCK_SIZE = 24;

export interface ReportBlock {
  readonly ssrc: number;
  /** fraction lost since the last report, 0..255 (x/256) */
  readonly fractionLost: number;
  /** cumulative packets lost, a signed 24-bit value */
  readonly packetsLost: number;
  readonly highestSequence: number;
  readonly jitter: number;
  readonly lastSr: number;
  readonly delaySinceLastSr: number;
}

export function decodeReportBlock(bytes: Uint8Array, offset: number): ReportBlock {
  const v = viewOf(bytes);
  const lost = v.getUint32(offset + 4) & 0xffffff;
  return {
    ssrc: v.getUint32(offset),
    fractionLost: bytes[offset + 4]!,
    packetsLost: lost & 0x800000 ? lost - 0x1000000 : lost,
    highestSequence: v.getUint32(offset + 8),
    jitter: v.getUint32(offset + 12),
    lastSr: v.getUint32(offset + 16),
    delaySinceLastSr: v.getUint32(offset + 20),
  };
}

export function encodeReportBlock(block: ReportBlock, out: Uint8Array, offset: number): void {
  const v = viewOf(out);
  v.setUint32(offset, block.ssrc >>> 0);
  v.setUint32(offset + 4, ((block.fractionLost & 0xff) << 24 | (block.packetsLost & 0xffffff)) >>> 0);
  v.setUint32(offset + 8, block.highestSequence >>> 0);
  v.setUint32(offset + 12, block.jitter >>> 0);
  v.setUint32(offset + 16, block.lastSr >>> 0);
  v.setUint32(offset + 20, block.delaySinceLastSr >>> 0);
}
