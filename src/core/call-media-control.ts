/**
 * The SIP INFO bodies a call sends and reads besides SDP:
 *
 * - `application/media_control+xml` (RFC 5168 3): a video keyframe request.
 *     <media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>
 *   Built and parsed with fast-xml-parser.
 * - `application/dtmf-relay` (the de-facto format of Cisco and most PBXs): `Signal=5\r\nDuration=160\r\n`,
 *   the duration in ms.
 *
 * Pure functions; parse failures are ParseErrors with a stable code.
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { ParseError } from "../errors.ts";

export const MEDIA_CONTROL_TYPE = "application/media_control+xml";
export const DTMF_RELAY_TYPE = "application/dtmf-relay";

export const MEDIA_CONTROL_ERROR = {
  XML: "ERR_MEDIA_CONTROL_XML",
  DTMF_RELAY: "ERR_DTMF_RELAY",
} as const;

/** What a media_control body asks for (only picture_fast_update is defined by RFC 5168). */
export interface MediaControl {
  readonly pictureFastUpdate: boolean;
  /** RFC 5168 general_error text, when the body carries one */
  readonly generalError?: string;
}

const builder = new XMLBuilder({ ignoreAttributes: true, format: true, suppressEmptyNode: true });
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, allowBooleanAttributes: true });

export function encodePictureFastUpdate(): string {
  const body = builder.build({ media_control: { vc_primitive: { to_encoder: { picture_fast_update: "" } } } }) as string;
  return `<?xml version="1.0" encoding="utf-8" ?>\n${body}`;
}

export function decodeMediaControl(xml: string): MediaControl {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (err) {
    throw new ParseError(MEDIA_CONTROL_ERROR.XML, `media_control body is not well-formed XML: ${(err as Error).message}`, 0);
  }
  const root = field(doc, "media_control");
  if (root === undefined) throw new ParseError(MEDIA_CONTROL_ERROR.XML, "media_control body has no <media_control> root", 0);
  const primitives = Array.isArray(field(root, "vc_primitive")) ? (field(root, "vc_primitive") as unknown[]) : [field(root, "vc_primitive")];
  const pictureFastUpdate = primitives.some((p) => field(field(p, "to_encoder"), "picture_fast_update") !== undefined);
  const generalError = field(root, "general_error");
  return { pictureFastUpdate, ...(typeof generalError === "string" ? { generalError } : {}) };
}

function field(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as Record<string, unknown>)[name];
}

export interface DtmfRelay {
  readonly signal: string;
  readonly durationMs: number;
}

export function encodeDtmfRelay(relay: DtmfRelay): string {
  return `Signal=${relay.signal}\r\nDuration=${Math.round(relay.durationMs)}\r\n`;
}

export function decodeDtmfRelay(body: string): DtmfRelay {
  const values = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const signal = values.get("signal");
  if (!signal || !/^[0-9*#A-Da-d]$/.test(signal)) throw new ParseError(MEDIA_CONTROL_ERROR.DTMF_RELAY, `dtmf-relay Signal ${JSON.stringify(signal ?? "")} is not a DTMF digit`, 0);
  const duration = Number(values.get("duration") ?? "250");
  if (!Number.isFinite(duration) || duration < 0) throw new ParseError(MEDIA_CONTROL_ERROR.DTMF_RELAY, `dtmf-relay Duration ${values.get("duration")} is not a number of ms`, 0);
  return { signal: signal.toUpperCase(), durationMs: duration };
}
