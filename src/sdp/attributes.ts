/**
 * Typed readers for the SDP attributes Transpond uses. Each takes the attribute value (after
 * "name:") and the offset of its line, and throws `ParseError` with `SDP_ERR.BAD_ATTRIBUTE` (or
 * `BAD_CANDIDATE`) when the value does not have the grammar of its RFC.
 */
import { ParseError } from "../errors.ts";
import { SDP_ERR } from "./errors.ts";
import {
  SDP_DIRECTIONS,
  type SdpCandidate,
  type SdpConnection,
  type SdpDirection,
  type SdpExtmap,
  type SdpFingerprint,
  type SdpFmtp,
  type SdpGroup,
  type SdpMsid,
  type SdpRtcp,
  type SdpRtcpFb,
  type SdpRtpmap,
  type SdpSetup,
  type SdpSsrc,
  type SdpSsrcGroup,
} from "./types.ts";

function bad(name: string, value: string | undefined, offset: number): ParseError {
  return new ParseError(SDP_ERR.BAD_ATTRIBUTE, `a=${name}: malformed value ${JSON.stringify(value ?? "")}`, offset);
}

function required(name: string, value: string | undefined, offset: number): string {
  if (value === undefined || value.trim() === "") throw bad(name, value, offset);
  return value.trim();
}

function tokens(value: string): string[] {
  return value.trim().split(/\s+/).filter((t) => t !== "");
}

const UINT = /^\d{1,10}$/;

function uint(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !UINT.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** c= value, also used by a=rtcp. */
export function readConnection(value: string): SdpConnection | undefined {
  const parts = tokens(value);
  if (parts.length !== 3) return undefined;
  const [netType, addrType, full] = parts as [string, string, string];
  const [address, second, third] = full.split("/");
  if (!address) return undefined;
  const connection: SdpConnection = { netType, addrType, address };
  if (second === undefined) return connection;
  // IP4 multicast: addr/ttl[/count]; IP6 multicast: addr/count
  const a = uint(second, 0xffffffff);
  const b = third === undefined ? undefined : uint(third, 0xffffffff);
  if (a === undefined || (third !== undefined && b === undefined)) return undefined;
  if (addrType === "IP6") return { ...connection, count: a };
  return b === undefined ? { ...connection, ttl: a } : { ...connection, ttl: a, count: b };
}

export function readRtpmap(value: string | undefined, offset: number): SdpRtpmap {
  const m = /^(\d{1,3}) +([^/\s]+)\/(\d{1,10})(?:\/(\d{1,3}))?$/.exec(required("rtpmap", value, offset));
  if (!m || Number(m[1]) > 127) throw bad("rtpmap", value, offset);
  const rtpmap: SdpRtpmap = { payloadType: Number(m[1]), encoding: m[2]!, clockRate: Number(m[3]) };
  return m[4] === undefined ? rtpmap : { ...rtpmap, channels: Number(m[4]) };
}

export function readFmtp(value: string | undefined, offset: number): SdpFmtp {
  const m = /^(\S+)(?: +(.*))?$/.exec(required("fmtp", value, offset));
  if (!m) throw bad("fmtp", value, offset);
  const config = m[2] ?? "";
  const parameters = config
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? { name: p, value: undefined } : { name: p.slice(0, eq).trim(), value: p.slice(eq + 1).trim() };
    });
  return { format: m[1]!, config, parameters };
}

/** The value of one fmtp parameter, by case-insensitive name. */
export function fmtpParameter(fmtp: SdpFmtp | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return fmtp?.parameters.find((p) => p.name.toLowerCase() === lower)?.value;
}

export function readRtcpFb(value: string | undefined, offset: number): SdpRtcpFb {
  const parts = tokens(required("rtcp-fb", value, offset));
  if (parts.length < 2) throw bad("rtcp-fb", value, offset);
  const fb: SdpRtcpFb = { format: parts[0]!, type: parts[1]! };
  return parts.length > 2 ? { ...fb, subtype: parts.slice(2).join(" ") } : fb;
}

export function readExtmap(value: string | undefined, offset: number): SdpExtmap {
  const m = /^(\d{1,5})(?:\/(\w+))? +(\S+)(?: +(.*))?$/.exec(required("extmap", value, offset));
  if (!m) throw bad("extmap", value, offset);
  const direction = m[2];
  if (direction !== undefined && !SDP_DIRECTIONS.includes(direction as SdpDirection)) throw bad("extmap", value, offset);
  return {
    id: Number(m[1]),
    uri: m[3]!,
    ...(direction !== undefined ? { direction: direction as SdpDirection } : {}),
    ...(m[4] !== undefined ? { attributes: m[4] } : {}),
  };
}

