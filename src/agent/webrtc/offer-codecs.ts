/**
 * Codec choice for a browser's offer, done by narrowing the offer before werift answers it (werift
 * keeps every remote codec whose MIME type it knows, in the remote order, so what is left in the
 * offer is what the answer lists, first choice first):
 *
 * - video: H.264 with packetization-mode=1 only, constrained baseline (profile-level-id 42e0xx)
 *   first, then baseline (4200xx), then the other profiles; everything else goes;
 * - audio: Opus, or for a player (`audioPreference`) the first of its list the offer has, alone:
 *   PCMA or PCMU (8 kHz) first when the stream's audio is that G.711, so it passes untranscoded;
 *   for a publisher, the G.711 its offer lists first (another server relaying a SIP call's audio),
 *   else Opus.
 *
 * A video section without such an H.264, or an audio section without any of those, is `No common
 * codecs`.
 *
 * The codecs are read with src/sdp; the narrowed offer is written on the offer's own lines (RFC 8866
 * 5.14, 6.6), touching nothing but the m= format lists and the a=rtpmap / a=fmtp / a=rtcp-fb lines of
 * dropped payload types, so werift sees the browser's text otherwise unchanged. One more cut: the
 * a=ssrc lines of a section that sends nothing (recvonly, inactive). werift registers such an SSRC
 * as a receiver of ours, and routes an RTCP PLI by its sender SSRC first: a viewer that announces the
 * SSRC it sends RTCP from (werift as offerer does, Chromium does not) would have every PLI handed to
 * that receiver, which ignores it, instead of to our video sender.
 */
import type { AudioConfig } from "../../codecs/frame.ts";
import { ParseError } from "../../errors.ts";
import { h264Parameters, NO_COMMON_CODECS, offeredCodecs, profileRank, type CodecChoice } from "../../sdp/codecs.ts";
import { parseSdp } from "../../sdp/parse.ts";
import type { SessionDescription } from "../../sdp/types.ts";
import { AgentError, MEDIA_ERR } from "../errors.ts";

/** Audio codecs the server can send or take, by SDP encoding name. */
export type AudioChoice = "opus" | "PCMA" | "PCMU";

export interface OfferCodecs {
  /** the offer with only the chosen codecs left, best first */
  readonly sdp: string;
  readonly video: boolean;
  readonly audio: boolean;
  /** the audio codec the answer will use (the first one left) */
  readonly audioCodec?: AudioChoice;
}

const AUDIO_CLOCK: Readonly<Record<AudioChoice, number>> = { opus: 48000, PCMA: 8000, PCMU: 8000 };
const G711: readonly AudioChoice[] = ["PCMA", "PCMU"];

/** The track config of the audio RTP carries for a choice: G.711 8 kHz mono, Opus 48 kHz stereo. */
export function audioChoiceConfig(choice: AudioChoice): AudioConfig {
  return choice === "opus" ? { codec: "OPUS", sampleRate: 48000, channels: 2 } : { codec: choice, sampleRate: 8000, channels: 1 };
}

/**
 * The audio codec an SDP lists first (in an answer the one chosen, in an offer the offerer's first
 * choice): PCMA or PCMU at 8 kHz, else Opus; undefined without a live audio section. Throws
 * ParseError for text that is not SDP.
 */
export function firstAudioChoice(sdp: string): AudioChoice | undefined {
  const description = parseSdp(sdp);
  const index = description.media.findIndex((m) => m.media === "audio" && m.port !== 0);
  if (index < 0) return undefined;
  const first = offeredCodecs(description.media[index]!, index)[0];
  return G711.find((law) => law === first?.encoding.toUpperCase() && first.clockRate === AUDIO_CLOCK[law]) ?? "opus";
}

/**
 * The audio a publisher's offer is answered with: the G.711 it lists first (another server relaying
 * a SIP call's audio untranscoded), else undefined: Opus only, as browsers list Opus first.
 */
export function publisherAudioPreference(offer: string): AudioChoice[] | undefined {
  let first: AudioChoice | undefined;
  try {
    first = firstAudioChoice(offer);
  } catch (err) {
    if (err instanceof ParseError) return undefined; // selectOfferCodecs says what is wrong with it
    throw err;
  }
  return first && first !== "opus" ? [first, "opus"] : undefined;
}

interface Section {
  kind: string;
  mLine: string[];
  lines: string[];
}

/** A malformed offer is a ParseError, an offer without our codecs an AgentError. */
function fail(code: string, message: string): never {
  throw code === MEDIA_ERR.BAD_SDP ? new ParseError(code, message) : new AgentError(code, message);
}

