/**
 * SIP over a byte stream (TCP, RFC 3261 18.3): messages are framed by the blank line and the
 * Content-Length (required; a missing one means an empty body). `push(chunk)` returns the complete
 * messages it now holds and keeps the rest. No I/O: the connection owner feeds it and, on a
 * ParseError, answers 400 when it can and closes the connection (the stream cannot resynchronize).
 */
import { concatBytes } from "../../codecs/bytes.ts";
import { ParseError } from "../../errors.ts";
import { SIP_PARSE } from "../errors.ts";
import type { SipMessage } from "../messages.ts";
import { DEFAULT_SIP_LIMITS, type SipLimits } from "./limits.ts";
import { contentLengthOf, decodeSipHead, findHeaderEnd, messageFromHead, skipLeadingCrlf, type SipHead } from "./parse.ts";
import { validateSipMessage } from "./validate.ts";

type State = { name: "head" } | { name: "body"; head: SipHead; length: number };

export class SipStreamParser {
  private buffer: Uint8Array = new Uint8Array(0);
  private state: State = { name: "head" };
  private failed: ParseError | undefined;
  /** Bytes consumed so far, for error offsets. */
  private consumed = 0;

  constructor(private readonly limits: SipLimits = DEFAULT_SIP_LIMITS, private readonly validate = true) {}

  push(chunk: Uint8Array): SipMessage[] {
    if (this.failed) throw this.failed;
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concatBytes([this.buffer, chunk]);
    const out: SipMessage[] = [];
    try {
      for (;;) {
        if (this.state.name === "head") {
          const start = skipLeadingCrlf(this.buffer);
          if (start > 0) this.consume(start);
          if (this.buffer.length === 0) break;
          const end = findHeaderEnd(this.buffer, 0);
          if (end < 0) {
            if (this.buffer.length > this.limits.maxHeaderBytes) throw new ParseError(SIP_PARSE.HEADERS_TOO_LARGE, `header block longer than ${this.limits.maxHeaderBytes} bytes`, this.consumed);
            break;
          }
          const head = decodeSipHead(this.buffer.subarray(0, end), 0, this.limits);
          const length = contentLengthOf(head, this.limits) ?? 0;
          this.consume(end);
          this.state = { name: "body", head: { ...head, bodyOffset: 0 }, length };
        }
        if (this.state.name === "body") {
          if (this.buffer.length < this.state.length) break;
          const message = messageFromHead(this.state.head, this.buffer.subarray(0, this.state.length));
          this.consume(this.state.length);
          this.state = { name: "head" };
          if (this.validate) validateSipMessage(message);
          out.push(message);
        }
      }
    } catch (err) {
      if (err instanceof ParseError) this.failed = err;
      throw err;
    }
    return out;
  }

  /** Bytes held that do not yet form a message. */
  get pending(): number {
    return this.buffer.length;
  }

  private consume(n: number): void {
    this.buffer = this.buffer.subarray(n);
    this.consumed += n;
  }
}
