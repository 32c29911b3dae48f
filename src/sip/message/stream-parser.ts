/**
 * SIP over a byte stream (TCP, RFC 3261 18.3): messages are framed by the blank line and the
 * Content-Length (required; a missing one means an empty body). `push(chunk)` returns the complete
 * messages it now holds and keeps the rest. No I/O: the connection owner feeds it and, on a
 * ParseError, answers 400 when it can and closes the connection (the stream cannot resynchronize).
 * Chunks wait in a queue: a body is copied once when it is complete, a header block is searched
 * only where new bytes arrived, so a message in many small chunks costs its size, not its square.
 */
import { ByteQueue } from "../../codecs/byte-queue.ts";
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import type { SipMessage } from "../messages.ts";
import { DEFAULT_SIP_LIMITS, type SipLimits } from "./limits.ts";
import { contentLengthOf, decodeSipHead, findHeaderEnd, messageFromHead, type SipHead } from "./parse.ts";
import { validateSipMessage } from "./validate.ts";

type State = { name: "head" } | { name: "body"; head: SipHead; length: number };

const CR = 0x0d;
const LF = 0x0a;
/** the blank line is up to 3 bytes (LF CR LF): a new search starts that far back */
const BLANK_LINE_REACH = 3;

export class SipStreamParser {
  private readonly queue = new ByteQueue();
  /** bytes of the pending header block already searched for its blank line */
  private searched = 0;
  private state: State = { name: "head" };
  private failed: ParseError | undefined;
  /** Bytes consumed so far, for error offsets. */
  private consumed = 0;

  constructor(private readonly limits: SipLimits = DEFAULT_SIP_LIMITS, private readonly validate = true) {}

  push(chunk: Uint8Array): SipMessage[] {
    if (this.failed) throw this.failed;
    // a copy: the caller may reuse its buffer, and bodies are handed out as views of this one
    this.queue.push(chunk.slice());
    const out: SipMessage[] = [];
    try {
      for (;;) {
        if (this.state.name === "head") {
          this.skipLeadingCrlf();
          if (this.queue.length === 0) break;
          const window = this.queue.peek(Math.min(this.queue.length, this.limits.maxHeaderBytes + BLANK_LINE_REACH));
          const end = findHeaderEnd(window, Math.max(0, this.searched - BLANK_LINE_REACH));
          if (end < 0) {
            if (this.queue.length > this.limits.maxHeaderBytes) throw new ParseError(SIP_PARSE_ERR.HEADERS_TOO_LARGE, `header block longer than ${this.limits.maxHeaderBytes} bytes`, this.consumed);
            this.searched = window.length;
            break;
          }
          const head = decodeSipHead(window.subarray(0, end), 0, this.limits);
          const length = contentLengthOf(head, this.limits) ?? 0;
          this.consume(end);
          this.state = { name: "body", head: { ...head, bodyOffset: 0 }, length };
        }
        if (this.state.name === "body") {
          if (this.queue.length < this.state.length) break;
          const message = messageFromHead(this.state.head, this.queue.peek(this.state.length));
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
    return this.queue.length;
  }

  /** CRLF keep-alives between messages (RFC 5626 3.5.1) and stray line ends. */
  private skipLeadingCrlf(): void {
    while (this.queue.length > 0) {
      const byte = this.queue.peek(1)[0];
      if (byte !== CR && byte !== LF) return;
      this.consume(1);
    }
  }

  private consume(n: number): void {
    this.queue.skip(n);
    this.consumed += n;
    this.searched = 0;
  }
}
