/**
 * SessionDescription -> SDP text. Only `lines` are written: a parsed description comes back byte
 * for byte, and the typed fields are views that never drift from the text.
 */
import { parseSdp } from "./parse.ts";
import type { SdpLine, SessionDescription } from "./types.ts";

export function serializeSdp(sdp: { readonly lines: readonly SdpLine[]; readonly media: readonly { readonly lines: readonly SdpLine[] }[] }): string {
  let out = "";
  for (const line of sdp.lines) out += `${line.type}=${line.value}${line.eol}`;
  for (const media of sdp.media) for (const line of media.lines) out += `${line.type}=${line.value}${line.eol}`;
  return out;
}

/** `[type, value]` pairs as lines ending in CRLF (RFC 8866 5). */
export function sdpLines(pairs: readonly (readonly [string, string])[]): SdpLine[] {
  return pairs.map(([type, value]) => ({ type, value, eol: "\r\n" }));
}

/**
 * Builds a description from session-level `[type, value]` pairs and one pair list per media
 * section (each starting with its m= line), and parses it, so built and received SDP share one
 * typed view and one set of checks.
 */
export function buildSdp(session: readonly (readonly [string, string])[], media: readonly (readonly (readonly [string, string])[])[]): SessionDescription {
  return parseSdp(serializeSdp({ lines: sdpLines(session), media: media.map((m) => ({ lines: sdpLines(m) })) }));
}
