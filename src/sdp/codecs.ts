/**
 * Codec selection for an answer (RFC 3264 section 6.1: the answer uses payload types from the
 * offer). Transpond forwards H.264 untouched, so video is H.264 only:
 *
 * - packetization-mode=1 (RFC 6184 6.3, non-interleaved) first, mode 0 (single NAL unit) only when
 *   allowed, mode 2 never;
 * - within a mode, constrained baseline first: profile-level-id 42e0xx, then 42c0xx, then 4200xx,
 *   then other Baseline-family ids, then any other profile; an fmtp without profile-level-id means
 *   Baseline level 1 (RFC 6184 8.1: "42000a");
 * - ties keep the offer's order.
 *
 * Audio follows our preference list (default Opus 48000/2, then PCMA, PCMU at 8000); static payload
 * types 0 and 8 count without an rtpmap (RFC 3551 6). telephone-event is taken at the audio codec's
 * clock rate when offered, else at any rate.
 */
import { fmtpParameter } from "./attributes.ts";
import type { SdpFmtp, SdpMediaDescription, SdpRtcpFb, SessionDescription } from "./types.ts";

export const NO_COMMON_CODECS = "No common codecs";

/** RFC 3551 table 4/5 entries that Transpond may meet without an rtpmap. */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<number, { encoding: string; clockRate: number; channels?: number }>> = {
  0: { encoding: "PCMU", clockRate: 8000, channels: 1 },
  3: { encoding: "GSM", clockRate: 8000, channels: 1 },
  4: { encoding: "G723", clockRate: 8000, channels: 1 },
  8: { encoding: "PCMA", clockRate: 8000, channels: 1 },
  9: { encoding: "G722", clockRate: 8000, channels: 1 },
  13: { encoding: "CN", clockRate: 8000, channels: 1 },
  18: { encoding: "G729", clockRate: 8000, channels: 1 },
  34: { encoding: "H263", clockRate: 90000 },
};

/** One codec of one m= section, with everything the offer says about its payload type. */
export interface CodecChoice {
  readonly payloadType: number;
  /** the encoding name as the offer spells it (e.g. "opus", "PCMA", "H264") */
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
  readonly fmtp?: SdpFmtp;
  /** rtcp-fb lines for this payload type and for "*" */
  readonly rtcpFbs: readonly SdpRtcpFb[];
  /** index of the m= section in the description */
  readonly mediaIndex: number;
}

export interface H264Choice extends CodecChoice {
  readonly packetizationMode: 0 | 1;
  /** six hex digits, lower case */
  readonly profileLevelId: string;
}

export type AudioCodecName = "opus" | "PCMA" | "PCMU";

export type CodecResult<T> = { readonly codec: T; readonly reason?: undefined } | { readonly codec: null; readonly reason: string };

export interface CodecPreferences {
  /** audio codecs in order of preference (default opus, PCMA, PCMU) */
  readonly audio?: readonly AudioCodecName[];
  /** accept H.264 packetization-mode=0 when no mode 1 is offered (default true) */
  readonly allowH264Mode0?: boolean;
}

export interface CodecSelection {
  /** present when video was asked for: the H.264 choice or the reason there is none */
  readonly video?: CodecResult<H264Choice>;
  readonly audio?: CodecResult<CodecChoice>;
  readonly telephoneEvent?: CodecChoice;
}

/** Every codec an m= section offers, in the order of its format list. */
export function offeredCodecs(media: SdpMediaDescription, mediaIndex = 0): CodecChoice[] {
  const out: CodecChoice[] = [];
  for (const format of media.formats) {
    if (!/^\d{1,3}$/.test(format)) continue;
    const payloadType = Number(format);
    const rtpmap = media.rtpmaps.find((r) => r.payloadType === payloadType);
    const known = rtpmap ?? STATIC_PAYLOAD_TYPES[payloadType];
    if (!known) continue;
    const fmtp = media.fmtps.find((f) => f.format === format);
    const channels = known.channels ?? (media.media === "audio" ? 1 : undefined);
    out.push({
      payloadType,
      encoding: known.encoding,
      clockRate: known.clockRate,
      ...(channels !== undefined ? { channels } : {}),
      ...(fmtp ? { fmtp } : {}),
      rtcpFbs: media.rtcpFbs.filter((fb) => fb.format === format || fb.format === "*"),
      mediaIndex,
    });
  }
  return out;
}

