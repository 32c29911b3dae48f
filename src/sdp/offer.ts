/**
 * The plain RTP/AVP offer Transpond sends in a SIP INVITE, and reading the answer (RFC 3264).
 *
 * Audio: PCMA (8), PCMU (0), telephone-event/8000 (101) with events 0-16, ptime. Video: H.264
 * packetization-mode=1 then mode 0, constrained baseline. Each section is `sendrecv` when we have
 * that medium to send and `recvonly` when we do not (DESIGN "SIP calls"). Pure data: the caller
 * picks ports and addresses.
 */
import { ParseError } from "../errors.ts";
import { h264Parameters, offeredCodecs, type CodecChoice, type H264Choice } from "./codecs.ts";
import { SDP_ERR } from "./errors.ts";
import { buildSdp } from "./serialize.ts";
import type { SdpConnection, SdpDirection, SessionDescription } from "./types.ts";

export const SIP_OFFER_PAYLOAD_TYPES = { PCMU: 0, PCMA: 8, TELEPHONE_EVENT: 101, H264_MODE1: 96, H264_MODE0: 97 } as const;

export interface SipOfferOptions {
  /** our media address, for o= and c= (IPv4 or IPv6 text) */
  readonly address: string;
  readonly audioPort: number;
  /** omit to offer no video section */
  readonly videoPort?: number;
  /** we send audio (sendrecv) or only receive it (recvonly) */
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
  /** o= session id and version (numeric strings; default "0" / "1") */
  readonly sessionId?: string;
  readonly sessionVersion?: string;
  readonly username?: string;
  readonly sessionName?: string;
  /** audio packet time in ms (default 20) */
  readonly ptime?: number;
  /** H.264 profile-level-id to offer (default 42e01f: constrained baseline 3.1) */
  readonly profileLevelId?: string;
}

function addrType(address: string): "IP4" | "IP6" {
  return address.includes(":") ? "IP6" : "IP4";
}

/** Builds the INVITE offer. */
export function buildSipOffer(o: SipOfferOptions): SessionDescription {
  const type = addrType(o.address);
  const pt = SIP_OFFER_PAYLOAD_TYPES;
  const profile = o.profileLevelId ?? "42e01f";
  const direction = (has: boolean): SdpDirection => (has ? "sendrecv" : "recvonly");
  const session: [string, string][] = [
    ["v", "0"],
    ["o", `${o.username ?? "transpond"} ${o.sessionId ?? "0"} ${o.sessionVersion ?? "1"} IN ${type} ${o.address}`],
    ["s", o.sessionName ?? "Transpond"],
    ["c", `IN ${type} ${o.address}`],
    ["t", "0 0"],
  ];
  const audio: [string, string][] = [
    ["m", `audio ${o.audioPort} RTP/AVP ${pt.PCMA} ${pt.PCMU} ${pt.TELEPHONE_EVENT}`],
    ["a", `rtpmap:${pt.PCMA} PCMA/8000`],
    ["a", `rtpmap:${pt.PCMU} PCMU/8000`],
    ["a", `rtpmap:${pt.TELEPHONE_EVENT} telephone-event/8000`],
    ["a", `fmtp:${pt.TELEPHONE_EVENT} 0-16`],
    ["a", `ptime:${o.ptime ?? 20}`],
    ["a", direction(o.hasAudio)],
  ];
  const media = [audio];
  if (o.videoPort !== undefined) {
    const video: [string, string][] = [["m", `video ${o.videoPort} RTP/AVP ${pt.H264_MODE1} ${pt.H264_MODE0}`]];
    for (const [payloadType, mode] of [[pt.H264_MODE1, 1], [pt.H264_MODE0, 0]] as const) {
      video.push(
        ["a", `rtpmap:${payloadType} H264/90000`],
        ["a", `fmtp:${payloadType} profile-level-id=${profile};packetization-mode=${mode}`],
        ["a", `rtcp-fb:${payloadType} nack pli`],
        ["a", `rtcp-fb:${payloadType} ccm fir`],
      );
    }
    video.push(["a", direction(o.hasVideo)]);
    media.push(video);
  }
  return buildSdp(session, media);
}

