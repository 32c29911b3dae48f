/**
 * Names and ids every protocol shares: the one stream name limit (WCS's WebSocket API has it; RTMP,
 * SIP and REST use the same) and opaque random ids in the style of WCS mediaSessionIds.
 */
import { randomBytes } from "node:crypto";

export const MAX_STREAM_NAME_LENGTH = 256;

/** An opaque, URL-safe id in the style of WCS mediaSessionIds. */
export function newSessionId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps the digits uniform.
  const out: string[] = [];
  while (out.length < 26) {
    for (const byte of randomBytes(32)) if (byte < 252 && out.length < 26) out.push(alphabet[byte % 36]!);
  }
  return out.join("");
}
