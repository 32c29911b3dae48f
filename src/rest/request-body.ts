/**
 * Reading REST request bodies. Every failure is a RestError BAD_REQUEST (a 400) with a message naming
 * the field, as WCS clients expect a 400 that says what was wrong.
 */
import { RestError, REST_ERR } from "./errors.ts";

export type JsonObject = Record<string, unknown>;

export function parseJsonBody(text: string): JsonObject {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RestError(REST_ERR.BAD_REQUEST, `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RestError(REST_ERR.BAD_REQUEST, "request body must be a JSON object");
  }
  refuseControlCharacters(value, "", 0);
  return value as JsonObject;
}

/** C0 controls (CR, LF, NUL, TAB, ...), DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_DEPTH = 16;

/**
 * No REST field has a use for control characters, and several end up in SIP headers, RTMP
 * commands, URLs and log lines, where a CR/LF would add a line. Refused here, where every body is
 * read, so no route can forget it; the 400 names the field (`options.soundFile`, `custom[0]`).
 */
function refuseControlCharacters(value: object, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new RestError(REST_ERR.BAD_REQUEST, `request body is nested deeper than ${MAX_DEPTH} levels`);
  for (const [key, item] of Object.entries(value)) {
    const field = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (CONTROL.test(key)) throw new RestError(REST_ERR.BAD_REQUEST, `field name ${JSON.stringify(field)} must not contain control characters`);
    if (typeof item === "string" && CONTROL.test(item)) throw new RestError(REST_ERR.BAD_REQUEST, `${field} must not contain control characters (CR, LF, NUL, ...)`);
    if (typeof item === "object" && item !== null) refuseControlCharacters(item, field, depth + 1);
  }
}

export function requireString(body: JsonObject, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === "") throw new RestError(REST_ERR.BAD_REQUEST, `${field} is required`);
  if (typeof value !== "string") throw new RestError(REST_ERR.BAD_REQUEST, `${field} must be a string`);
  return value;
}

export function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new RestError(REST_ERR.BAD_REQUEST, `${field} must be a string`);
  return value;
}

/** Accepts true/false and the strings "true"/"false", as the WCS examples send them. */
export function optionalBoolean(body: JsonObject, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new RestError(REST_ERR.BAD_REQUEST, `${field} must be true or false`);
}

/** Accepts numbers and numeric strings ("5060"), within `min..max`. */
export function optionalInteger(body: JsonObject, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new RestError(REST_ERR.BAD_REQUEST, `${field} must be a whole number`);
  if (n < min || n > max) throw new RestError(REST_ERR.BAD_REQUEST, `${field} must be between ${min} and ${max}`);
  return n;
}

export function optionalObject(body: JsonObject, field: string): JsonObject | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw new RestError(REST_ERR.BAD_REQUEST, `${field} must be an object`);
  return value as JsonObject;
}
