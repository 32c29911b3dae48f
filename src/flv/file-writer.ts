/**
 * FLV file/stream writer: the 9-byte header with the audio/video flags and PreviousTagSize0, then
 * each tag followed by its PreviousTagSize (see tag.ts). Returns bytes; the caller owns the file or
 * socket. Timestamps must not go backwards within a tag type (audio, video, script): players stall or
 * drop such tags, so the writer refuses them (DESIGN: sinks see non-decreasing DTS per track).
 */

import { encodeFlvHeader, encodePreviousTagSizeInto, encodeTagHeaderInto, encodeTagInto, encodedTagSize, PREVIOUS_TAG_SIZE_SIZE, TAG_HEADER_SIZE, type FlvTag } from "./tag.ts";
import { FLV_ERR, FlvError } from "./errors.ts";

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
    const header = this.takeHeader(tags);
    let size = header?.length ?? 0;
    for (const t of tags) size += encodedTagSize(t);
    const out = new Uint8Array(size);
    let pos = 0;
    if (header) {
      out.set(header, 0);
      pos = header.length;
    }
    for (const t of tags) pos += encodeTagInto(t, out, pos);
    return out;
  }

  /**
   * The same bytes as `write`, in parts that leave each tag's data buffer as it is: [file header +
   * tag header, data, PreviousTagSize + next tag header, data, ..., PreviousTagSize]. Consumers of
   * the same tags (HTTP-FLV players) then share the data instead of each copying it.
   */
  writeParts(tags: readonly FlvTag[]): Uint8Array[] {
    const header = this.takeHeader(tags);
    const parts: Uint8Array[] = [];
    let joint = header ?? new Uint8Array(0);
    for (const t of tags) {
      const next = new Uint8Array(joint.length + TAG_HEADER_SIZE);
      next.set(joint, 0);
      encodeTagHeaderInto(t, next, joint.length);
      parts.push(next, t.data);
      joint = new Uint8Array(PREVIOUS_TAG_SIZE_SIZE);
      encodePreviousTagSizeInto(t, joint, 0);
    }
    if (joint.length > 0) parts.push(joint);
    return parts;
  }

  /** Checks that no tag goes back in time (before any byte is produced); the file header once. */
  private takeHeader(tags: readonly FlvTag[]): Uint8Array | undefined {
    const last = new Map(this.lastTimestamp);
    for (const t of tags) {
      const before = last.get(t.tagType) ?? 0;
      if (t.timestamp < before) {
        throw new FlvError(FLV_ERR.TIMESTAMP_BACKWARDS, `type ${t.tagType} tag timestamp ${t.timestamp} is before ${before}`);
      }
      last.set(t.tagType, t.timestamp);
    }
    for (const [k, v] of last) this.lastTimestamp.set(k, v);
    if (this.headerWritten) return undefined;
    this.headerWritten = true;
    return encodeFlvHeader(this.options);
  }
}

/** A whole FLV file of the tags, in the order given. */
export function encodeFlvFile(options: FlvWriterOptions, tags: readonly FlvTag[]): Uint8Array {
  return new FlvWriter(options).write(tags);
}
