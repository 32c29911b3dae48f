/**
 * Reconnect delays: exponential from `minMs`, capped at `maxMs`, with "equal jitter" (half fixed, half
 * random) so many transponders that lost the same server do not come back in lockstep.
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