/** What the answer says about one medium of our offer. */
export interface AnsweredMedia {
  readonly medium: string;
  /** index of the m= section in offer and answer */
  readonly mediaIndex: number;
  /** port 0 in the answer: the medium was refused */
  readonly rejected: boolean;
  /** where to send RTP (the section's c=, else the session's) */
  readonly address: string;
  readonly port: number;
  /** RTCP destination: a=rtcp when given, else port + 1 (or the RTP port with rtcp-mux) */
  readonly rtcpAddress: string;
  readonly rtcpPort: number;
  /** the answerer's direction (its "sendonly" means we only receive) */
  readonly direction: SdpDirection;
  /** the first payload type of the answer that we offered, described as we offered it */
  readonly codec: CodecChoice | H264Choice | null;
  readonly telephoneEvent?: CodecChoice;
  readonly ptime?: number;
}

export interface SipAnswer {
  readonly audio?: AnsweredMedia;
  readonly video?: AnsweredMedia;
  /** every section, in order */
  readonly media: readonly AnsweredMedia[];
}

/**
 * Reads an answer against the offer it answers. The answer must have as many m= sections as the
 * offer, each of the same media type (RFC 3264 6); anything else is a ParseError ANSWER_MISMATCH.
 */
export function readSipAnswer(offer: SessionDescription, answer: SessionDescription): SipAnswer {
  if (answer.media.length !== offer.media.length) {
    throw new ParseError(SDP_ERR.ANSWER_MISMATCH, `answer has ${answer.media.length} m= sections, offer has ${offer.media.length}`);
  }
  const media = answer.media.map((section, mediaIndex): AnsweredMedia => {
    const offered = offer.media[mediaIndex]!;
    if (section.media !== offered.media) {
      throw new ParseError(SDP_ERR.ANSWER_MISMATCH, `answer m= section ${mediaIndex} is ${section.media}, offer's is ${offered.media}`);
    }
    const connection: SdpConnection | undefined = section.connection ?? answer.connection;
    const address = connection?.address ?? answer.origin.address;
    const ours = offeredCodecs(offered, mediaIndex);
    const theirs = offeredCodecs(section, mediaIndex);
    // The answer's payload types are ours (RFC 3264 6.1); its first usable one is what it sends.
    const pick = theirs.find((c) => !NOT_MEDIA.has(c.encoding.toLowerCase()) && ours.some((o) => sameCodec(o, c)));
    let codec: CodecChoice | H264Choice | null = null;
    if (pick) {
      // Same payload type as offered first (RFC 3264 6.1), else the same codec under another number.
      const mine = ours.find((o) => o.payloadType === pick.payloadType && sameCodec(o, pick)) ?? ours.find((o) => sameCodec(o, pick))!;
      const described: CodecChoice = { ...mine, payloadType: pick.payloadType, ...(pick.fmtp ? { fmtp: pick.fmtp } : {}) };
      if (pick.encoding.toUpperCase() === "H264") {
        const params = h264Parameters(pick.fmtp ? pick : mine);
        codec = { ...described, packetizationMode: params.packetizationMode === 0 ? 0 : 1, profileLevelId: params.profileLevelId };
      } else {
        codec = described;
      }
    }
    const telephoneEvent = theirs.find((c) => c.encoding.toLowerCase() === "telephone-event" && ours.some((o) => sameCodec(o, c)));
    const rtcpPort = section.rtcp?.port ?? (section.rtcpMux ? section.port : section.port + 1);
    return {
      medium: section.media,
      mediaIndex,
      rejected: section.port === 0,
      address,
      port: section.port,
      rtcpAddress: section.rtcp?.connection?.address ?? address,
      rtcpPort,
      direction: section.direction,
      codec,
      ...(telephoneEvent ? { telephoneEvent } : {}),
      ...(section.ptime !== undefined ? { ptime: section.ptime } : {}),
    };
  });
  const audio = media.find((m) => m.medium === "audio");
  const video = media.find((m) => m.medium === "video");
  return { ...(audio ? { audio } : {}), ...(video ? { video } : {}), media };
}

/** Payload formats that carry no media of their own (events, comfort noise, redundancy, retransmission). */
const NOT_MEDIA = new Set(["telephone-event", "cn", "red", "rtx", "ulpfec", "flexfec"]);

function sameCodec(a: CodecChoice, b: CodecChoice): boolean {
  if (a.encoding.toLowerCase() !== b.encoding.toLowerCase() || a.clockRate !== b.clockRate) return false;
  if (a.encoding.toUpperCase() !== "H264") return true;
  // Two H.264 payload types differ by packetization mode; match the answer to the offered mode.
  return h264Parameters(a).packetizationMode === h264Parameters(b).packetizationMode || b.fmtp === undefined;
}

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
