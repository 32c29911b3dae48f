/**
 * `application/media_control+xml` (RFC 5168 3), the SIP INFO body that asks for a video keyframe:
 *
 *   <media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>
 *
 * Built and parsed with fast-xml-parser; a body that cannot be read is a ParseError SIP_PARSE_ERR.MEDIA_CONTROL.
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";

export const MEDIA_CONTROL_TYPE = "application/media_control+xml";

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
    throw new ParseError(SIP_PARSE_ERR.MEDIA_CONTROL, `media_control body is not well-formed XML: ${(err as Error).message}`, 0);
  }
  const root = field(doc, "media_control");
  if (root === undefined) throw new ParseError(SIP_PARSE_ERR.MEDIA_CONTROL, "media_control body has no <media_control> root", 0);
  const primitives = Array.isArray(field(root, "vc_primitive")) ? (field(root, "vc_primitive") as unknown[]) : [field(root, "vc_primitive")];
  const pictureFastUpdate = primitives.some((p) => field(field(p, "to_encoder"), "picture_fast_update") !== undefined);
  const generalError = field(root, "general_error");
  return { pictureFastUpdate, ...(typeof generalError === "string" ? { generalError } : {}) };
}

function field(value: unknown, name: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as Record<string, unknown>)[name];
}
