/** H.264 NAL unit utilities shared by rtp, flv and rtmp. */
export { NAL_TYPE, nalType, nalRefIdc, isKeyframe } from "./nal.ts";
export type { NalType } from "./nal.ts";
export { splitAnnexB, joinAnnexB } from "./annexb.ts";
export { avccToNalus, nalusToAvcc } from "./avcc.ts";
export type { NalLengthSize } from "./avcc.ts";
export { removeEmulationPrevention, addEmulationPrevention } from "./emulation-prevention.ts";
export { parseSps } from "./sps.ts";
export type { Sps, SpsVui } from "./sps.ts";
export { MAX_NALS_PER_ACCESS_UNIT, MAX_NAL_SIZE, MAX_SPS_SIZE } from "./limits.ts";
