/**
 * RTCP Source Description, PT 202 (RFC 3550 6.5).
 *
 * |V=2|P|    SC   |  PT=SDES=202  |             length            |  header
 * |                          SSRC/CSRC_1                          |  chunk 1
 * |   type (1=CNAME)  |   length  |  text ... (items, then 1-4    |
 * |   null octets up to the next 32-bit boundary)                 |
 * |                          SSRC/CSRC_2 ...                      |  chunk 2
 *
 * Item values are kept as bytes so packets re-encode exactly; `sdesText` reads one as UTF-8.
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";

import { RTP_ERR, RtpError } from "../errors.ts";

export const SDES_ITEM = { CNAME: 1, NAME: 2, EMAIL: 3, PHONE: 4, LOC: 5, TOOL: 6, NOTE: 7, PRIV: 8 } as const;

export interface SdesItem {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface SdesChunk {
  readonly ssrc: number;
  readonly items: readonly SdesItem[];
}

export interface SourceDescription {
  readonly type: "sdes";
  readonly chunks: readonly SdesChunk[];
  readonly padding: number;
}

/** The item's text as UTF-8; trailing NUL bytes some phones put inside the item are left out. */
export function sdesText(item: SdesItem): string {
  return new TextDecoder().decode(item.data).replace(/\0+$/, "");
}

export function sdesItem(type: number, text: string): SdesItem {
  return { type, data: new TextEncoder().encode(text) };
}

export function decodeSourceDescription(bytes: Uint8Array, base = 0): SourceDescription {
  const h = readRtcpHeader(bytes, base);
  if (h.packetType !== RTCP_TYPE.SDES) throw malformed(`RTCP packet type ${h.packetType} is not SDES`, base + 1);
  const body = h.body;
  const v = viewOf(body);
  const chunks: SdesChunk[] = [];
  let i = 0;
  for (let c = 0; c < h.count; c++) {
    if (i + 4 > body.length) throw malformed(`RTCP SDES chunk ${c} of ${h.count} is missing`, base + 4 + i);
    const ssrc = v.getUint32(i);
    i += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (i >= body.length) throw malformed("RTCP SDES chunk has no terminating null octet", base + 4 + i);
      const type = body[i]!;
      if (type === 0) break;
      if (i + 2 > body.length) throw malformed("RTCP SDES item header is cut", base + 4 + i);
      const len = body[i + 1]!;
      if (i + 2 + len > body.length) throw malformed(`RTCP SDES item of ${len} bytes runs past the packet`, base + 5 + i);
      items.push({ type, data: body.subarray(i + 2, i + 2 + len) });
      i += 2 + len;
    }
    // null octet(s) up to the next 32-bit boundary; at least one
    i = (i + 4) & ~3;
    if (i > body.length) throw malformed("RTCP SDES chunk padding runs past the packet", base + 4 + body.length);
    chunks.push({ ssrc, items });
  }
  return { type: "sdes", chunks, padding: h.padding };
}

export function encodeSourceDescription(sdes: SourceDescription): Uint8Array {
  let size = 0;
  for (const chunk of sdes.chunks) {
    let n = 4;
    for (const item of chunk.items) {
      if (item.data.length > 255) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTCP SDES item of ${item.data.length} bytes is over 255`);
      n += 2 + item.data.length;
    }
    size += (n + 4) & ~3;
  }
  const body = new Uint8Array(size);
  const v = viewOf(body);
  let i = 0;
  for (const chunk of sdes.chunks) {
    v.setUint32(i, chunk.ssrc >>> 0);
    i += 4;
    for (const item of chunk.items) {
      body[i] = item.type;
      body[i + 1] = item.data.length;
      body.set(item.data, i + 2);
      i += 2 + item.data.length;
    }
    i = (i + 4) & ~3;
  }
  return writeRtcp(RTCP_TYPE.SDES, sdes.chunks.length, body, sdes.padding);
}
