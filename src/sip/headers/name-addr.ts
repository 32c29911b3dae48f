/**
 * From, To, Contact, Route and Record-Route values (RFC 3261 20.10, 20.20, 20.39, 25.1):
 *
 *   ( name-addr / addr-spec ) *( SEMI generic-param )
 *   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 *
 * In the addr-spec form the parameters after the URI belong to the header, so such a URI may not
 * carry `;` parameters of its own or `?` headers (19.1.1 "not enclosed in angle brackets").
 */
import { ParseError } from "../../errors.ts";
import { SIP_PARSE_ERR } from "../errors.ts";
import { decodeParams, encodeParams, isToken, readQuoted, type Params } from "./params.ts";
import { isAbsoluteUri } from "./uri.ts";

export interface NameAddr {
  readonly displayName?: string;
  /** The URI as written (sip:, sips:, tel:, ...). Use `decodeSipUri` for its parts. */
  readonly uri: string;
  readonly params: Params;
}

export function decodeNameAddr(text: string): NameAddr {
  const code = SIP_PARSE_ERR.NAME_ADDR;
  const value = text.trim();
  let i = 0;
  let displayName: string | undefined;
  if (value[0] === '"') {
    const q = readQuoted(value, 0, code);
    displayName = q.value;
    i = q.end;
    while (value[i] === " " || value[i] === "\t") i++;
    if (value[i] !== "<") throw new ParseError(code, "a quoted display name must be followed by <uri>", i);
  }
  const lt = value.indexOf("<", i);
  if (lt >= 0) {
    if (displayName === undefined) {
      const words = value.slice(0, lt).trim();
      if (words) {
        if (!words.split(/[ \t]+/).every(isToken)) throw new ParseError(code, `display name '${words.slice(0, 40)}' must be tokens or a quoted string`, 0);
        displayName = words;
      }
    }
    const gt = value.indexOf(">", lt);
    if (gt < 0) throw new ParseError(code, "missing '>'", lt);
    const uri = value.slice(lt + 1, gt).trim();
    if (!isAbsoluteUri(uri)) throw new ParseError(code, `bad URI '${uri.slice(0, 40)}'`, lt + 1);
    const params = decodeParams(value.slice(gt + 1), code);
    return { ...(displayName !== undefined ? { displayName } : {}), uri, params };
  }
  if (displayName !== undefined) throw new ParseError(code, "missing '<'", i);
  const semi = value.indexOf(";");
  const uri = (semi >= 0 ? value.slice(0, semi) : value).trim();
  if (!isAbsoluteUri(uri)) throw new ParseError(code, `bad URI '${uri.slice(0, 40)}'`, 0);
  if (uri.includes("?") || uri.includes(",")) throw new ParseError(code, "a URI with headers must be enclosed in <>", 0);
  return { uri, params: semi >= 0 ? decodeParams(value.slice(semi), code) : {} };
}

export function encodeNameAddr(value: NameAddr): string {
  const name = value.displayName !== undefined && value.displayName !== "" ? `"${value.displayName.replace(/(["\\])/g, "\\$1")}" ` : "";
  return `${name}<${value.uri}>${encodeParams(value.params)}`;
}

/** The `tag` parameter of a From or To value, if any. */
export function tagOf(value: NameAddr): string | undefined {
  return value.params.tag ?? undefined;
}
