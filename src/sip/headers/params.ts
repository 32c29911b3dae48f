/**
 * Generic parameters (RFC 3261 25.1 `generic-param`): `;name=value`, `;flag`, values as tokens,
 * hosts or quoted strings. Names are lower-cased; quoted values keep their quotes off and escapes
 * resolved. Used by Via, name-addr, Content-Type and URIs.
 */
import { ParseError } from "../../errors.ts";

export type Params = Readonly<Record<string, string | null>>;

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** Reads a quoted string starting at `text[start] === '"'`; returns the unescaped value and the index after the closing quote. */
export function readQuoted(text: string, start: number, code: string): { value: string; end: number } {
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      if (i + 1 >= text.length) break;
      value += text[++i];
    } else if (ch === '"') return { value, end: i + 1 };
    else value += ch;
  }
  throw new ParseError(code, "unterminated quoted string", start);
}

/**
 * Parses `;a=1 ; b="x;y" ;c` (the leading separator included) from `text`. `separator` is `;` for
 * header and URI parameters. Throws ParseError(code) on an empty or non-token name.
 */
export function decodeParams(text: string, code: string, separator = ";"): Params {
  const params: Record<string, string | null> = {};
  let i = 0;
  const skipWs = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  };
  skipWs();
  while (i < text.length) {
    if (text[i] !== separator) throw new ParseError(code, `expected '${separator}' before a parameter`, i);
    i++;
    skipWs();
    let nameEnd = i;
    while (nameEnd < text.length && !"=; \t,".includes(text[nameEnd]) && text[nameEnd] !== separator) nameEnd++;
    const name = text.slice(i, nameEnd);
    if (!name || !/^[A-Za-z0-9\-.!%*_+`'~\[\]:/&$]+$/.test(name)) throw new ParseError(code, `bad parameter name '${name}'`, i);
    i = nameEnd;
    skipWs();
    let value: string | null = null;
    if (text[i] === "=") {
      i++;
      skipWs();
      if (text[i] === '"') {
        const q = readQuoted(text, i, code);
        value = q.value;
        i = q.end;
      } else {
        let end = i;
        while (end < text.length && text[end] !== separator && text[end] !== " " && text[end] !== "\t") end++;
        value = text.slice(i, end);
        if (!value) throw new ParseError(code, `empty value of parameter '${name}'`, i);
        i = end;
      }
      skipWs();
    }
    params[name.toLowerCase()] = value;
  }
  return params;
}

/** `{branch: "z9", rport: null}` -> `;branch=z9;rport`; values that are not tokens are quoted. */
export function encodeParams(params: Params, separator = ";"): string {
  let out = "";
  for (const [name, value] of Object.entries(params)) {
    if (value === null) out += `${separator}${name}`;
    else if (/^[A-Za-z0-9\-.!%*_+`'~:\[\]]*$/.test(value) && value !== "") out += `${separator}${name}=${value}`;
    else out += `${separator}${name}="${value.replace(/(["\\])/g, "\\$1")}"`;
  }
  return out;
}
