/**
 * Generic NACK: transport-layer feedback PT 205, FMT 1 (RFC 4585 6.2.1). Each FCI entry is a packet
 * id (PID) and a bitmask of the 16 following lost packets (BLP, bit i = PID + i + 1).
 *
 * |V=2|P| FMT=1   |  PT=RTPFB=205 |          length               |
 * |                  SSRC of packet sender                        |
 * |                  SSRC of media source                         |
 * |            PID                |             BLP               |  FCI (n x 4 bytes)
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";

export const NACK_FMT = 1;

export interface NackPair {
  readonly packetId: number;
  readonly lostBitmask: number;
}

export interface GenericNack {
  readonly type: "nack";
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  readonly pairs: readonly NackPair[];
  readonly padding: number;
}

export function decodeGenericNack(bytes: Uint8Array, base = 0): GenericNack {
  const h = readRtcpHeader(bytes, base);
  if (h.packetType !== RTCP_TYPE.RTPFB || h.count !== NACK_FMT) throw malformed(`RTCP ${h.packetType}/${h.count} is not a generic NACK`, base);
  const body = h.body;
  if (body.length < 8 || body.length % 4 !== 0) throw malformed(`RTCP NACK body of ${body.length} bytes is not 8 + 4n`, base + 4);
  const v = viewOf(body);
  const pairs: NackPair[] = [];
  for (let i = 8; i < body.length; i += 4) pairs.push({ packetId: v.getUint16(i), lostBitmask: v.getUint16(i + 2) });
  return { type: "nack", senderSsrc: v.getUint32(0), mediaSsrc: v.getUint32(4), pairs, padding: h.padding };
}

export function encodeGenericNack(nack: GenericNack): Uint8Array {
  const body = new Uint8Array(8 + nack.pairs.length * 4);
  const v = viewOf(body);
  v.setUint32(0, nack.senderSsrc >>> 0);
  v.setUint32(4, nack.mediaSsrc >>> 0);
  nack.pairs.forEach((p, i) => {
    v.setUint16(8 + i * 4, p.packetId & 0xffff);
    v.setUint16(10 + i * 4, p.lostBitmask & 0xffff);
  });
  return writeRtcp(RTCP_TYPE.RTPFB, NACK_FMT, body, nack.padding);
}

/** The lost sequence numbers a NACK names, in order. */
export function nackedSequences(pairs: readonly NackPair[]): number[] {
  const out: number[] = [];
  for (const p of pairs) {
    out.push(p.packetId);
    for (let bit = 0; bit < 16; bit++) if (p.lostBitmask & (1 << bit)) out.push((p.packetId + bit + 1) & 0xffff);
  }
  return out;
}

/** Packs lost sequence numbers (ascending, modulo 2^16) into as few PID/BLP pairs as possible. */
export function nackPairs(lost: readonly number[]): NackPair[] {
  const pairs: { packetId: number; lostBitmask: number }[] = [];
  for (const seq of lost) {
    const last = pairs[pairs.length - 1];
    const d = last ? (seq - last.packetId) & 0xffff : 0;
    if (last && d >= 1 && d <= 16) last.lostBitmask |= 1 << (d - 1);
    else if (!last || d !== 0) pairs.push({ packetId: seq & 0xffff, lostBitmask: 0 });
  }
  return pairs;
}
