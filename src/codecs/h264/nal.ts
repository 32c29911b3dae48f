/**
 * NAL unit header (ITU-T H.264 section 7.3.1):
 *
 *   +---------------+
 *   |0|1|2|3|4|5|6|7|
 *   +-+-+-+-+-+-+-+-+
 *   |F|NRI|  Type   |
 *   +---------------+
 *
 * forbidden_zero_bit, nal_ref_idc, nal_unit_type (Table 7-1).
 */
import { ParseError } from "../../errors.ts";
import { CODECS_ERR } from "../errors.ts";

export const NAL_TYPE = {
  SLICE: 1,
  SLICE_DPA: 2,
  SLICE_DPB: 3,
  SLICE_DPC: 4,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
  SPS_EXT: 13,
  PREFIX: 14,
  SUBSET_SPS: 15,
  SLICE_AUX: 19,
  SLICE_EXT: 20,
  /** RFC 6184 aggregation and fragmentation types, for callers that share these helpers. */
  STAP_A: 24,
  FU_A: 28,
} as const;

export type NalType = (typeof NAL_TYPE)[keyof typeof NAL_TYPE];

/** nal_unit_type of a NAL unit (the low 5 bits of its first byte). */
export function nalType(nal: Uint8Array): number {
  if (nal.length === 0) throw new ParseError(CODECS_ERR.H264_NAL_EMPTY, "empty NAL unit", 0);
  return nal[0]! & 0x1f;
}

/** nal_ref_idc of a NAL unit. */
export function nalRefIdc(nal: Uint8Array): number {
  if (nal.length === 0) throw new ParseError(CODECS_ERR.H264_NAL_EMPTY, "empty NAL unit", 0);
  return (nal[0]! >> 5) & 0x03;
}

/** True when the access unit holds an IDR slice (type 5). Empty NAL units are ignored. */
export function isKeyframe(nalus: readonly Uint8Array[]): boolean {
  return nalus.some((n) => n.length > 0 && (n[0]! & 0x1f) === NAL_TYPE.IDR);
}
