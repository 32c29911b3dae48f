/**
 * Content-Type (RFC 3261 20.15): `type/subtype *( ; parameter )`, e.g. `application/sdp`.
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import { decodeParams, type Params } from "./params.ts";

export interface ContentType {
  /** Lower-cased `type/subtype`. */
  readonly mediaType: string;
  readonly params: Params;
}

export function decodeContentType(text: string): ContentType {
  const semi = text.indexOf(";");
  const media = (semi >= 0 ? text.slice(0, semi) : text).trim();
  if (!/^[A-Za-z0-9\-.!%*_+`'~]+\s*\/\s*[A-Za-z0-9\-.!%*_+`'~]+$/.test(media)) throw new ParseError(SIP_PARSE_ERR.CONTENT_TYPE, `bad media type '${media.slice(0, 40)}'`, 0);
  return { mediaType: media.replace(/\s+/g, "").toLowerCase(), params: semi >= 0 ? decodeParams(text.slice(semi), SIP_PARSE_ERR.CONTENT_TYPE) : {} };
}
