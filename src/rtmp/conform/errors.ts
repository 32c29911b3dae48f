/** Codes of the conformance runner's failures (a scenario's raw client, its expectations). */
export const CONFORM_ERR = {
  TIMEOUT: "ERR_CONFORM_TIMEOUT",
  CLOSED: "ERR_CONFORM_CLOSED",
  /** a scenario's expectation was not met */
  FAILED: "ERR_CONFORM_FAILED",
} as const;
