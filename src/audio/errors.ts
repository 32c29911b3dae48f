/**
 * Stable error codes of the audio layer: what each ParseError or TranspondError it throws carries
 * (tests assert the code). Grouped by the file that raises them first. Codes about the formats the
 * codecs layer reads (AudioSpecificConfig, Speex modes) are its own, named here too.
 */
import { TranspondError } from "../errors.ts";
import { CODECS_ERR } from "../codecs/errors.ts";

export const AUDIO_ERR = {
  // aac/adts.ts
  AAC_CHANNELS: "ERR_AAC_CHANNELS",
  AAC_FRAME_TOO_LONG: "ERR_AAC_FRAME_TOO_LONG",
  AAC_SAMPLE_RATE: CODECS_ERR.AAC_SAMPLE_RATE,
  ADTS_BLOCKS: "ERR_ADTS_BLOCKS",
  ADTS_SAMPLE_RATE: "ERR_ADTS_SAMPLE_RATE",
  ADTS_SYNC: "ERR_ADTS_SYNC",
  ADTS_TRUNCATED: "ERR_ADTS_TRUNCATED",
  // aac/decoder.ts
  AAC_ELEMENT: "ERR_AAC_ELEMENT",
  AAC_FRAME_LENGTH: "ERR_AAC_FRAME_LENGTH",
  AAC_OBJECT_TYPE: CODECS_ERR.AAC_OBJECT_TYPE,
  // aac/huffman-decode.ts
  AAC_HUFFMAN: "ERR_AAC_HUFFMAN",
  // aac/ics-reader.ts
  AAC_BOOK: "ERR_AAC_BOOK",
  AAC_ESCAPE: "ERR_AAC_ESCAPE",
  AAC_GAIN_CONTROL: "ERR_AAC_GAIN_CONTROL",
  AAC_MAX_SFB: "ERR_AAC_MAX_SFB",
  AAC_PREDICTION: "ERR_AAC_PREDICTION",
  AAC_PULSE: "ERR_AAC_PULSE",
  AAC_SCALEFACTOR: "ERR_AAC_SCALEFACTOR",
  AAC_SECTION: "ERR_AAC_SECTION",
  // aac/index.ts
  AAC_BITRATE: "ERR_AAC_BITRATE",
  // aac/joint-stereo.ts
  AAC_MS_MASK: "ERR_AAC_MS_MASK",
  // aac/tns.ts
  AAC_TNS_ORDER: "ERR_AAC_TNS_ORDER",
  // codec-worker.ts
  WORKER_SESSION: "ERR_WORKER_SESSION",
  // mixer.ts
  FORMAT: "ERR_AUDIO_FORMAT",
  // opus-decoder.ts
  RATE: "ERR_AUDIO_RATE",
  OPUS_EMPTY: "ERR_OPUS_EMPTY",
  OPUS_FREED: "ERR_OPUS_FREED",
  OPUS_PACKET: "ERR_OPUS_PACKET",
  // opus-encoder.ts
  OPUS_BITRATE: "ERR_OPUS_BITRATE",
  OPUS_CHANNELS: "ERR_OPUS_CHANNELS",
  OPUS_CLOSED: "ERR_OPUS_CLOSED",
  // pcm.ts
  CHANNELS: "ERR_AUDIO_CHANNELS",
  // speex/decoder.ts
  SPEEX_MODE: CODECS_ERR.SPEEX_MODE,
  // transcoder.ts
  CODEC: "ERR_AUDIO_CODEC",
  NO_ENCODER: "ERR_AUDIO_NO_ENCODER",
  // wav-reader.ts
  WAV_BITS: "ERR_WAV_BITS",
  WAV_BLOCK_ALIGN: "ERR_WAV_BLOCK_ALIGN",
  WAV_CHANNELS: "ERR_WAV_CHANNELS",
  WAV_CHUNK_PAST_END: "ERR_WAV_CHUNK_PAST_END",
  WAV_DATA_PAST_END: "ERR_WAV_DATA_PAST_END",
  WAV_DUPLICATE_DATA: "ERR_WAV_DUPLICATE_DATA",
  WAV_DUPLICATE_FMT: "ERR_WAV_DUPLICATE_FMT",
  WAV_EXTENSIBLE: "ERR_WAV_EXTENSIBLE",
  WAV_FMT_SHORT: "ERR_WAV_FMT_SHORT",
  WAV_FORMAT: "ERR_WAV_FORMAT",
  WAV_NOT_RIFF: "ERR_WAV_NOT_RIFF",
  WAV_NOT_WAVE: "ERR_WAV_NOT_WAVE",
  WAV_NO_DATA: "ERR_WAV_NO_DATA",
  WAV_NO_FMT: "ERR_WAV_NO_FMT",
  WAV_RATE: "ERR_WAV_RATE",
  WAV_TOO_LARGE: "ERR_WAV_TOO_LARGE",
  WAV_TRUNCATED: "ERR_WAV_TRUNCATED",
  // worker-pool.ts
  POOL_SIZE: "ERR_POOL_SIZE",
  POOL_WORKER: "ERR_POOL_WORKER",
  WORKER_JOB: "ERR_WORKER_JOB",
  WORKER_LOST: "ERR_WORKER_LOST",
  WORKER_OP: "ERR_WORKER_OP",
} as const;

export type AudioErrorCode = (typeof AUDIO_ERR)[keyof typeof AUDIO_ERR];

/** Sound files read from media_dir (media-path.ts). */
export const MEDIA_FILE_ERR = {
  /** empty, too long, or with a NUL byte or a backslash */
  NAME: "ERR_MEDIA_NAME",
  /** absolute, with '..', or resolving (through a symlink) outside media_dir */
  PATH_ESCAPE: "ERR_MEDIA_PATH_ESCAPE",
  /** media_dir itself is not accessible */
  DIR: "ERR_MEDIA_DIR",
  NOT_FOUND: "ERR_MEDIA_NOT_FOUND",
  NOT_FILE: "ERR_MEDIA_NOT_FILE",
  TOO_LARGE: "ERR_MEDIA_TOO_LARGE",
} as const;

/** The base of the audio layer's errors that are not malformed input (those are ParseError): settings a codec refuses, the worker pool. */
export class AudioError extends TranspondError {}
