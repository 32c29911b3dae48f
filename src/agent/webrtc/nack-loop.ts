/**
 * werift's NACK loop for a video receiver (media/receiver/nack.js, 0.24.4 and still in 0.25.2) never
 * stops once a loss was repaired: the loop awaits `sendNack()`, whose promise settles only when there
 * was something to NACK, so its own "nothing lost: clearInterval" line is never reached. A stream whose
 * lost packet was retransmitted then wakes the event loop every 5 ms until its peer closes. This makes
 * a receiver's `sendNack` settle when there is nothing to send, so werift's own loop stops.
 */
import type { RTCRtpReceiver } from "werift";

/** The fields of werift's NackHandler this fix uses (private in werift's types). */
interface WeriftNackHandler {
  readonly lostSeqNumbers: number[];
  mediaSourceSsrc?: number;
  sendNack(): Promise<void>;
}

function isNackHandler(value: unknown): value is WeriftNackHandler {
  const h = value as Partial<WeriftNackHandler> | undefined;
  return typeof h?.sendNack === "function" && Array.isArray(h.lostSeqNumbers);
}

/** Makes `receiver`'s NACK loop stop when nothing is lost (a werift without that handler is left as it is). */
export function stopIdleNackLoop(receiver: RTCRtpReceiver): void {
  const nack: unknown = (receiver as unknown as { nack?: unknown }).nack;
  if (!isNackHandler(nack)) return;
  const send = nack.sendNack;
  // werift sends only with losses and a known source; otherwise its promise never settles
  nack.sendNack = () => (nack.lostSeqNumbers.length > 0 && nack.mediaSourceSsrc ? send() : Promise.resolve());
}
