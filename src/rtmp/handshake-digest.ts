/**
 * The digest ("Flash Player 9") handshake used by Flash, FMS, FFmpeg and librtmp, as publicly
 * described (rtmpdump's handshake.h, FFmpeg rtmpproto.c):
 *
 * - C1/S1: time (4) | version (4, non-zero) | 1528 bytes with a 32-byte HMAC-SHA256 digest inside.
 *   Scheme 0: digest offset = (sum of bytes 8..11) % 728 + 12.
 *   Scheme 1: digest offset = (sum of bytes 772..775) % 728 + 776.
 *   The digest is HMAC-SHA256 over the other 1504 bytes, keyed with the first 30 bytes of the Flash
 *   Player key ("Genuine Adobe Flash Player 001", C1) or the first 36 of the server key ("Genuine
 *   Adobe Flash Media Server 001", S1).
 * - S2 (C2): 1504 random bytes + HMAC-SHA256(key = HMAC-SHA256(full server (player) key, C1 (S1)
 *   digest), data = the 1504 bytes).
 */
import { createHmac } from "node:crypto";
import { HANDSHAKE_SIZE } from "./limits.ts";

const KEY_TAIL = [
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80,
  0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
];
const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
/** "Genuine Adobe Flash Player 001" + 32 constant bytes (62 bytes). */
export const FLASH_PLAYER_KEY = Uint8Array.from([...ascii("Genuine Adobe Flash Player 001"), ...KEY_TAIL]);
/** "Genuine Adobe Flash Media Server 001" + the same 32 bytes (68 bytes). */
export const FLASH_MEDIA_SERVER_KEY = Uint8Array.from([...ascii("Genuine Adobe Flash Media Server 001"), ...KEY_TAIL]);
export const FP_KEY_PUBLIC = FLASH_PLAYER_KEY.subarray(0, 30);
export const FMS_KEY_PUBLIC = FLASH_MEDIA_SERVER_KEY.subarray(0, 36);

export const DIGEST_SIZE = 32;
export type DigestScheme = 0 | 1;

export function hmacSha256(key: Uint8Array, ...data: Uint8Array[]): Uint8Array {
  const h = createHmac("sha256", key);
  for (const d of data) h.update(d);
  return new Uint8Array(h.digest());
}

/** Where the 32-byte digest sits in a 1536-byte C1/S1 under `scheme`. */
export function digestOffset(block: Uint8Array, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = block[base]! + block[base + 1]! + block[base + 2]! + block[base + 3]!;
  return (sum % 728) + base + 4;
}

/** The digest a block should carry at `offset`: HMAC over the bytes before and after it. */
export function computeDigest(block: Uint8Array, offset: number, key: Uint8Array): Uint8Array {
  return hmacSha256(key, block.subarray(0, offset), block.subarray(offset + DIGEST_SIZE));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Finds a valid digest (scheme 0 first, then 1). Returns undefined when neither validates. */
export function findDigest(block: Uint8Array, key: Uint8Array): { scheme: DigestScheme; digest: Uint8Array } | undefined {
  if (block.length !== HANDSHAKE_SIZE) return undefined;
  for (const scheme of [0, 1] as const) {
    const offset = digestOffset(block, scheme);
    const digest = block.subarray(offset, offset + DIGEST_SIZE);
    if (equal(digest, computeDigest(block, offset, key))) return { scheme, digest };
  }
  return undefined;
}

/** Writes a digest into `block` (1536 bytes, time/version/random already set) under `scheme`. */
export function signBlock(block: Uint8Array, key: Uint8Array, scheme: DigestScheme): Uint8Array {
  const offset = digestOffset(block, scheme);
  const digest = computeDigest(block, offset, key);
  block.set(digest, offset);
  return digest;
}

/** Signs an S2 (or C2) answer to the peer's digest: the last 32 bytes become the signature. */
export function signResponse(block: Uint8Array, fullKey: Uint8Array, peerDigest: Uint8Array): void {
  const tempKey = hmacSha256(fullKey, peerDigest);
  block.set(hmacSha256(tempKey, block.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)), HANDSHAKE_SIZE - DIGEST_SIZE);
}

/** Checks an S2 (or C2) signed for `ourDigest` with `fullKey`. */
export function verifyResponse(block: Uint8Array, fullKey: Uint8Array, ourDigest: Uint8Array): boolean {
  const tempKey = hmacSha256(fullKey, ourDigest);
  return equal(block.subarray(HANDSHAKE_SIZE - DIGEST_SIZE), hmacSha256(tempKey, block.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)));
}
