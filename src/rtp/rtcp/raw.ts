/**
 * A well-formed RTCP packet of a type (or feedback FMT) we do not decode, e.g. XR (207), REMB or
 * transport-wide CC. Kept as its header fields and body so it re-encodes byte-exact.
 */
import { readRtcpHeader, writeRtcp } from "./header.ts";

export interface RawRtcp {
  readonly type: "raw";
  readonly packetType: number;
  readonly count: number;
  readonly body: Uint8Array;
  readonly padding: number;
}

export function decodeRawRtcp(bytes: Uint8Array, base = 0): RawRtcp {
  const h = readRtcpHeader(bytes, base);
  return { type: "raw", packetType: h.packetType, count: h.count, body: h.body, padding: h.padding };
}

export function encodeRawRtcp(raw: RawRtcp): Uint8Array {
  return writeRtcp(raw.packetType, raw.count, raw.body, raw.padding);
}
