/**
 * SDP text -> SessionDescription (RFC 8866 section 5; the ABNF in section 9).
 *
 *   session-description = v= o= s= [i=] [u=] *e= *p= [c=] *b= 1*(t= *r=) [z=] [k=] *a= *media-description
 *   media-description   = m= [i=] *c= *b= [k=] *a=
 *
 * Lines end in CRLF; a bare LF is accepted too (RFC 8866 5: "parsers SHOULD be tolerant"), and
 * each line keeps its own ending so serializing gives the same bytes. The order of the optional
 * session lines is not enforced (real offers put them in any order); unknown line types and
 * attributes are kept. Known attributes with a malformed value are a ParseError.
 */
import { ParseError } from "../errors.ts";
import {
  readCandidate,
  readConnection,
  readExtmap,
  readFingerprint,
  readFmtp,
  readGroup,
  readMsid,
  readPtime,
  readRtcp,
  readRtcpFb,
  readRtpmap,
  readSetup,
  readSsrc,
  readSsrcGroup,
} from "./attributes.ts";
import { SDP_ERR } from "./errors.ts";
import { SDP_LIMITS } from "./limits.ts";
import {
  SDP_DIRECTIONS,
  type SdpAttribute,
  type SdpBandwidth,
  type SdpConnection,
  type SdpDirection,
  type SdpLine,
  type SdpMediaDescription,
  type SdpTransportAttributes,
  type SessionDescription,
} from "./types.ts";

interface PositionedLine extends SdpLine {
  readonly offset: number;
}

/**
 * Splits SDP text into lines, each with its own ending. A blank line is folded into the ending of
 * the line before it, so serializing still gives the same bytes (a blank first line is dropped).
 */
export function splitSdpLines(text: string): PositionedLine[] {
  if (text.length > SDP_LIMITS.maxLength) throw new ParseError(SDP_ERR.TOO_LARGE, `SDP of ${text.length} characters exceeds ${SDP_LIMITS.maxLength}`, 0);
  const lines: PositionedLine[] = [];
  const re = /([^\r\n]*)(\r\n|\n|\r(?!\n)|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m.index < text.length) {
    const offset = m.index;
    const body = m[1]!;
    const eol = m[2]!;
    re.lastIndex = offset + body.length + eol.length;
    if (body.trim() === "") {
      // A blank line: keep its ending on the previous line so the bytes still round-trip.
      const last = lines.pop();
      if (last) lines.push({ ...last, eol: last.eol + body + eol });
      continue;
    }
    const line = /^([a-zA-Z])=(.*)$/.exec(body);
    if (!line) throw new ParseError(SDP_ERR.LINE_SYNTAX, `not an SDP line: ${JSON.stringify(body.slice(0, 40))}`, offset);
    lines.push({ type: line[1]!, value: line[2]!, eol, offset });
    if (lines.length > SDP_LIMITS.maxLines) throw new ParseError(SDP_ERR.TOO_LARGE, `SDP has more than ${SDP_LIMITS.maxLines} lines`, offset);
  }
  return lines;
}

/** Parses an SDP body; throws ParseError with an SDP_ERR code. Never changes its input. */
export function parseSdp(text: string): SessionDescription {
  const lines = splitSdpLines(text);
  if (lines.length === 0) throw new ParseError(SDP_ERR.EMPTY, "empty SDP", 0);
  const first = lines[0]!;
  if (first.type !== "v" || first.value.trim() !== "0") throw new ParseError(SDP_ERR.BAD_VERSION, `SDP must start with v=0, not ${first.type}=${first.value}`, first.offset);

  const firstMedia = lines.findIndex((l) => l.type === "m");
  const sessionLines = firstMedia < 0 ? lines : lines.slice(0, firstMedia);
  const sections: PositionedLine[][] = [];
  if (firstMedia >= 0) {
    for (const line of lines.slice(firstMedia)) {
      if (line.type === "m") sections.push([line]);
      else sections[sections.length - 1]!.push(line);
    }
  }

  const origin = sessionLines.find((l) => l.type === "o");
  if (!origin) throw new ParseError(SDP_ERR.MISSING_LINE, "SDP has no o= line", first.offset);
  const originParts = origin.value.trim().split(/\s+/);
  if (originParts.length !== 6) throw new ParseError(SDP_ERR.BAD_ORIGIN, `o= needs 6 fields, has ${originParts.length}`, origin.offset);
  const sessionName = sessionLines.find((l) => l.type === "s");
  if (!sessionName) throw new ParseError(SDP_ERR.MISSING_LINE, "SDP has no s= line", first.offset);

  const common = readCommon(sessionLines);
  const sessionDirection = directionOf(common.attributes);
  const [username, sessionId, sessionVersion, netType, addrType, address] = originParts as [string, string, string, string, string, string];
  const groups = common.positioned.filter((a) => a.name === "group").map((a) => readGroup(a.value, a.offset));
  return {
    lines: strip(sessionLines),
    media: sections.map((section) => readMedia(section, sessionDirection, common.transport)),
    version: 0,
    origin: { username, sessionId, sessionVersion, netType, addrType, address },
    sessionName: sessionName.value,
    ...(common.connection ? { connection: common.connection } : {}),
    bandwidths: common.bandwidths,
    attributes: common.attributes,
    ...(sessionDirection ? { direction: sessionDirection } : {}),
    groups,
    iceLite: common.attributes.some((a) => a.name === "ice-lite"),
    ...common.transport,
  };
}

interface PositionedAttribute extends SdpAttribute {
  readonly offset: number;
}

interface Common {
  readonly positioned: readonly PositionedAttribute[];
  readonly attributes: readonly SdpAttribute[];
  readonly connection: SdpConnection | undefined;
  readonly bandwidths: readonly SdpBandwidth[];
  readonly transport: SdpTransportAttributes;
}

