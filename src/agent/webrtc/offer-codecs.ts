/**
 * Codec choice for a browser's offer, done by narrowing the offer before werift answers it (werift
 * keeps every remote codec whose MIME type it knows, in the remote order, so what is left in the
 * offer is what the answer lists, first choice first):
 *
 * - video: H.264 with packetization-mode=1 only, constrained baseline (profile-level-id 42e0xx)
 *   first, then baseline (4200xx), then the other profiles; everything else goes;
 * - audio: Opus only.
 *
 * A video section without such an H.264, or an audio section without Opus, is `No common codecs`.
 *
 * This works on the lines of the offer (RFC 8866 5.14, 6.6; RFC 6184 8.1) and touches nothing but the
 * m= format lists and the a=rtpmap / a=fmtp / a=rtcp-fb lines of dropped payload types; when the
 * project's src/sdp codec selection lands it should replace this file.
 */
import { ParseError, TranspondError } from "../../errors.ts";
import { MEDIA_ERR } from "../signaling/media-engine.ts";

export interface OfferCodecs {
  /** the offer with only the chosen codecs left, best first */
  readonly sdp: string;
  readonly video: boolean;
  readonly audio: boolean;
}

interface Section {
  kind: string;
  mLine: string[];
  lines: string[];
}

interface Format {
  pt: string;
  name: string;
  clockRate: number;
  fmtp: Map<string, string>;
}

/** A malformed offer is a ParseError, an offer without our codecs a TranspondError. */
function fail(code: string, message: string): never {
  throw code === MEDIA_ERR.BAD_SDP ? new ParseError(code, message) : new TranspondError(code, message);
}

function formatsOf(section: Section): Format[] {
  const pts = section.mLine.slice(3);
  const byPt = new Map<string, Format>(pts.map((pt) => [pt, { pt, name: "", clockRate: 0, fmtp: new Map() }]));
  for (const line of section.lines) {
    let m = /^a=rtpmap:(\d+) ([^/\s]+)\/(\d+)/.exec(line);
    if (m) {
      const f = byPt.get(m[1]!);
      if (f) Object.assign(f, { name: m[2]!.toLowerCase(), clockRate: Number(m[3]) });
      continue;
    }
    m = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (m) {
      const f = byPt.get(m[1]!);
      if (f) for (const kv of m[2]!.split(";")) {
        const [k, v = ""] = kv.split("=");
        if (k) f.fmtp.set(k.trim().toLowerCase(), v.trim().toLowerCase());
      }
    }
  }
  return [...byPt.values()];
}

/** Lower is better; undefined means not usable. */
function videoRank(f: Format): number | undefined {
  if (f.name !== "h264" || f.clockRate !== 90000) return undefined;
  if ((f.fmtp.get("packetization-mode") ?? "0") !== "1") return undefined;
  const profile = f.fmtp.get("profile-level-id") ?? "42e01f";
  if (profile.startsWith("42e0")) return 0;
  if (profile.startsWith("42")) return 1;
  return 2;
}

function audioRank(f: Format): number | undefined {
  return f.name === "opus" && f.clockRate === 48000 ? 0 : undefined;
}

/** Narrows `offer` to H.264 pm=1 and Opus. Throws MEDIA_ERR.BAD_SDP or MEDIA_ERR.NO_COMMON_CODECS. */
export function selectOfferCodecs(offer: string): OfferCodecs {
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

  let video = false;
  let audio = false;
  const out = [...session];
  for (const section of sections) {
    const rank = section.kind === "video" ? videoRank : section.kind === "audio" ? audioRank : undefined;
    const port = section.mLine[1];
    if (!rank || port === "0") {
      out.push(`m=${section.mLine.join(" ")}`, ...section.lines);
      continue;
    }
    const chosen = formatsOf(section)
      .map((f, i) => ({ f, i, r: rank(f) }))
      .filter((x): x is { f: Format; i: number; r: number } => x.r !== undefined)
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.f.pt);
    if (chosen.length === 0) {
      fail(MEDIA_ERR.NO_COMMON_CODECS, section.kind === "video" ? "the offer has no H.264 with packetization-mode=1" : "the offer has no Opus");
    }
    if (section.kind === "video") video = true;
    else audio = true;
    const keep = new Set(chosen);
    out.push(`m=${[...section.mLine.slice(0, 3), ...chosen].join(" ")}`);
    for (const line of section.lines) {
      const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+|\*)[ ]/.exec(line);
      if (m && m[1] !== "*" && !keep.has(m[1]!)) continue;
      out.push(line);
    }
  }
  return { sdp: out.join("\r\n") + "\r\n", video, audio };
}
