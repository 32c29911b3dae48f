/**
 * Limits the SIP parser enforces (gortsplib `pkg/base` style). A message past one of them is a
 * ParseError, never an allocation the peer controls.
 */
export interface SipLimits {
  /** Header fields after unfolding and comma splitting. */
  readonly maxHeaders: number;
  /** Bytes from the start line to the blank line, CRLFs included. */
  readonly maxHeaderBytes: number;
  /** Body bytes (Content-Length) accepted. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_SIP_LIMITS: SipLimits = {
  maxHeaders: 256,
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
};