/** c=, b= and a= lines, and the ICE/DTLS attributes, shared by session and media level. */
function readCommon(lines: readonly PositionedLine[]): Common {
  const positioned: PositionedAttribute[] = [];
  let connection: SdpConnection | undefined;
  const bandwidths: SdpBandwidth[] = [];
  for (const line of lines) {
    if (line.type === "a") {
      const colon = line.value.indexOf(":");
      positioned.push(colon < 0
        ? { name: line.value.trim(), value: undefined, offset: line.offset }
        : { name: line.value.slice(0, colon).trim(), value: line.value.slice(colon + 1), offset: line.offset });
    } else if (line.type === "c") {
      const c = readConnection(line.value);
      if (!c) throw new ParseError(SDP_ERR.BAD_CONNECTION, `c= is not "<nettype> <addrtype> <address>": ${JSON.stringify(line.value)}`, line.offset);
      connection ??= c; // several c= lines (multicast layers): the first one is the address to use
    } else if (line.type === "b") {
      const m = /^([\w-]+):(\d{1,10})\s*$/.exec(line.value);
      if (m) bandwidths.push({ type: m[1]!, value: Number(m[2]) });
    }
  }
  const attr = (name: string) => positioned.find((a) => a.name === name);
  const ufrag = attr("ice-ufrag");
  const pwd = attr("ice-pwd");
  const options = attr("ice-options");
  const setup = attr("setup");
  const transport: SdpTransportAttributes = {
    ...(ufrag?.value !== undefined ? { iceUfrag: ufrag.value.trim() } : {}),
    ...(pwd?.value !== undefined ? { icePwd: pwd.value.trim() } : {}),
    ...(options?.value !== undefined ? { iceOptions: options.value.trim().split(/\s+/) } : {}),
    fingerprints: positioned.filter((a) => a.name === "fingerprint").map((a) => readFingerprint(a.value, a.offset)),
    ...(setup ? { setup: readSetup(setup.value, setup.offset) } : {}),
  };
  return { positioned, attributes: positioned.map(({ name, value }) => ({ name, value })), connection, bandwidths, transport };
}

function directionOf(attributes: readonly SdpAttribute[]): SdpDirection | undefined {
  // The last direction attribute wins if a peer sends several.
  let direction: SdpDirection | undefined;
  for (const a of attributes) if (a.value === undefined && SDP_DIRECTIONS.includes(a.name as SdpDirection)) direction = a.name as SdpDirection;
  return direction;
}

function readMedia(section: readonly PositionedLine[], sessionDirection: SdpDirection | undefined, session: SdpTransportAttributes): SdpMediaDescription {
  const mLine = section[0]!;
  const m = /^(\S+) +(\d{1,5})(?:\/(\d{1,5}))? +(\S+)((?: +\S+)*) *$/.exec(mLine.value);
  if (!m || Number(m[2]) > 65535) throw new ParseError(SDP_ERR.BAD_MEDIA, `m= is not "<media> <port> <proto> <fmt> ...": ${JSON.stringify(mLine.value)}`, mLine.offset);
  const common = readCommon(section.slice(1));
  const all = (name: string) => common.positioned.filter((a) => a.name === name);
  const one = (name: string) => common.positioned.find((a) => a.name === name);
  const ptime = one("ptime");
  const maxptime = one("maxptime");
  const mid = one("mid");
  const msid = one("msid");
  const rtcp = one("rtcp");
  return {
    lines: strip(section),
    media: m[1]!,
    port: Number(m[2]),
    ...(m[3] !== undefined ? { portCount: Number(m[3]) } : {}),
    proto: m[4]!,
    formats: m[5]!.trim() === "" ? [] : m[5]!.trim().split(/ +/),
    ...(common.connection ? { connection: common.connection } : {}),
    bandwidths: common.bandwidths,
    attributes: common.attributes,
    rtpmaps: all("rtpmap").map((a) => readRtpmap(a.value, a.offset)),
    fmtps: all("fmtp").map((a) => readFmtp(a.value, a.offset)),
    rtcpFbs: all("rtcp-fb").map((a) => readRtcpFb(a.value, a.offset)),
    extmaps: all("extmap").map((a) => readExtmap(a.value, a.offset)),
    ...(ptime ? { ptime: readPtime("ptime", ptime.value, ptime.offset) } : {}),
    ...(maxptime ? { maxptime: readPtime("maxptime", maxptime.value, maxptime.offset) } : {}),
    direction: directionOf(common.attributes) ?? sessionDirection ?? "sendrecv",
    ...(mid?.value !== undefined ? { mid: mid.value.trim() } : {}),
    ...(msid ? { msid: readMsid(msid.value, msid.offset) } : {}),
    ssrcs: all("ssrc").map((a) => readSsrc(a.value, a.offset)),
    ssrcGroups: all("ssrc-group").map((a) => readSsrcGroup(a.value, a.offset)),
    candidates: all("candidate").map((a) => readCandidate(a.value, a.offset)),
    endOfCandidates: one("end-of-candidates") !== undefined,
    rtcpMux: one("rtcp-mux") !== undefined,
    ...(rtcp ? { rtcp: readRtcp(rtcp.value, rtcp.offset) } : {}),
    // ICE and DTLS attributes of the section, else the session's (RFC 8839 5.4, RFC 8842 5.2).
    ...session,
    ...common.transport,
    fingerprints: common.transport.fingerprints.length > 0 ? common.transport.fingerprints : session.fingerprints,
  };
}

function strip(lines: readonly PositionedLine[]): SdpLine[] {
  return lines.map(({ type, value, eol }) => ({ type, value, eol }));
}
