/** RTP payloads of one payload type from a capture (RFC 3550 header, CSRCs, extension and padding skipped). */
import { readFileSync } from "node:fs";
import { readCapture, udpDatagrams } from "../../../src/pcap/index.ts";

export interface RtpPayload { readonly seq: number; readonly ts: number; readonly payload: Uint8Array }

export function rtpPayloads(path: string, pt: number): RtpPayload[] {
  const out: RtpPayload[] = [];
  for (const d of udpDatagrams(readCapture(new Uint8Array(readFileSync(path))))) {
    const p = d.payload;
    if (p.length < 12 || p[0]! >> 6 !== 2 || (p[1]! & 0x7f) !== pt) continue;
    let off = 12 + 4 * (p[0]! & 0x0f);
    if (p[0]! & 0x10) off += 4 + 4 * ((p[off + 2]! << 8) | p[off + 3]!);
    let end = p.length;
    if (p[0]! & 0x20) end -= p[p.length - 1]!;
    out.push({ seq: (p[2]! << 8) | p[3]!, ts: new DataView(p.buffer, p.byteOffset).getUint32(4), payload: p.subarray(off, end) });
  }
  return out;
}
