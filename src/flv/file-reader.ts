/**
 * Incremental FLV parser (file or HTTP-FLV stream). `push(chunk)` returns what the bytes so far
 * complete: the header once, then one `tag` per tag with the PreviousTagSize that followed it. No
 * I/O; memory is bounded by `maxTagSize` (a tag announcing more is refused with a ParseError before
 * its body is buffered). Chunks are never changed; a tag body inside one chunk is a subarray of it.
 * After a ParseError the stream is out of sync: the owner drops the reader (and its connection).
 *
 *   header (DataOffset bytes) | PreviousTagSize0 | tag | PreviousTagSize | tag | PreviousTagSize | ...
 */
import { ParseError } from "../errors.ts";
import { MAX_HEADER_SIZE, MAX_TAG_DATA_SIZE } from "./limits.ts";
import { decodeFlvHeader, decodeTagHeader, FLV_HEADER_SIZE, TAG_HEADER_SIZE, PREVIOUS_TAG_SIZE_SIZE, type FlvHeader, type TagHeader } from "./tag.ts";
import { FLV_ERR } from "./errors.ts";

export type FlvReaderOutput =
  | { readonly type: "header"; readonly header: FlvHeader }
  | {
      readonly type: "tag";
      readonly header: TagHeader;
      readonly data: Uint8Array;
      /** The PreviousTagSize written after this tag (11 + DataSize when the muxer is right). */
      readonly previousTagSize: number;
      /** Byte offset of the tag header in the whole stream. */
      readonly offset: number;
    };

export interface FlvReaderOptions {
  /** Largest tag body accepted (default and maximum 16 MB - 1). */
  readonly maxTagSize?: number;
  /** Fail with ERR_FLV_PREVIOUS_TAG_SIZE when a PreviousTagSize is not 11 + DataSize (default false: report only). */
  readonly strictPreviousTagSize?: boolean;
}

type State = "header" | "header-rest" | "tag-header" | "tag-body";

export class FlvReader {
  private state: State = "header";
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  /** stream offset of the first buffered byte */
  private position = 0;
  private need = FLV_HEADER_SIZE;
  private tagHeader: TagHeader | undefined;
  private readonly maxTagSize: number;
  private readonly strict: boolean;

  constructor(options: FlvReaderOptions = {}) {
    this.maxTagSize = Math.min(options.maxTagSize ?? MAX_TAG_DATA_SIZE, MAX_TAG_DATA_SIZE);
    this.strict = options.strictPreviousTagSize ?? false;
  }

  /** Bytes held while waiting for the rest of a header or tag. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): FlvReaderOutput[] {
    const out: FlvReaderOutput[] = [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    while (this.buffered >= this.need) {
      switch (this.state) {
        case "header": {
          const header = decodeFlvHeader(this.take(FLV_HEADER_SIZE));
          if (header.dataOffset > MAX_HEADER_SIZE) throw new ParseError(FLV_ERR.HEADER_SIZE, `DataOffset ${header.dataOffset} exceeds ${MAX_HEADER_SIZE}`, 5);
          out.push({ type: "header", header });
          this.state = "header-rest";
          this.need = header.dataOffset - FLV_HEADER_SIZE + PREVIOUS_TAG_SIZE_SIZE;
          break;
        }
        case "header-rest":
          this.take(this.need); // header padding and PreviousTagSize0
          this.state = "tag-header";
          this.need = TAG_HEADER_SIZE;
          break;
        case "tag-header": {
          const at = this.position;
          const header = decodeTagHeader(this.take(TAG_HEADER_SIZE));
          if (header.dataSize > this.maxTagSize) {
            throw new ParseError(FLV_ERR.TAG_TOO_LARGE, `tag of ${header.dataSize} bytes exceeds ${this.maxTagSize}`, at);
          }
          this.tagHeader = header;
          this.state = "tag-body";
          this.need = header.dataSize + PREVIOUS_TAG_SIZE_SIZE;
          break;
        }
        case "tag-body": {
          const header = this.tagHeader!;
          const offset = this.position - TAG_HEADER_SIZE;
          const data = this.take(header.dataSize);
          const p = this.take(PREVIOUS_TAG_SIZE_SIZE);
          const previousTagSize = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
          if (this.strict && previousTagSize !== header.dataSize + TAG_HEADER_SIZE) {
            throw new ParseError(FLV_ERR.PREVIOUS_TAG_SIZE, `PreviousTagSize ${previousTagSize}, expected ${header.dataSize + TAG_HEADER_SIZE}`, this.position - 4);
          }
          out.push({ type: "tag", header, data, previousTagSize, offset });
          this.tagHeader = undefined;
          this.state = "tag-header";
          this.need = TAG_HEADER_SIZE;
          break;
        }
      }
    }
    return out;
  }

  /**
   * Declares the end of the input. Throws ERR_FLV_TRUNCATED when bytes of an unfinished header or
   * tag (its trailing PreviousTagSize included) are left.
   */
  end(): void {
    if (this.buffered === 0 && this.state === "tag-header") return;
    throw new ParseError(FLV_ERR.TRUNCATED, `input ended inside the ${this.state === "tag-body" ? "tag body" : this.state} (${this.buffered} of ${this.need} bytes)`, this.position);
  }

  /** Removes `n` buffered bytes; a subarray when they sit in one chunk, else a copy. */
  private take(n: number): Uint8Array {
    this.position += n;
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const part = Math.min(c.length, n - filled);
      out.set(c.subarray(0, part), filled);
      filled += part;
      if (part === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part);
    }
    return out;
  }
}
