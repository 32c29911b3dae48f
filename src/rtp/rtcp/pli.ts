/**
 * Picture Loss Indication: payload-specific feedback PT 206, FMT 1 (RFC 4585 6.3.1). No FCI.
 *
 * |V=2|P| FMT=1   |   PT=PSFB=206 |          length=2             |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";

export const PLI_FMT = 1;

export interface PictureLossIndication {
  readonly type: "pli";
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly padding: number;
}

export function decodePictureLossIndication(bytes: Uint8Array, base = 0): PictureLossIndication {
  const h = readRtcpHeader(bytes, base);
  if (h.packetType !== RTCP_TYPE.PSFB || h.count !== PLI_FMT) throw malformed(`RTCP ${h.packetType}/${h.count} is not PLI`, base);
  if (h.body.length < 8) throw malformed("RTCP PLI needs sender and media SSRC", base + 4);
  const v = viewOf(h.body);
  return { type: "pli", senderSsrc: v.getUint32(0), mediaSsrc: v.getUint32(4), padding: h.padding };
}

export function encodePictureLossIndication(pli: PictureLossIndication): Uint8Array {
  const body = new Uint8Array(8);
  const v = viewOf(body);
  v.setUint32(0, pli.senderSsrc >>> 0);
  v.setUint32(4, pli.mediaSsrc >>> 0);
  return writeRtcp(RTCP_TYPE.PSFB, PLI_FMT, body, pli.padding);
}