/** packetization-mode and profile-level-id of an H.264 codec (RFC 6184 8.1 defaults). */
export function h264Parameters(codec: CodecChoice): { packetizationMode: number; profileLevelId: string } {
  const mode = fmtpParameter(codec.fmtp, "packetization-mode");
  const id = fmtpParameter(codec.fmtp, "profile-level-id");
  return {
    packetizationMode: mode === undefined ? 0 : Number(mode),
    profileLevelId: id !== undefined && /^[0-9a-fA-F]{6}$/.test(id) ? id.toLowerCase() : "42000a",
  };
}

/** Lower is better: constrained baseline, then the other baseline flavours, then the rest. */
export function profileRank(profileLevelId: string): number {
  const profileIop = profileLevelId.slice(0, 4);
  if (profileIop === "42e0") return 0;
  if (profileIop === "42c0") return 1;
  if (profileIop === "4200") return 2;
  if (profileIop.startsWith("42")) return 3;
  return 4;
}

function activeSection(offer: SessionDescription, medium: "audio" | "video"): number {
  return offer.media.findIndex((m) => m.media === medium && m.port !== 0 && /RTP/.test(m.proto));
}

/** The H.264 codec to answer with, from the first active video section. */
export function selectVideoCodec(offer: SessionDescription, preferences: CodecPreferences = {}): CodecResult<H264Choice> {
  const index = activeSection(offer, "video");
  if (index < 0) return { codec: null, reason: NO_COMMON_CODECS };
  const allowMode0 = preferences.allowH264Mode0 ?? true;
  const candidates = offeredCodecs(offer.media[index]!, index)
    .filter((c) => c.encoding.toUpperCase() === "H264" && c.clockRate === 90000)
    .map((c, order) => ({ c, order, ...h264Parameters(c) }))
    .filter((x) => x.packetizationMode === 1 || (x.packetizationMode === 0 && allowMode0));
  candidates.sort((a, b) => b.packetizationMode - a.packetizationMode || profileRank(a.profileLevelId) - profileRank(b.profileLevelId) || a.order - b.order);
  const best = candidates[0];
  if (!best) return { codec: null, reason: NO_COMMON_CODECS };
  return { codec: { ...best.c, packetizationMode: best.packetizationMode as 0 | 1, profileLevelId: best.profileLevelId } };
}

function matchesAudio(codec: CodecChoice, name: AudioCodecName): boolean {
  const encoding = codec.encoding.toLowerCase();
  if (name === "opus") return encoding === "opus" && codec.clockRate === 48000 && (codec.channels ?? 1) === 2;
  return encoding === name.toLowerCase() && codec.clockRate === 8000;
}

/** The audio codec to answer with, from the first active audio section. */
export function selectAudioCodec(offer: SessionDescription, preferences: CodecPreferences = {}): CodecResult<CodecChoice> {
  const index = activeSection(offer, "audio");
  if (index < 0) return { codec: null, reason: NO_COMMON_CODECS };
  const offered = offeredCodecs(offer.media[index]!, index);
  for (const name of preferences.audio ?? ["opus", "PCMA", "PCMU"]) {
    const codec = offered.find((c) => matchesAudio(c, name));
    if (codec) return { codec };
  }
  return { codec: null, reason: NO_COMMON_CODECS };
}

/** telephone-event of the section `audio` came from, at its clock rate when offered. */
export function selectTelephoneEvent(offer: SessionDescription, audio: CodecChoice): CodecChoice | undefined {
  const events = offeredCodecs(offer.media[audio.mediaIndex]!, audio.mediaIndex).filter((c) => c.encoding.toLowerCase() === "telephone-event");
  return events.find((c) => c.clockRate === audio.clockRate) ?? events[0];
}

/** Codecs for an answer to `offer`, for the media asked for (both by default). */
export function selectCodecs(offer: SessionDescription, wanted: { audio?: boolean; video?: boolean } = {}, preferences: CodecPreferences = {}): CodecSelection {
  const video = (wanted.video ?? true) ? selectVideoCodec(offer, preferences) : undefined;
  const audio = (wanted.audio ?? true) ? selectAudioCodec(offer, preferences) : undefined;
  const telephoneEvent = audio?.codec ? selectTelephoneEvent(offer, audio.codec) : undefined;
  return {
    ...(video ? { video } : {}),
    ...(audio ? { audio } : {}),
    ...(telephoneEvent ? { telephoneEvent } : {}),
  };
}
