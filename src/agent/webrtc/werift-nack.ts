/**
 * Two fixes to werift's NACK handler of a video receiver (media/receiver/nack.js, 0.24.4 and still in
 * 0.25.2), applied per receiver:
 * - its 5 ms loop never stops once a loss was repaired: the loop awaits `sendNack()`, whose promise
 *   settles only when there was something to NACK, so its own "nothing lost: clearInterval" line is
 *   never reached, and the stream wakes the event loop every 5 ms until its peer closes. A `sendNack`
 *   that settles when there is nothing to send lets the loop stop.
 * - it compares sequence numbers as plain numbers. When packets are lost where the 16-bit numbers
 *   wrap (65535 -> 0), the first packet after the wrap is below the newest number it saw, so the loss
 *   is not NACKed, and no later loss is either until the numbers come round again (65,536 packets,
 *   about ten minutes of 1 Mb/s video). And a packet from before the wrap that comes late, after it,
 *   is above the newest number, so every number between is taken as lost and NACKed. Here a number
 *   is newer when it is less than half the space ahead (RFC 3550 A.1).
 */
import type { RTCRtpReceiver } from "werift";

/** The fields of werift's NackHandler these fixes use (private in werift's types). */
interface WeriftNackHandler {
  readonly lostSeqNumbers: number[];
  mediaSourceSsrc?: number;
  newEstSeqNum: number;
  sendNack(): Promise<void>;
  getLost(sequenceNumber: number): number | undefined;
  setLost(sequenceNumber: number, count: number): void;
  pruneLost(): void;
  addPacket(packet: { readonly header: { readonly sequenceNumber: number; readonly ssrc: number } }): void;
}

function isNackHandler(value: unknown): value is WeriftNackHandler {
  const h = value as Partial<WeriftNackHandler> | undefined;
  return typeof h?.sendNack === "function" && typeof h.addPacket === "function" && typeof h.setLost === "function" && typeof h.getLost === "function" && Array.isArray(h.lostSeqNumbers);
}

/** RFC 3550's reading of two sequence numbers: `seq` is newer when it is less than half the space ahead. */
const HALF = 0x8000;

/** Applies both fixes to `receiver`'s NACK handler (a werift without that handler is left as it is). */
export function fixWeriftNack(receiver: RTCRtpReceiver): void {
  const nack: unknown = (receiver as unknown as { nack?: unknown }).nack;
  if (!isNackHandler(nack)) return;
  const send = nack.sendNack;
  // werift sends only with losses and a known source; otherwise its promise never settles
  nack.sendNack = () => (nack.lostSeqNumbers.length > 0 && nack.mediaSourceSsrc ? send() : Promise.resolve());
  const add = nack.addPacket.bind(nack);
  nack.addPacket = (packet) => {
    const { sequenceNumber: seq, ssrc } = packet.header;
    const newest = nack.newEstSeqNum;
    const ahead = (seq - newest) & 0xffff;
    // 0: werift has seen nothing yet; 0 or 1 ahead: a repeat or the next one
    if (newest === 0 || ahead <= 1) return add(packet);
    if (ahead >= HALF) {
      // older: werift removes it from its losses, and takes a lower number as nothing else
      if (seq < newest || nack.getLost(seq) !== undefined) add(packet);
      return;
    }
    if (seq > newest) return add(packet);
    // newer across the wrap: what werift would do without it
    nack.mediaSourceSsrc = ssrc;
    for (let lost = (newest + 1) & 0xffff; lost !== seq; lost = (lost + 1) & 0xffff) nack.setLost(lost, 1);
    nack.newEstSeqNum = seq;
    nack.pruneLost();
  };
}
