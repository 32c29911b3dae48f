/**
 * The SDP a REST call reads beyond its first offer/answer: an answer that left out the m= sections
 * the phone refuses (read against the matching part of our offer), and re-INVITE/UPDATE offers from
 * the phone (hold when it stops sending audio: sendonly, inactive or the RFC 2543 c=0.0.0.0; new
 * RTP addresses), answered with our own description in the mirrored direction and a new o= version.
 * Pure functions over parsed descriptions.
 */
import { readSipAnswer, type SipAnswer } from "../sdp/offer.ts";
import type { SessionDescription } from "../sdp/types.ts";
import type { RtpRemote } from "../rtp/udp-session.ts";

/** RFC 3264 6 wants as many m= sections in the answer as in the offer; some UAS drop the ones they refuse. */
export function readAnswerLeniently(offer: SessionDescription, answer: SessionDescription): SipAnswer {
  if (answer.media.length === offer.media.length) return readSipAnswer(offer, answer);
  const kinds = answer.media.map((m) => m.media);
  const subset = offer.media.filter((m) => {
    const i = kinds.indexOf(m.media);
    if (i < 0) return false;
    kinds[i] = "";
    return true;
  });
  return readSipAnswer({ ...offer, media: subset }, answer);
}

export interface Reoffer {
  /** the phone stopped sending audio */
  readonly held: boolean;
  readonly inactive: boolean;
  /** where each medium's RTP goes now (sections with a usable address and port) */
  readonly remotes: ReadonlyMap<string, RtpRemote>;
}

export function readReoffer(offer: SessionDescription): Reoffer {
  const audio = offer.media.find((m) => m.media === "audio");
  const address = (m: SessionDescription["media"][number]) => m.connection?.address ?? offer.connection?.address;
  const inactive = audio?.direction === "inactive";
  const held = audio !== undefined && (audio.direction === "sendonly" || inactive || address(audio) === "0.0.0.0");
  const remotes = new Map<string, RtpRemote>();
  for (const m of offer.media) {
    const a = address(m);
    if (!a || a === "0.0.0.0" || m.port === 0 || remotes.has(m.media)) continue;
    remotes.set(m.media, { address: a, port: m.port, rtcpAddress: m.rtcp?.connection?.address ?? a, rtcpPort: m.rtcp?.port ?? m.port + 1 });
  }
  return { held, inactive, remotes };
}

/** Our description again with o= version `version` and, on hold, every section recvonly (or inactive). */
export function answerReoffer(ours: string, version: number, reoffer: Reoffer): string {
  const versioned = ours.replace(/^o=(\S+ \S+ )\d+/m, (_m, head: string) => `o=${head}${version}`);
  if (!reoffer.held) return versioned;
  return versioned.replace(/^a=(sendrecv|recvonly|sendonly)$/gm, reoffer.inactive ? "a=inactive" : "a=recvonly");
}