export function readPtime(name: string, value: string | undefined, offset: number): number {
  const text = required(name, value, offset);
  if (!/^\d+(\.\d+)?$/.test(text)) throw bad(name, value, offset);
  return Number(text);
}

export function readSsrc(value: string | undefined, offset: number): SdpSsrc {
  const m = /^(\d{1,10}) +([^:\s]+)(?::(.*))?$/.exec(required("ssrc", value, offset));
  if (!m || Number(m[1]) > 0xffffffff) throw bad("ssrc", value, offset);
  const ssrc: SdpSsrc = { ssrc: Number(m[1]), attribute: m[2]! };
  return m[3] === undefined ? ssrc : { ...ssrc, value: m[3] };
}

export function readSsrcGroup(value: string | undefined, offset: number): SdpSsrcGroup {
  const [semantics, ...rest] = tokens(required("ssrc-group", value, offset));
  const ssrcs = rest.map((s) => uint(s, 0xffffffff));
  if (!semantics || ssrcs.some((s) => s === undefined)) throw bad("ssrc-group", value, offset);
  return { semantics, ssrcs: ssrcs as number[] };
}

export function readGroup(value: string | undefined, offset: number): SdpGroup {
  const [semantics, ...mids] = tokens(required("group", value, offset));
  return { semantics: semantics!, mids };
}

export function readMsid(value: string | undefined, offset: number): SdpMsid {
  const parts = tokens(required("msid", value, offset));
  if (parts.length > 2) throw bad("msid", value, offset);
  return parts[1] === undefined ? { stream: parts[0]! } : { stream: parts[0]!, track: parts[1] };
}

export function readFingerprint(value: string | undefined, offset: number): SdpFingerprint {
  const parts = tokens(required("fingerprint", value, offset));
  if (parts.length !== 2 || !/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$/.test(parts[1]!)) throw bad("fingerprint", value, offset);
  return { algorithm: parts[0]!.toLowerCase(), value: parts[1]! };
}

export function readSetup(value: string | undefined, offset: number): SdpSetup {
  const text = required("setup", value, offset);
  if (text !== "actpass" && text !== "active" && text !== "passive" && text !== "holdconn") throw bad("setup", value, offset);
  return text;
}

export function readRtcp(value: string | undefined, offset: number): SdpRtcp {
  const m = /^(\d{1,5})(?: +(.*))?$/.exec(required("rtcp", value, offset));
  const port = uint(m?.[1], 65535);
  if (!m || port === undefined) throw bad("rtcp", value, offset);
  if (m[2] === undefined) return { port };
  const connection = readConnection(m[2]);
  if (!connection) throw bad("rtcp", value, offset);
  return { port, connection };
}

/** a=candidate value (also accepts the "candidate:" prefix browsers put in RTCIceCandidate strings). */
export function readCandidate(value: string | undefined, offset: number): SdpCandidate {
  const text = (value ?? "").trim().replace(/^candidate:/, "");
  const parts = tokens(text);
  const fail = () => new ParseError(SDP_ERR.BAD_CANDIDATE, `a=candidate: malformed value ${JSON.stringify(value ?? "")}`, offset);
  if (parts.length < 8 || parts[6] !== "typ" || parts.length % 2 !== 0) throw fail();
  const component = uint(parts[1], 256);
  const priority = uint(parts[3], 0xffffffff);
  const port = uint(parts[5], 65535);
  if (component === undefined || priority === undefined || port === undefined || !/^[A-Za-z0-9+/]{1,32}$/.test(parts[0]!)) throw fail();
  let relatedAddress: string | undefined;
  let relatedPort: number | undefined;
  const extensions: { name: string; value: string }[] = [];
  for (let i = 8; i < parts.length; i += 2) {
    const name = parts[i]!;
    const v = parts[i + 1]!;
    if (name === "raddr") relatedAddress = v;
    else if (name === "rport") {
      relatedPort = uint(v, 65535);
      if (relatedPort === undefined) throw fail();
    } else extensions.push({ name, value: v });
  }
  return {
    foundation: parts[0]!,
    component,
    transport: parts[2]!,
    priority,
    address: parts[4]!,
    port,
    type: parts[7]!,
    ...(relatedAddress !== undefined ? { relatedAddress } : {}),
    ...(relatedPort !== undefined ? { relatedPort } : {}),
    extensions,
  };
}

/** The value of a=candidate for a candidate (the inverse of readCandidate). */
export function writeCandidate(c: SdpCandidate): string {
  let s = `${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  if (c.relatedAddress !== undefined) s += ` raddr ${c.relatedAddress}`;
  if (c.relatedPort !== undefined) s += ` rport ${c.relatedPort}`;
  for (const e of c.extensions) s += ` ${e.name} ${e.value}`;
  return s;
}
