/**
 * The audio layer's public API: PCM blocks, G.711, resampling, Opus decoding, WAV reading from the
 * media folder, the mixer and the transcoder a transponder or SIP leg uses. The AAC encoder has its
 * own entry in ./aac/index.ts.
 */
export { AUDIO_ERR, AudioError, MEDIA_FILE_ERR, type AudioErrorCode } from "./errors.ts";
export { type PcmBlock, convertChannels, floatToInt16, int16ToFloat, silence, withChannels } from "./pcm.ts";
export { type G711Law, decodeG711, decodeG711Float, encodeG711, encodeG711Float, g711SilenceByte } from "./g711.ts";
export { Resampler, resampleBlock } from "./resampler.ts";
export { OpusPacketDecoder, opusPacketSamples, type OpusDecoderOptions, type OpusOutputRate } from "./opus-decoder.ts";
export { decodeWav, type WavFile, type WavLimits } from "./wav-reader.ts";
export { checkMediaName, readSoundFile, resolveMediaPath } from "./media-path.ts";
export { AudioMixer, SoftLimiter, type MixedBlock, type MixerOptions } from "./mixer.ts";
export { AudioTranscoder, MAX_FILL_MS, type AudioTarget, type TranscoderOptions } from "./transcoder.ts";
