/**
 * H.264 RTP payload structures (RFC 6184 5.6-5.8): the first byte's type field says whether the
 * payload is one NAL unit (1-23), a STAP-A aggregation (24) or an FU-A fragment (28).
 *
 * STAP-A (5.7.1):                          FU-A (5.8):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+        +---------------+---------------+
 * |F|NRI| Type=24 | NALU 1 size   |        |F|NRI| Type=28 |S|E|R| Type    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+        +---------------+---------------+
 * | size cont.    | NALU 1 ...    |        | FU indicator  |  FU header    | fragment ...
 * | NALU 2 size (16 bits) | NALU 2 ...
 *
 * Pure: returns subarrays of the input, never copies, throws ParseError on malformed input.
 */
import { ParseError } from "../../errors.ts";
import { RTP_ERR } from "../errors.ts";

export const STAP_A = 24;
export const FU_A = 28;

export type H264Payload =
  | { readonly type: "single"; readonly nal: Uint8Array }
  | { readonly type: "stap-a"; readonly nalus: readonly Uint8Array[] }
  | {
      readonly type: "fu-a";
      readonly start: boolean;
      readonly end: boolean;
      /** the header byte of the NAL unit being fragmented (F and NRI from the indicator, type from the FU header) */
      readonly nalHeader: number;
      readonly fragment: Uint8Array;
    };

export function decodeH264Payload(payload: Uint8Array): H264Payload {
  if (payload.length === 0) throw new ParseError(RTP_ERR.H264_MALFORMED, "empty H.264 RTP payload", 0);
  const type = payload[0]! & 0x1f;
  if (type >= 1 && type <= 23) return { type: "single", nal: payload };
  if (type === STAP_A) {
    const nalus: Uint8Array[] = [];
    let i = 1;
    while (i < payload.length) {
      if (i + 2 > payload.length) throw new ParseError(RTP_ERR.H264_MALFORMED, "STAP-A NAL size is cut", i);
      const size = (payload[i]! << 8) | payload[i + 1]!;
      if (size === 0) throw new ParseError(RTP_ERR.H264_MALFORMED, "STAP-A holds a NAL unit of size 0", i);
      if (i + 2 + size > payload.length) throw new ParseError(RTP_ERR.H264_MALFORMED, `STAP-A NAL unit of ${size} bytes runs past the payload`, i);
      nalus.push(payload.subarray(i + 2, i + 2 + size));
      i += 2 + size;
    }
    if (nalus.length === 0) throw new ParseError(RTP_ERR.H264_MALFORMED, "STAP-A holds no NAL unit", 1);
    return { type: "stap-a", nalus };
  }
  if (type === FU_A) {
    if (payload.length < 3) throw new ParseError(RTP_ERR.H264_MALFORMED, `FU-A of ${payload.length} bytes has no fragment`, 0);
    const fu = payload[1]!;
    const start = (fu & 0x80) !== 0;
    const end = (fu & 0x40) !== 0;
    if (start && end) throw new ParseError(RTP_ERR.H264_MALFORMED, "FU-A has both start and end bits", 1);
    const inner = fu & 0x1f;
    if (inner === 0 || inner >= 24) throw new ParseError(RTP_ERR.H264_MALFORMED, `FU-A fragments a NAL unit of type ${inner}`, 1);
    return { type: "fu-a", start, end, nalHeader: (payload[0]! & 0xe0) | inner, fragment: payload.subarray(2) };
  }
  throw new ParseError(RTP_ERR.H264_UNSUPPORTED, `H.264 RTP payload type ${type} is not supported (single NAL, STAP-A, FU-A only)`, 0);
}
