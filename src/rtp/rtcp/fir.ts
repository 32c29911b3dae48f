/**
 * Full Intra Request: payload-specific feedback PT 206, FMT 4 (RFC 5104 4.3.1). The media source
 * SSRC in the common part is 0; each FCI entry names the source and a command sequence number that
 * the sender increments for every new request (a repeated request keeps it).
 *
 * |V=2|P| FMT=4   |   PT=PSFB=206 |          length               |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source (0)                     |
 * |                              SSRC                             |  FCI entry
 * | Seq nr.       |    Reserved                                   |  (8 bytes)
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";

export const FIR_FMT = 4;

export interface FirEntry {
  readonly ssrc: number;
  readonly sequenceNumber: number;
}

export interface FullIntraRequest {
  readonly type: "fir";
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly entries: readonly FirEntry[];
  readonly padding: number;
}

export function decodeFullIntraRequest(bytes: Uint8Array, base = 0): FullIntraRequest {
  const h = readRtcpHeader(bytes, base);
  if (h.packetType !== RTCP_TYPE.PSFB || h.count !== FIR_FMT) throw malformed(`RTCP ${h.packetType}/${h.count} is not FIR`, base);
  const body = h.body;
  if (body.length < 8 || (body.length - 8) % 8 !== 0) throw malformed(`RTCP FIR body of ${body.length} bytes is not 8 + 8n`, base + 4);
  const v = viewOf(body);
  const entries: FirEntry[] = [];
  for (let i = 8; i < body.length; i += 8) entries.push({ ssrc: v.getUint32(i), sequenceNumber: body[i + 4]! });
  return { type: "fir", senderSsrc: v.getUint32(0), mediaSsrc: v.getUint32(4), entries, padding: h.padding };
}

export function encodeFullIntraRequest(fir: FullIntraRequest): Uint8Array {
  const body = new Uint8Array(8 + fir.entries.length * 8);
  const v = viewOf(body);
  v.setUint32(0, fir.senderSsrc >>> 0);
  v.setUint32(4, fir.mediaSsrc >>> 0);
  fir.entries.forEach((e, i) => {
    v.setUint32(8 + i * 8, e.ssrc >>> 0);
    body[12 + i * 8] = e.sequenceNumber & 0xff;
  });
  return writeRtcp(RTCP_TYPE.PSFB, FIR_FMT, body, fir.padding);
}
