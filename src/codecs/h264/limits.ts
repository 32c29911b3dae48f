/**
 * Bounds for H.264 inputs from peers and files. An access unit with more NAL units or a NAL unit
 * larger than this is refused with a ParseError instead of being buffered.
 */
/** NAL units in one access unit (Annex-B or AVCC); real encoders use a few dozen at most. */
export const MAX_NALS_PER_ACCESS_UNIT = 1024;
/** Bytes in one NAL unit (a 4K intra slice stays well below). */
export const MAX_NAL_SIZE = 16 * 1024 * 1024;
/** Bytes of an SPS NAL unit; the syntax cannot need more than a few hundred. */
export const MAX_SPS_SIZE = 4096;
