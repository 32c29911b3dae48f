/**
 * Errors of the socket-owning RTMP session. Each `close` reason is one of these (or the ParseError
 * of the peer's bytes, or the socket's own error); tests assert `code`.
 */
import { RtmpError } from "../errors.ts";
import type { CommandMessage } from "./events.ts";

export const SESSION_ERR = {
  /** the peer did not finish the handshake within rtmp.handshake_timeout (e.g. never sent C2) */
  HANDSHAKE_TIMEOUT: "ERR_RTMP_HANDSHAKE_TIMEOUT",
  /** `call()` got no _result/_error within its timeout */
  CALL_TIMEOUT: "ERR_RTMP_CALL_TIMEOUT",
  /** the peer answered a `call()` with _error */
  COMMAND_REJECTED: "ERR_RTMP_COMMAND_REJECTED",
  /** the connection closed while a call was pending, or a send after close */
  CLOSED: "ERR_RTMP_CONNECTION_CLOSED",
  /** a listener of the connection threw (a bug in the owner, logged at error level) */
  LISTENER_FAILED: "ERR_RTMP_LISTENER_FAILED",
} as const;

/** The peer answered `call()` with `_error`; `command` is that answer (info object in `args[0]`). */
export class RtmpCommandRejectedError extends RtmpError {
  readonly transactionId: number;
  readonly command: CommandMessage;
  constructor(name: string, command: CommandMessage, description: string) {
    super(SESSION_ERR.COMMAND_REJECTED, `${name} rejected by peer: ${description}`);
    this.transactionId = command.transactionId;
    this.command = command;
  }
}
