/**
 * werift's NACK loop for a video receiver (media/receiver/nack.js, 0.24.4 and still in 0.25.2) never
 * stops: the loop awaits `sendNack()`, whose promise settles only when there was something to NACK, so
 * its own "nothing lost: clearInterval" line is never reached once the loss was recovered or given up.
 * A stream that lost one packet then wakes the event loop every 5 ms until its peer closes. This gives
 * a receiver's handler a `setLost` whose loop checks for losses before sending, and stops when none is left.
 */
import type { RTCRtpReceiver } from "werift";

/** werift's NACK interval */
const NACK_INTERVAL_MS = 5;

/** The fields of werift's NackHandler this fix uses (private in werift's types). */
interface WeriftNackHandler {
  _lost: Record<number, number>;
  nackLoop: NodeJS.Timeout | undefined;
  closed: boolean;
  sendNack(): Promise<void>;
  setLost(seq: number, count: number): void;
}

function isNackHandler(value: unknown): value is WeriftNackHandler {
  const h = value as Partial<WeriftNackHandler> | undefined;
  return typeof h?.setLost === "function" && typeof h.sendNack === "function" && typeof h._lost === "object";
}

/** Makes `receiver`'s NACK loop stop when nothing is lost (a werift without that handler is left as it is). */
export function stopIdleNackLoop(receiver: RTCRtpReceiver): void {
  const nack: unknown = (receiver as unknown as { nack?: unknown }).nack;
  if (!isNackHandler(nack)) return;
  nack.setLost = (seq, count) => {
    nack._lost[seq] = count;
    if (nack.nackLoop || nack.closed) return;
    nack.nackLoop = setInterval(() => {
      if (Object.keys(nack._lost).length === 0) {
        clearInterval(nack.nackLoop);
        nack.nackLoop = undefined;
        return;
      }
      nack.sendNack().catch(() => {});
    }, NACK_INTERVAL_MS);
  };
}
