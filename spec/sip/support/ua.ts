/** A user agent on one side of an in-memory pair and a scripted far end on the other, with a manual clock. */
import { createMemoryTransportPair } from "../../../src/sip/transport/memory.ts";
import { UserAgent } from "../../../src/sip/user-agent/user-agent.ts";
import { ManualClock } from "../../support/manual-clock.ts";
import { FarEnd } from "./far-end.ts";

export const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
export const OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8\r\n";
export const ANSWER = OFFER.replace("4000", "5000");
export const SDP_TYPE = [{ name: "Content-Type", value: "application/sdp" }];

export function setup() {
  const clock = new ManualClock();
  const [a, b] = createMemoryTransportPair();
  let n = 0;
  const ua = new UserAgent({ transport: a, clock, random: () => `r${++n}`, user: "alice", domain: "127.0.0.1:5080", password: "secret" });
  const far = new FarEnd(b, clock);
  return { clock, a, b, ua, far };
}
