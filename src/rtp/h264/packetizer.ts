/**
 * H.264 RTP packetizer (RFC 6184): one access unit (NAL units without start codes) -> RTP payloads
 * that each fit `mtu` bytes. The caller puts them in RTP packets with one timestamp and the marker
 * bit on the last (RFC 6184 5.1).
 *
 * - packetization-mode 1 (non-interleaved, 6.3): consecutive small NAL units (SPS + PPS, SEI, ...)
 *   share a STAP-A (5.7.1) when two or more fit; a NAL unit larger than the MTU is split into FU-A
 *   fragments (5.8); the rest go as single NAL unit packets.
 * - packetization-mode 0 (single NAL unit, 6.2): one NAL unit per packet; a NAL unit larger than the
 *   MTU cannot be sent and is an error (the encoder must be told to use smaller slices).
 */

import { RTP_ERR, RtpError } from "../errors.ts";
import { FU_A, STAP_A } from "./payload.ts";

export interface H264PacketizerOptions {
  /** largest RTP payload in bytes (default 1200, what WebRTC stacks use) */
  readonly mtu?: number;
  /** RFC 6184 packetization-mode, 1 (default) or 0 */
  readonly packetizationMode?: 0 | 1;
}

export const DEFAULT_H264_MTU = 1200;

export function packetizeH264(nalus: readonly Uint8Array[], options: H264PacketizerOptions = {}): Uint8Array[] {
  const mtu = options.mtu ?? DEFAULT_H264_MTU;
  if (!Number.isInteger(mtu) || mtu < 3) throw new RtpError(RTP_ERR.FIELD_RANGE, `H.264 RTP MTU ${mtu} is too small`);
  const mode = options.packetizationMode ?? 1;
  const list = nalus.filter((n) => n.length > 0);
  const out: Uint8Array[] = [];
  if (mode === 0) {
    for (const nal of list) {
      if (nal.length > mtu) throw new RtpError(RTP_ERR.H264_NAL_TOO_LARGE, `NAL unit of ${nal.length} bytes does not fit the ${mtu}-byte MTU in packetization-mode 0`);
      out.push(nal);
    }
    return out;
  }
  let i = 0;
  while (i < list.length) {
    // how many NAL units from i fit one STAP-A: 1 header byte + (2 + size) each
    let size = 1;
    let j = i;
    while (j < list.length && size + 2 + list[j]!.length <= mtu) size += 2 + list[j++]!.length;
    if (j - i >= 2) {
      out.push(stapA(list.slice(i, j), size));
      i = j;
      continue;
    }
    const nal = list[i++]!;
    if (nal.length <= mtu) out.push(nal);
    else for (const fu of fuA(nal, mtu)) out.push(fu);
  }
  return out;
}

function stapA(nalus: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let nri = 0;
  let f = 0;
  for (const n of nalus) {
    nri = Math.max(nri, n[0]! & 0x60);
    f |= n[0]! & 0x80;
  }
  out[0] = f | nri | STAP_A; // F is the OR and NRI the maximum of the parts (5.7.1)
  let i = 1;
  for (const n of nalus) {
    out[i] = n.length >> 8;
    out[i + 1] = n.length & 0xff;
    out.set(n, i + 2);
    i += 2 + n.length;
  }
  return out;
}

function* fuA(nal: Uint8Array, mtu: number): Generator<Uint8Array> {
  const header = nal[0]!;
  const indicator = (header & 0xe0) | FU_A;
  const type = header & 0x1f;
  const room = mtu - 2;
  // spread the bytes evenly so the last fragment is not a runt
  const body = nal.length - 1;
  const count = Math.ceil(body / room);
  const each = Math.ceil(body / count);
  for (let k = 0, at = 1; k < count; k++, at += each) {
    const chunk = nal.subarray(at, Math.min(at + each, nal.length));
    const out = new Uint8Array(2 + chunk.length);
    out[0] = indicator;
    out[1] = (k === 0 ? 0x80 : 0) | (k === count - 1 ? 0x40 : 0) | type;
    out.set(chunk, 2);
    yield out;
  }
}
