/**
 * Text and JSON output of `transpond trace`: `formatTrace` prints one line per RTMP message, then
 * the problems; `traceToJson` gives plain JSON (AMF0 wrappers become plain values, bytes hex).
 */
import { Amf0Date, Amf0EcmaArray, Amf0Reference, Amf0TypedObject, Amf0Xml, type Amf0Value } from "../flv/amf0.ts";
import type { MessageBody } from "./messages.ts";
import type { MediaInfo } from "./trace-media.ts";
import type { TraceMessage, TraceResult } from "./trace.ts";

const MAX_VALUE_TEXT = 300;

/** AMF0 value as short JS-like text: strings quoted, objects {k: v}, ECMA arrays ecma{k: v}. */
export function amf0Text(v: Amf0Value): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `[${(v as readonly Amf0Value[]).map(amf0Text).join(", ")}]`;
  if (v instanceof Amf0EcmaArray) return `ecma${props(v.value)}`;
  if (v instanceof Amf0TypedObject) return `${v.className}${props(v.value)}`;
  if (v instanceof Amf0Date) return `Date(${new Date(v.ms).toISOString()})`;
  if (v instanceof Amf0Reference) return `ref#${v.index}`;
  if (v instanceof Amf0Xml) return `xml${JSON.stringify(v.value)}`;
  return props(v as Readonly<Record<string, Amf0Value>>);
}

function props(o: Readonly<Record<string, Amf0Value>>): string {
  return `{${Object.keys(o).map((k) => `${k}: ${amf0Text(o[k])}`).join(", ")}}`;
}

function clip(s: string): string {
  return s.length > MAX_VALUE_TEXT ? `${s.slice(0, MAX_VALUE_TEXT)}...` : s;
}

function controlText(c: MessageBody): string {
  switch (c.type) {
    case "SetChunkSize":
      return String(c.chunkSize);
    case "Abort":
      return `chunk stream ${c.chunkStreamId}`;
    case "Acknowledgement":
      return String(c.sequenceNumber);
    case "WindowAckSize":
      return String(c.size);
    case "SetPeerBandwidth":
      return `${c.size} ${["hard", "soft", "dynamic"][c.limitType] ?? `limit ${c.limitType}`}`;
    case "UserControl":
      return c.event === "Unknown" ? `event ${c.eventType}` : `${c.event} ${"streamId" in c ? c.streamId : c.timestamp}${c.event === "SetBufferLength" ? ` ${c.bufferLength}ms` : ""}`;
    case "Aggregate":
      return `${c.messages.length} messages`;
    default:
      return "";
  }
}

function mediaText(m: MediaInfo): string {
  const parts = [m.codec];
  if (m.sequenceHeader) parts.push("sequence header");
  if (m.endOfSequence) parts.push("end of sequence");
  if (m.key) parts.push("key");
  if (m.avc) parts.push(`profile ${m.avc.profile} level ${m.avc.level}${m.avc.width !== undefined ? ` ${m.avc.width}x${m.avc.height}` : ""}${m.avc.fps !== undefined ? ` ${m.avc.fps}fps` : ""}`);
  if (m.aac) parts.push(`AOT ${m.aac.objectType} ${m.aac.sampleRate}Hz ${m.aac.channels}ch`);
  if (m.sound) parts.push(`${m.sound.sampleRate}Hz ${m.sound.channels}ch${m.sound.frames !== undefined ? ` ${m.sound.frames} frame${m.sound.frames === 1 ? "" : "s"}` : ""}`);
  if (m.compositionTime) parts.push(`cts ${m.compositionTime}`);
  return parts.join(" ");
}

/** One line for a message: frame, time, direction, chunk stream, message stream, timestamp, type, details. */
export function formatMessage(m: TraceMessage): string {
  const head = `#${String(m.frame).padEnd(6)} ${m.time.toFixed(6).padStart(11)} ${m.direction} cs${String(m.chunkStreamId).padEnd(3)} ms${String(m.messageStreamId).padEnd(2)} ts${String(m.timestamp).padEnd(9)} ${m.parent !== undefined ? "  " : ""}${m.type}`;
  let detail = "";
  if (m.values !== undefined) {
    const [first, ...rest] = m.values;
    detail = m.typeId === 20 || m.typeId === 17 ? `${String(first)}(${rest.map(amf0Text).join(", ")})` : m.values.map(amf0Text).join(" ");
  } else if (m.control !== undefined) detail = controlText(m.control);
  else if (m.media !== undefined) detail = mediaText(m.media);
  if (m.error !== undefined) detail += ` ERROR ${m.error}`;
  return `${head} ${clip(detail)}`.trimEnd();
}

/** The whole trace as text: sessions, one line per message, then the problems. */
export function formatTrace(result: TraceResult): string {
  const lines: string[] = [];
  for (const s of result.sessions) {
    const hs = (v: string | undefined, scheme: number | undefined): string => (v === undefined ? "none" : `${v}${scheme !== undefined ? ` digest scheme ${scheme}` : v === "0.0.0.0" ? " simple" : " no valid digest"}`);
    lines.push(`session ${s.index}: ${s.client} -> ${s.server}; C1 ${hs(s.clientVersion, s.clientDigestScheme)}; S1 ${hs(s.serverVersion, s.serverDigestScheme)}`);
    for (const m of result.messages) if (m.session === s.index) lines.push(formatMessage(m));
  }
  if (result.sessions.length === 0) lines.push("no RTMP session found");
  else lines.push(result.problems.length === 0 ? "no problems found" : `${result.problems.length} problem(s):`);
  for (const p of result.problems) {
    lines.push(`  session ${p.session}${p.direction ? ` ${p.direction}` : ""}${p.frame !== undefined ? ` #${p.frame}` : ""}: ${p.code}: ${p.message}`);
  }
  return lines.join("\n");
}

/** Plain JSON-ready data: AMF0 wrappers as plain values, byte arrays as hex. */
export function toPlain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  if (v instanceof Amf0EcmaArray || v instanceof Amf0Xml) return toPlain(v.value);
  if (v instanceof Amf0TypedObject) return { $class: v.className, ...(toPlain(v.value) as object) };
  if (v instanceof Amf0Date) return new Date(v.ms).toISOString();
  if (v instanceof Amf0Reference) return { $ref: v.index };
  if (v === undefined) return null;
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined || k === "value") out[k] = toPlain(x);
    return out;
  }
  return v;
}

/** `transpond trace --json`. */
export function traceToJson(result: TraceResult): string {
  return JSON.stringify(toPlain(result), null, 2);
}
