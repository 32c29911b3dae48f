/**
 * RTCP Goodbye, PT 203 (RFC 3550 6.6).
 *
 * |V=2|P|    SC   |   PT=BYE=203  |             length            |
 * |                           SSRC/CSRC (SC times)                |
 * |     length    |               reason for leaving ...  (opt)   |
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";

import { RTP_ERR, RtpError } from "../errors.ts";

export interface Goodbye {
  readonly type: "bye";
  readonly ssrcs: readonly number[];
  /** reason bytes (UTF-8), or undefined when absent */
  readonly reason?: Uint8Array;
  readonly padding: number;
}

export function decodeGoodbye(bytes: Uint8Array, base = 0): Goodbye {
  const h = readRtcpHeader(bytes, base);
  if (h.packetType !== RTCP_TYPE.BYE) throw malformed(`RTCP packet type ${h.packetType} is not BYE`, base + 1);
  const body = h.body;
  if (body.length < h.count * 4) throw malformed(`RTCP BYE with ${h.count} sources needs ${h.count * 4} bytes`, base + 4);
  const v = viewOf(body);
  const ssrcs: number[] = [];
  for (let i = 0; i < h.count; i++) ssrcs.push(v.getUint32(i * 4));
  let reason: Uint8Array | undefined;
  const at = h.count * 4;
  if (body.length > at) {
    const len = body[at]!;
    if (at + 1 + len > body.length) throw malformed(`RTCP BYE reason of ${len} bytes runs past the packet`, base + 4 + at);
    reason = body.subarray(at + 1, at + 1 + len);
  }
  return { type: "bye", ssrcs, reason, padding: h.padding };
}

export function encodeGoodbye(bye: Goodbye): Uint8Array {
  const reasonLen = bye.reason ? bye.reason.length : 0;
  if (reasonLen > 255) throw new RtpError(RTP_ERR.FIELD_RANGE, `RTCP BYE reason of ${reasonLen} bytes is over 255`);
  const at = bye.ssrcs.length * 4;
  const body = new Uint8Array(bye.reason ? (at + 1 + reasonLen + 3) & ~3 : at);
  const v = viewOf(body);
  bye.ssrcs.forEach((s, i) => v.setUint32(i * 4, s >>> 0));
  if (bye.reason) {
    body[at] = reasonLen;
    body.set(bye.reason, at + 1);
  }
  return writeRtcp(RTCP_TYPE.BYE, bye.ssrcs.length, body, bye.padding);
}
