/**
 * Sequence parameter set (ITU-T H.264 section 7.3.2.1.1, seq_parameter_set_data) and the start of
 * its VUI (Annex E.1.1) up to timing_info. Field names are the spec's, in camelCase. Frame size
 * follows equations 7-13 to 7-20 with the cropping rectangle; fps is time_scale / (2 *
 * num_units_in_tick) when the VUI carries timing info.
 *
 * The fields up to vui_parameters_present_flag must all be present. A VUI cut short (seen from some
 * hardware encoders) leaves the VUI fields it did not reach undefined instead of failing.
 */
import { ParseError } from "../../errors.ts";
import { BitReader } from "../bits.ts";
import { MAX_SPS_SIZE } from "./limits.ts";
import { NAL_TYPE } from "./nal.ts";
import { removeEmulationPrevention } from "./emulation-prevention.ts";
import { CODECS_ERR } from "../errors.ts";

/** profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling matrices. */
const HIGH_PROFILES: ReadonlySet<number> = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

export interface SpsVui {
  readonly aspectRatioIdc?: number;
  readonly sarWidth?: number;
  readonly sarHeight?: number;
  readonly videoFullRangeFlag?: boolean;
  readonly colourPrimaries?: number;
  readonly transferCharacteristics?: number;
  readonly matrixCoefficients?: number;
  readonly numUnitsInTick?: number;
  readonly timeScale?: number;
  readonly fixedFrameRateFlag?: boolean;
}

export interface Sps {
  readonly profileIdc: number;
  /** constraint_set0_flag .. constraint_set5_flag as the byte after profile_idc (bit 7 = set0). */
  readonly constraintFlags: number;
  readonly levelIdc: number;
  readonly seqParameterSetId: number;
  readonly chromaFormatIdc: number;
  readonly separateColourPlaneFlag: boolean;
  readonly bitDepthLumaMinus8: number;
  readonly bitDepthChromaMinus8: number;
  readonly seqScalingMatrixPresentFlag: boolean;
  readonly log2MaxFrameNumMinus4: number;
  readonly picOrderCntType: number;
  readonly log2MaxPicOrderCntLsbMinus4?: number;
  readonly maxNumRefFrames: number;
  readonly picWidthInMbsMinus1: number;
  readonly picHeightInMapUnitsMinus1: number;
  readonly frameMbsOnlyFlag: boolean;
  readonly frameCropping?: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
  readonly vuiParametersPresentFlag: boolean;
  readonly vui?: SpsVui;
  /** Frame size in luma samples after cropping. */
  readonly width: number;
  readonly height: number;
  /** Frames per second from the VUI timing info, when present. */
  readonly fps?: number;
}

function fail(code: string, message: string, r: BitReader): never {
  throw new ParseError(code, message, r.bitOffset >> 3);
}

function ue(r: BitReader, max: number, name: string): number {
  const v = r.readUE();
  if (v > max) fail(CODECS_ERR.H264_SPS_RANGE, `${name} ${v} exceeds ${max}`, r);
  return v;
}

/** scaling_list() (7.3.2.1.1.1): read and discarded, but every delta_scale must be there. */
function skipScalingList(r: BitReader, size: number): void {
  let lastScale = 8;
  let nextScale = 8;
  for (let j = 0; j < size; j++) {
    if (nextScale !== 0) {
      const delta = r.readSE();
      if (delta < -128 || delta > 127) fail(CODECS_ERR.H264_SPS_RANGE, `delta_scale ${delta} out of range`, r);
      nextScale = (lastScale + delta + 256) % 256;
    }
    lastScale = nextScale === 0 ? lastScale : nextScale;
  }
}

