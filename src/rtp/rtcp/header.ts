/**
 * The common RTCP header (RFC 3550 6.4.1) and the packet-type codes.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P| RC/FMT  |      PT       |   length (32-bit words - 1)   |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * `readRtcpHeader` checks the version, the length against the bytes and the padding count, and gives
 * the body (after the 4-byte header, without padding) as a subarray.
 */
import { ParseError } from "../../errors.ts";
import { RTP_ERR, RtpError } from "../errors.ts";

export const RTCP_TYPE = {
  SR: 200,
  RR: 201,
  SDES: 202,
  BYE: 203,
  APP: 204,
  /** transport-layer feedback (RFC 4585 6.2): FMT 1 = generic NACK */
  RTPFB: 205,
  /** payload-specific feedback (RFC 4585 6.3, RFC 5104 4.3): FMT 1 = PLI, FMT 4 = FIR */
  PSFB: 206,
} as const;

export interface RtcpHeader {
  /** the 5-bit RC / SC / FMT / subtype field */
  readonly count: number;
  readonly packetType: number;
  /** bytes of this packet including header and padding */
  readonly size: number;
  /** padding bytes including the count byte; 0 when P=0 */
  readonly padding: number;
  /** bytes between the header and the padding */
  readonly body: Uint8Array;
}

/** Reads the header of the RTCP packet that starts at `bytes[0]`; `base` is its offset for errors. */
export function readRtcpHeader(bytes: Uint8Array, base = 0): RtcpHeader {
  if (bytes.length < 4) throw new ParseError(RTP_ERR.TRUNCATED, `RTCP header needs 4 bytes, ${bytes.length} left`, base);
  const b0 = bytes[0]!;
  if (b0 >> 6 !== 2) throw new ParseError(RTP_ERR.BAD_VERSION, `RTCP version ${b0 >> 6}, expected 2`, base);
  const size = (((bytes[2]! << 8) | bytes[3]!) + 1) * 4;
  if (size > bytes.length) throw new ParseError(RTP_ERR.RTCP_BAD_LENGTH, `RTCP length says ${size} bytes, ${bytes.length} left`, base + 2);
  let padding = 0;
  if (b0 & 0x20) {
    padding = bytes[size - 1]!;
    if (padding === 0 || padding > size - 4) throw new ParseError(RTP_ERR.BAD_PADDING, `RTCP padding count ${padding} does not fit`, base + size - 1);
  }
  return { count: b0 & 0x1f, packetType: bytes[1]!, size, padding, body: bytes.subarray(4, size - padding) };
}

/** Builds a packet from its header fields and body (a multiple of 4 bytes unless padding makes it so). */
export function writeRtcp(packetType: number, count: number, body: Uint8Array, padding = 0): Uint8Array {
  if (count < 0 || count > 31) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTCP count ${count} is outside 0..31`);
  if (padding > 255) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTCP padding ${padding} is over 255`);
  const size = 4 + body.length + padding;
  if (size % 4 !== 0) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTCP packet of ${size} bytes is not a multiple of 4`);
  if (size / 4 - 1 > 0xffff) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTCP packet of ${size} bytes is too long`);
  const out = new Uint8Array(size);
  out[0] = 0x80 | (padding > 0 ? 0x20 : 0) | count;
  out[1] = packetType;
  out[2] = (size / 4 - 1) >> 8;
  out[3] = (size / 4 - 1) & 0xff;
  out.set(body, 4);
  if (padding > 0) out[size - 1] = padding;
  return out;
}

export function malformed(what: string, offset: number): ParseError {
  return new ParseError(RTP_ERR.RTCP_MALFORMED, what, offset);
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
