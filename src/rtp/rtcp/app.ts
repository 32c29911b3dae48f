/**
 * RTCP Application-defined packet, PT 204 (RFC 3550 6.7); the data is kept raw.
 *
 * |V=2|P| subtype |   PT=APP=204  |             length            |
 * |                           SSRC/CSRC                           |
 * |                          name (ASCII)                         |
 * |                   application-dependent data ...              |
 */
import { RTCP_TYPE, malformed, readRtcpHeader, viewOf, writeRtcp } from "./header.ts";

export interface ApplicationDefined {
  readonly type: "app";
  readonly subtype: number;
  readonly ssrc: number;
  /** four ASCII characters */
  readonly name: string;
  readonly data: Uint8Array;
  readonly padding: number;
}

export function decodeApplicationDefined(bytes: Uint8Array, base = 0): ApplicationDefined {
  const h = readRtcpHeader(bytes, base);
  if (h.packetType !== RTCP_TYPE.APP) throw malformed(`RTCP packet type ${h.packetType} is not APP`, base + 1);
  if (h.body.length < 8) throw malformed("RTCP APP needs SSRC and name", base + 4);
  const name = String.fromCharCode(...h.body.subarray(4, 8));
  return { type: "app", subtype: h.count, ssrc: viewOf(h.body).getUint32(0), name, data: h.body.subarray(8), padding: h.padding };
}

export function encodeApplicationDefined(app: ApplicationDefined): Uint8Array {
  const body = new Uint8Array(8 + app.data.length);
  viewOf(body).setUint32(0, app.ssrc >>> 0);
  for (let i = 0; i < 4; i++) body[4 + i] = app.name.charCodeAt(i) & 0xff;
  body.set(app.data, 8);
  return writeRtcp(RTCP_TYPE.APP, app.subtype, body, app.padding);
}
