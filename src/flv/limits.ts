/** Bounds for FLV input from files and peers. */
/** The largest tag body the reader accepts (DataSize is 24 bits, so 16 MB - 1 is the format's own limit). */
export const MAX_TAG_DATA_SIZE = 0xffffff;
/** Bytes the reader may hold while waiting for the rest of a tag; more is a bug or an attack. */
export const MAX_READER_BUFFER = MAX_TAG_DATA_SIZE + 15 + 64 * 1024;
/** Bytes of an FLV header's DataOffset we accept (the header is 9 bytes; a few files pad it). */
export const MAX_HEADER_SIZE = 1024;
/** SPS/PPS entries in one AVCDecoderConfigurationRecord (the format allows 31 and 255). */
export const MAX_PARAMETER_SETS = 32;
