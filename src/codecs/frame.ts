/**
 * The media model shared by every layer (DESIGN "The media model"): a frame is one access unit with
 * times in milliseconds on the stream's own timeline. H.264 frames carry NAL units without start
 * codes; SPS and PPS also travel in the track's codec config.
 */
export type VideoCodec = "H264";
export type AudioCodec = "AAC" | "OPUS" | "PCMA" | "PCMU" | "SPEEX";

export interface VideoFrame {
  readonly kind: "video";
  readonly codec: VideoCodec;
  /** decode time, ms */
  readonly dts: number;
  /** presentation time, ms (>= dts) */
  readonly pts: number;
  readonly key: boolean;
  /** NAL units without start codes or length prefixes */
  readonly data: readonly Uint8Array[];
}

export interface AudioFrame {
  readonly kind: "audio";
  readonly codec: AudioCodec;
  readonly dts: number;
  readonly pts: number;
  readonly key: true;
  /** one codec frame: a raw AAC frame (no ADTS), an Opus packet, G.711 bytes, or Speex wideband frames as one FLV tag holds them */
  readonly data: Uint8Array;
}

export type Frame = VideoFrame | AudioFrame;

export interface H264Config {
  readonly codec: "H264";
  readonly sps: Uint8Array;
  readonly pps: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface AudioConfig {
  readonly codec: AudioCodec;
  readonly sampleRate: number;
  readonly channels: number;
  /** AudioSpecificConfig, for AAC only */
  readonly asc?: Uint8Array;
}

export type TrackConfig = H264Config | AudioConfig;
