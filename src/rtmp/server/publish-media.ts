/**
 * A publisher's audio/video/data messages -> the media model. FLV tag bodies become frames and
 * track configs (src/flv/frames.ts); RTMP's 32-bit millisecond timestamps are unwrapped per track
 * so a stream running past 49.7 days (or a publisher starting near 2^32) keeps a growing DTS.
 * G.711 and Speex have no sequence header: their implied config goes out before the first frame
 * (and again when the publisher switches codec).
 * Pure: returns outputs, throws ParseError for malformed bodies.
 */
import type { AudioFrame, Frame, TrackConfig } from "../../codecs/frame.ts";
import type { Amf0Value } from "../../flv/amf0.ts";
import { amf0Properties } from "../../flv/amf0.ts";
import { frameFromTag, impliedAudioConfig } from "../../flv/frames.ts";
import { TAG_TYPE } from "../../flv/tag.ts";
import { TimestampUnwrapper } from "../../rtp/sequence.ts";

export type PublishedMedia =
  | { readonly type: "frame"; readonly frame: Frame }
  | { readonly type: "config"; readonly config: TrackConfig }
  | { readonly type: "metadata"; readonly properties: Readonly<Record<string, Amf0Value>> };

export class PublishMediaDecoder {
  private readonly clocks = { audio: new TimestampUnwrapper({ neverBelowZero: true }), video: new TimestampUnwrapper({ neverBelowZero: true }) };
  private nalLengthSize = 4;
  private audioCodec: string | undefined;

  /** An Audio (8) or Video (9) message body with its RTMP timestamp. Empty bodies are ignored. */
  media(kind: "audio" | "video", data: Uint8Array, timestamp: number): PublishedMedia[] {
    if (data.length === 0) return [];
    const ts = this.clocks[kind].unwrap(timestamp);
    const out = frameFromTag({ tagType: kind === "audio" ? TAG_TYPE.AUDIO : TAG_TYPE.VIDEO, timestamp: ts, data }, { nalLengthSize: this.nalLengthSize });
    switch (out.type) {
      case "frame":
        if (out.frame.kind === "video") return out.frame.data.length === 0 ? [] : [out];
        return this.withImpliedConfig(out.frame);
      case "config":
        if (out.nalLengthSize !== undefined) this.nalLengthSize = out.nalLengthSize;
        if (out.config.codec !== "H264") this.audioCodec = out.config.codec;
        return [{ type: "config", config: out.config }];
      default:
        return [];
    }
  }

  private withImpliedConfig(frame: AudioFrame): PublishedMedia[] {
    const frameOut: PublishedMedia = { type: "frame", frame };
    const config = impliedAudioConfig(frame.codec);
    if (!config || this.audioCodec === frame.codec) return [frameOut];
    this.audioCodec = frame.codec;
    return [{ type: "config", config }, frameOut];
  }

  /** A Data message: `@setDataFrame onMetaData {...}` or `onMetaData {...}`; others are ignored. */
  data(values: readonly Amf0Value[]): PublishedMedia[] {
    const rest = values[0] === "@setDataFrame" ? values.slice(1) : values;
    if (rest[0] !== "onMetaData" || rest[1] === undefined) return [];
    const properties = amf0Properties(rest[1]);
    return properties ? [{ type: "metadata", properties }] : [];
  }
}