function readVui(r: BitReader): SpsVui {
  const vui: { -readonly [K in keyof SpsVui]: SpsVui[K] } = {};
  try {
    if (r.readFlag()) {
      vui.aspectRatioIdc = r.read(8);
      if (vui.aspectRatioIdc === 255) {
        vui.sarWidth = r.read(16);
        vui.sarHeight = r.read(16);
      }
    }
    if (r.readFlag()) r.skip(1); // overscan_appropriate_flag
    if (r.readFlag()) {
      r.skip(3); // video_format
      vui.videoFullRangeFlag = r.readFlag();
      if (r.readFlag()) {
        vui.colourPrimaries = r.read(8);
        vui.transferCharacteristics = r.read(8);
        vui.matrixCoefficients = r.read(8);
      }
    }
    if (r.readFlag()) {
      r.readUE(); // chroma_sample_loc_type_top_field
      r.readUE(); // chroma_sample_loc_type_bottom_field
    }
    if (r.readFlag()) {
      const numUnitsInTick = r.read(32);
      const timeScale = r.read(32);
      const fixedFrameRateFlag = r.readFlag();
      vui.numUnitsInTick = numUnitsInTick;
      vui.timeScale = timeScale;
      vui.fixedFrameRateFlag = fixedFrameRateFlag;
    }
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  return vui;
}

/** Parses an SPS NAL unit (with its 1-byte header, emulation prevention still in). */
export function parseSps(nal: Uint8Array): Sps {
  if (nal.length === 0) throw new ParseError(CODECS_ERR.H264_NAL_EMPTY, "empty SPS NAL unit", 0);
  if ((nal[0]! & 0x1f) !== NAL_TYPE.SPS) throw new ParseError(CODECS_ERR.H264_SPS_NOT_SPS, `NAL unit type ${nal[0]! & 0x1f} is not an SPS (7)`, 0);
  if (nal[0]! & 0x80) throw new ParseError(CODECS_ERR.H264_FORBIDDEN_BIT, "forbidden_zero_bit is set", 0);
  if (nal.length > MAX_SPS_SIZE) throw new ParseError(CODECS_ERR.H264_SPS_TOO_LARGE, `SPS of ${nal.length} bytes exceeds ${MAX_SPS_SIZE}`, 0);
  if (nal.length < 4) throw new ParseError(CODECS_ERR.H264_SPS_TRUNCATED, `SPS of ${nal.length} bytes is too short`, 0);
  const rbsp = removeEmulationPrevention(nal);
  const r = new BitReader(rbsp, 1);
  try {
    return readSps(r);
  } catch (err) {
    if (err instanceof ParseError && err.code === CODECS_ERR.BITS_TRUNCATED) {
      throw new ParseError(CODECS_ERR.H264_SPS_TRUNCATED, "SPS ends inside its syntax", err.offset, { cause: err });
    }
    throw err;
  }
}

function readSps(r: BitReader): Sps {
  const profileIdc = r.read(8);
  const constraintFlags = r.read(8);
  const levelIdc = r.read(8);
  const seqParameterSetId = ue(r, 31, "seq_parameter_set_id");
  let chromaFormatIdc = 1;
  let separateColourPlaneFlag = false;
  let bitDepthLumaMinus8 = 0;
  let bitDepthChromaMinus8 = 0;
  let seqScalingMatrixPresentFlag = false;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = ue(r, 3, "chroma_format_idc");
    if (chromaFormatIdc === 3) separateColourPlaneFlag = r.readFlag();
    bitDepthLumaMinus8 = ue(r, 6, "bit_depth_luma_minus8");
    bitDepthChromaMinus8 = ue(r, 6, "bit_depth_chroma_minus8");
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    seqScalingMatrixPresentFlag = r.readFlag();
    if (seqScalingMatrixPresentFlag) {
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.readFlag()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  const log2MaxFrameNumMinus4 = ue(r, 12, "log2_max_frame_num_minus4");
  const picOrderCntType = ue(r, 2, "pic_order_cnt_type");
  let log2MaxPicOrderCntLsbMinus4: number | undefined;
  if (picOrderCntType === 0) {
    log2MaxPicOrderCntLsbMinus4 = ue(r, 12, "log2_max_pic_order_cnt_lsb_minus4");
  } else if (picOrderCntType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.readSE(); // offset_for_non_ref_pic
    r.readSE(); // offset_for_top_to_bottom_field
    const cycle = ue(r, 255, "num_ref_frames_in_pic_order_cnt_cycle");
    for (let i = 0; i < cycle; i++) r.readSE(); // offset_for_ref_frame[i]
  }
  const maxNumRefFrames = ue(r, 16, "max_num_ref_frames");
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const picWidthInMbsMinus1 = ue(r, 1023, "pic_width_in_mbs_minus1");
  const picHeightInMapUnitsMinus1 = ue(r, 1023, "pic_height_in_map_units_minus1");
  const frameMbsOnlyFlag = r.readFlag();
  if (!frameMbsOnlyFlag) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag
  let frameCropping: Sps["frameCropping"];
  if (r.readFlag()) {
    frameCropping = { left: r.readUE(), right: r.readUE(), top: r.readUE(), bottom: r.readUE() };
  }
  const vuiParametersPresentFlag = r.readFlag();
  const vui = vuiParametersPresentFlag ? readVui(r) : undefined;

  // Equations 7-13 .. 7-20 and the frame_crop_* semantics (7.4.2.1.1).
  const chromaArrayType = separateColourPlaneFlag ? 0 : chromaFormatIdc;
  const subWidthC = chromaFormatIdc === 3 ? 1 : 2;
  const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnlyFlag ? 1 : 2);
  const fullWidth = (picWidthInMbsMinus1 + 1) * 16;
  const fullHeight = (frameMbsOnlyFlag ? 1 : 2) * (picHeightInMapUnitsMinus1 + 1) * 16;
  const cropX = frameCropping ? cropUnitX * (frameCropping.left + frameCropping.right) : 0;
  const cropY = frameCropping ? cropUnitY * (frameCropping.top + frameCropping.bottom) : 0;
  if (cropX >= fullWidth || cropY >= fullHeight) {
    fail(CODECS_ERR.H264_SPS_RANGE, `cropping ${cropX}x${cropY} leaves no picture of ${fullWidth}x${fullHeight}`, r);
  }
  let fps: number | undefined;
  if (vui?.timeScale && vui.numUnitsInTick) fps = vui.timeScale / (2 * vui.numUnitsInTick);

  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    seqParameterSetId,
    chromaFormatIdc,
    separateColourPlaneFlag,
    bitDepthLumaMinus8,
    bitDepthChromaMinus8,
    seqScalingMatrixPresentFlag,
    log2MaxFrameNumMinus4,
    picOrderCntType,
    ...(log2MaxPicOrderCntLsbMinus4 !== undefined && { log2MaxPicOrderCntLsbMinus4 }),
    maxNumRefFrames,
    picWidthInMbsMinus1,
    picHeightInMapUnitsMinus1,
    frameMbsOnlyFlag,
    ...(frameCropping && { frameCropping }),
    vuiParametersPresentFlag,
    ...(vui && { vui }),
    width: fullWidth - cropX,
    height: fullHeight - cropY,
    ...(fps !== undefined && { fps }),
  };
}