/** Lower is better; undefined means not usable. */
function videoRank(codec: CodecChoice): number | undefined {
  if (codec.encoding.toLowerCase() !== "h264" || codec.clockRate !== 90000) return undefined;
  const { packetizationMode, profileLevelId } = h264Parameters(codec);
  return packetizationMode === 1 ? profileRank(profileLevelId) : undefined;
}

function audioRanker(preference: readonly AudioChoice[]): (codec: CodecChoice) => number | undefined {
  return (codec) => {
    const rank = preference.findIndex((p) => p.toLowerCase() === codec.encoding.toLowerCase() && AUDIO_CLOCK[p] === codec.clockRate);
    return rank < 0 ? undefined : rank;
  };
}

function parsed(offer: string): SessionDescription {
  try {
    return parseSdp(offer);
  } catch (err) {
    if (err instanceof ParseError) fail(MEDIA_ERR.BAD_SDP, `the offer is not valid SDP: ${err.message}`);
    throw err;
  }
}

/**
 * Narrows `offer` to H.264 pm=1 and Opus (or, given `audioPreference`, to the single first audio
 * codec of that list the offer has). Throws MEDIA_ERR.BAD_SDP or MEDIA_ERR.NO_COMMON_CODECS.
 */
export function selectOfferCodecs(offer: string, audioPreference?: readonly AudioChoice[]): OfferCodecs {
  const audioRank = audioRanker(audioPreference ?? ["opus"]);
  const lines = offer.split(/\r?\n/).filter((l) => l !== "");
  if (lines[0] !== "v=0") fail(MEDIA_ERR.BAD_SDP, "the offer is not SDP (no v=0 first line)");
  const session: string[] = [];
  const sections: Section[] = [];
  for (const line of lines) {
    if (!/^[a-z]=/.test(line)) fail(MEDIA_ERR.BAD_SDP, `the offer has a line that is not SDP: ${line.slice(0, 40)}`);
    if (line.startsWith("m=")) {
      const mLine = line.slice(2).split(" ");
      if (mLine.length < 4) fail(MEDIA_ERR.BAD_SDP, `bad m= line: ${line.slice(0, 60)}`);
      sections.push({ kind: mLine[0]!, mLine, lines: [] });
    } else if (sections.length > 0) sections[sections.length - 1]!.lines.push(line);
    else session.push(line);
  }
  if (sections.length === 0) fail(MEDIA_ERR.BAD_SDP, "the offer has no media sections");
  const description = parsed(offer);

  let video = false;
  let audio = false;
  let audioCodec: AudioChoice | undefined;
  const out = [...session];
  for (const [index, section] of sections.entries()) {
    const rank = section.kind === "video" ? videoRank : section.kind === "audio" ? audioRank : undefined;
    const port = section.mLine[1];
    if (!rank || port === "0") {
      out.push(`m=${section.mLine.join(" ")}`, ...section.lines);
      continue;
    }
    const media = description.media[index]!;
    // the payload type as the offer spells it, so the a= lines below still match
    const spelled = new Map(media.formats.map((f) => [Number(f), f]));
    const ranked = offeredCodecs(media, index)
      .map((codec, order) => ({ pt: spelled.get(codec.payloadType)!, order, rank: rank(codec) }))
      .filter((x): x is { pt: string; order: number; rank: number } => x.rank !== undefined)
      .sort((a, b) => a.rank - b.rank || a.order - b.order);
    if (ranked.length === 0) {
      const missing = section.kind === "video" ? "H.264 with packetization-mode=1" : audioPreference ? audioPreference.join(" or ") : "Opus";
      fail(MEDIA_ERR.NO_COMMON_CODECS, `${NO_COMMON_CODECS}: the offer has no ${missing}`);
    }
    let chosen = ranked.map((x) => x.pt);
    if (section.kind === "video") video = true;
    else {
      audio = true;
      audioCodec = (audioPreference ?? ["opus"])[ranked[0]!.rank];
      if (audioPreference) chosen = chosen.slice(0, 1);
    }
    const keep = new Set(chosen);
    const sendsNothing = section.lines.some((l) => l === "a=recvonly" || l === "a=inactive");
    out.push(`m=${[...section.mLine.slice(0, 3), ...chosen].join(" ")}`);
    for (const line of section.lines) {
      const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+|\*)[ ]/.exec(line);
      if (m && m[1] !== "*" && !keep.has(m[1]!)) continue;
      if (sendsNothing && /^a=ssrc(?:-group)?:/.test(line)) continue;
      out.push(line);
    }
  }
  return { sdp: out.join("\r\n") + "\r\n", video, audio, ...(audioCodec ? { audioCodec } : {}) };
}
