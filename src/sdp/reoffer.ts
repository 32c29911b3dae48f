/**
 * Re-INVITE/UPDATE offers from the far end of a SIP call (RFC 3264 8): hold when it stops sending
 * audio (sendonly, inactive or the RFC 2543 c=0.0.0.0), new RTP addresses; answered with our own
 * description in the mirrored direction and a new o= version. Pure functions over descriptions.
 */
import type { SessionDescription } from "./types.ts";

/** Where one medium's RTP and RTCP go (the shape of rtp's RtpRemote). */
export interface MediaAddress {
  readonly address: string;
  readonly port: number;
  readonly rtcpAddress: string;
  readonly rtcpPort: number;
}

export interface Reoffer {
  /** the phone stopped sending audio */
  readonly held: boolean;
  readonly inactive: boolean;
  /** where each medium's RTP goes now (sections with a usable address and port) */
  readonly remotes: ReadonlyMap<string, MediaAddress>;
}

export function readReoffer(offer: SessionDescription): Reoffer {
  const audio = offer.media.find((m) => m.media === "audio");
  const address = (m: SessionDescription["media"][number]) => m.connection?.address ?? offer.connection?.address;
  const inactive = audio?.direction === "inactive";
  const held = audio !== undefined && (audio.direction === "sendonly" || inactive || address(audio) === "0.0.0.0");
  const remotes = new Map<string, MediaAddress>();
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
