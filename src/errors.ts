/**
 * The one error base of the project. `code` is stable and what tests assert; subclasses exist only
 * to carry data the caller needs to answer on the wire (an offset, a status, a state). Each layer's
 * errors.ts holds the layer's subclass (RtpError, AgentError, ...) and its `X_ERR` code tables; only
 * this file constructs a TranspondError itself (spec/error-codes.test.ts).
 */

/** Codes of the errors every layer may raise. */
export const TRANSPOND_ERR = {
  /** a state machine was asked for a move its table does not allow */
  INVALID_STATE: "ERR_INVALID_STATE",
  /** a configuration key is unknown or its value is not valid */
  CONFIG: "ERR_CONFIG",
  /** a command line (transpond, transpond conform) that cannot be run as given */
  USAGE: "ERR_USAGE",
} as const;

export class TranspondError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Malformed input from a peer or a file; `offset` is where in the input the problem was found. */
export class ParseError extends TranspondError {
  readonly offset: number;
  constructor(code: string, message: string, offset = -1, options?: { cause?: unknown }) {
    super(code, offset >= 0 ? `${message} (at offset ${offset})` : message, options);
    this.offset = offset;
  }
}

/** A state machine was asked for a move its table does not allow. */
export class InvalidStateError extends TranspondError {
  readonly state: string;
  readonly allowed: readonly string[];
  constructor(what: string, state: string, to: string, allowed: readonly string[]) {
    super(TRANSPOND_ERR.INVALID_STATE, `${what}: cannot go from ${state} to ${to} (allowed: ${allowed.join(", ") || "none"})`);
    this.state = state;
    this.allowed = allowed;
  }
}

/** A configuration key is unknown or its value is not valid; `key` names it. */
export class ConfigError extends TranspondError {
  readonly key: string;
  constructor(key: string, message: string) {
    super(TRANSPOND_ERR.CONFIG, `${key}: ${message}`);
    this.key = key;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
