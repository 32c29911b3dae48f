import { TranspondError } from "../../errors.ts";

/** A failed attempt of the agent client; `retry` false when trying again will not help. */
export class AgentError extends TranspondError {
  readonly retry: boolean;
  constructor(code: string, message: string, retry: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.retry = retry;
  }
}

export const AGENT_ERR = {
  /** a server frame that is not `{"message": string, "data": [...]}` JSON */
  FRAME: "ERR_AGENT_FRAME",
  CONNECT: "ERR_AGENT_CONNECT",
  /** the server's TLS certificate did not verify */
  TLS: "ERR_AGENT_TLS",
  TIMEOUT: "ERR_AGENT_TIMEOUT",
  /** the other server answered FAILED or `fail` */
  REFUSED: "ERR_AGENT_REFUSED",
  /** our peer could not make the offer or take the answer */
  PEER: "ERR_AGENT_PEER",
} as const;
