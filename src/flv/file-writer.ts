/**
 * FLV file/stream writer: the 9-byte header with the audio/video flags and PreviousTagSize0, then
 * each tag followed by its PreviousTagSize (see tag.ts). Returns bytes; the caller owns the file or
 * socket. Timestamps must not go backwards within a tag type (audio, video, script): players stall or
 * drop such tags, so the writer refuses them (DESIGN: sinks see non-decreasing DTS per track).
 */
import { TranspondError } from "../errors.ts";
import { encodeFlvHeader, encodeTagInto, encodedTagSize, type FlvTag } from "./tag.ts";

export interface FlvWriterOptions {
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

export class FlvWriter {
  private headerWritten = false;
  private readonly lastTimestamp = new Map<number, number>();
  constructor(private readonly options: FlvWriterOptions) {}

  /** The bytes for `tags`, preceded by the file header on the first call. */
  write(tags: readonly FlvTag[]): Uint8Array {
    const header = this.headerWritten ? undefined : encodeFlvHeader(this.options);
    let size = header?.length ?? 0;
    const last = new Map(this.lastTimestamp);
    for (const t of tags) {
      const before = last.get(t.tagType) ?? 0;
      if (t.timestamp < before) {
        throw new TranspondError("ERR_FLV_TIMESTAMP_BACKWARDS", `type ${t.tagType} tag timestamp ${t.timestamp} is before ${before}`);
      }
      last.set(t.tagType, t.timestamp);
      size += encodedTagSize(t);
    }
    for (const [k, v] of last) this.lastTimestamp.set(k, v);
    const out = new Uint8Array(size);
    let pos = 0;
    if (header) {
      out.set(header, 0);
      pos = header.length;
      this.headerWritten = true;
    }
    for (const t of tags) pos += encodeTagInto(t, out, pos);
    return out;
  }
}

/** A whole FLV file of the tags, in the order given. */
export function encodeFlvFile(options: FlvWriterOptions, tags: readonly FlvTag[]): Uint8Array {
  return new FlvWriter(options).write(tags);
}
