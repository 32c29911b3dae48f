/**
 * The RTMP handshake (RTMP spec 1.0, section 5.2) as two pure state machines fed bytes.
 *
 *   client                         server
 *   C0 (version 3) + C1 (1536)  ->
 *                               <- S0 (3) + S1 (1536) + S2 (1536)
 *   C2 (1536)                   ->
 *
 * C1/S1 = time (4) | version or zero (4) | random (1528). A zero version is the "simple" handshake
 * of the spec: S2 echoes C1 (as nginx-rtmp does) and C2 echoes S1. A non-zero version announces the
 * digest handshake of Flash and FFmpeg (handshake-digest.ts): the server validates the C1 digest
 * (scheme 0 or 1), answers with a signed S1 and an S2 signed for the client's digest so Flash-era
 * clients accept it. A non-zero version without a valid digest falls back to the simple answer.
 *
 * `push(bytes)` returns what to send, whether the handshake is done, and the bytes that followed it
 * (the first chunks), which belong to the chunk reader.
 */
import { randomBytes } from "node:crypto";
import { ParseError } from "../errors.ts";
import { concatBytes } from "../codecs/bytes.ts";
import { ByteQueue } from "../codecs/byte-queue.ts";
import { RTMP_ERR } from "./errors.ts";
import {
  findDigest,
  FLASH_MEDIA_SERVER_KEY,
  FMS_KEY_PUBLIC,
  FP_KEY_PUBLIC,
  signBlock,
  signResponse,
  verifyResponse,
  type DigestScheme,
} from "./handshake-digest.ts";
import { HANDSHAKE_SIZE } from "./limits.ts";

export const RTMP_VERSION = 3;

export interface HandshakeStep {
  /** bytes to write to the peer now (may be empty) */
  readonly send: Uint8Array;
  readonly done: boolean;
  /** bytes received after the handshake: feed them to the ChunkReader */
  readonly rest: Uint8Array;
}

export interface HandshakeOptions {
  /** random source (tests inject a seeded one) */
  readonly random?: (n: number) => Uint8Array;
  /** ms clock for the time field */
  readonly now?: () => number;
}

const EMPTY = new Uint8Array(0);

function checkVersion(version: number, who: string): void {
  if (version === RTMP_VERSION) return;
  if (version === 6 || version === 8) {
    throw new ParseError(RTMP_ERR.HANDSHAKE_ENCRYPTED, `${who} version ${version} asks for RTMPE (encrypted RTMP), which is not supported`, 0);
  }
  // The byte is not echoed: a transponder's lastError must not read out another service's first byte.
  throw new ParseError(RTMP_ERR.HANDSHAKE_VERSION, `${who} is not RTMP version 3: not an RTMP ${who.startsWith("S") ? "server" : "client"}`, 0);
}

function block(opts: HandshakeOptions, version: readonly number[]): Uint8Array {
  const b = new Uint8Array(HANDSHAKE_SIZE);
  b.set((opts.random ?? ((n: number) => new Uint8Array(randomBytes(n))))(HANDSHAKE_SIZE - 8), 8);
  const t = (opts.now ?? Date.now)() >>> 0;
  b.set([(t >>> 24) & 0xff, (t >>> 16) & 0xff, (t >>> 8) & 0xff, t & 0xff, ...version], 0);
  return b;
}

/** Server side: waits for C0+C1, answers S0+S1+S2, then waits for C2. */
export class HandshakeServer {
  private readonly queue = new ByteQueue();
  private state: "c0" | "c1" | "c2" | "done" = "c0";
  /** the client's C1 version field (0 for a simple handshake) */
  clientVersion: readonly number[] = [];
  /** the digest scheme the client's C1 validated with; undefined for a simple handshake */
  clientDigestScheme: DigestScheme | undefined;
  /** the version field put into a digest S1 (nginx-rtmp and FMS send a non-zero one) */
  static readonly SERVER_VERSION = [4, 5, 0, 1] as const;

  constructor(private readonly options: HandshakeOptions = {}) {}

  get done(): boolean {
    return this.state === "done";
  }

  push(bytes: Uint8Array): HandshakeStep {
    if (this.state === "done") return { send: EMPTY, done: true, rest: bytes };
    this.queue.push(bytes);
    let send: Uint8Array = EMPTY;
    if (this.state === "c0" && this.queue.length >= 1) {
      checkVersion(this.queue.consume(1)[0]!, "C0");
      this.state = "c1";
    }
    if (this.state === "c1" && this.queue.length >= HANDSHAKE_SIZE) {
      send = this.answer(this.queue.consume(HANDSHAKE_SIZE).slice());
      this.state = "c2";
    }
    if (this.state === "c2" && this.queue.length >= HANDSHAKE_SIZE) {
      this.queue.skip(HANDSHAKE_SIZE); // C2 is not checked: FFmpeg's and OBS's differ, nginx ignores it
      this.state = "done";
      return { send, done: true, rest: this.queue.drain() };
    }
    return { send, done: false, rest: EMPTY };
  }

  private answer(c1: Uint8Array): Uint8Array {
    this.clientVersion = [...c1.subarray(4, 8)];
    const digest = this.clientVersion.some((v) => v !== 0) ? findDigest(c1, FP_KEY_PUBLIC) : undefined;
    if (digest === undefined) {
      const s1 = block(this.options, [0, 0, 0, 0]);
      return concatBytes([Uint8Array.of(RTMP_VERSION), s1, c1]);
    }
    this.clientDigestScheme = digest.scheme;
    const s1 = block(this.options, HandshakeServer.SERVER_VERSION);
    signBlock(s1, FMS_KEY_PUBLIC, digest.scheme);
    const s2 = block(this.options, [0, 0, 0, 0]);
    signResponse(s2, FLASH_MEDIA_SERVER_KEY, digest.digest);
    return concatBytes([Uint8Array.of(RTMP_VERSION), s1, s2]);
  }
}

export interface HandshakeClientOptions extends HandshakeOptions {
  /** send a digest C1 (as FFmpeg and Flash do; some servers want it); default true */
  readonly digest?: boolean;
  /** C1 version field for a digest C1; default 9.0.124.2 (what FFmpeg sends) */
  readonly version?: readonly [number, number, number, number];
}

/** Client side: `start()` gives C0+C1; after S0+S1 it sends C2 (an echo of S1); done after S2. */
export class HandshakeClient {
  private readonly queue = new ByteQueue();
  private state: "start" | "s0" | "s1" | "s2" | "done" = "start";
  private c1Digest: Uint8Array | undefined;
  /** the scheme the server's S1 validated with; undefined for a simple S1 */
  serverDigestScheme: DigestScheme | undefined;
  /** whether S2 was signed for our digest (informational: many servers just echo C1) */
  serverS2Signed = false;

  constructor(private readonly options: HandshakeClientOptions = {}) {}

  get done(): boolean {
    return this.state === "done";
  }

  start(): Uint8Array {
    if (this.state !== "start") throw new RangeError("HandshakeClient.start() called twice");
    this.state = "s0";
    const digest = this.options.digest ?? true;
    const c1 = block(this.options, digest ? (this.options.version ?? [9, 0, 124, 2]) : [0, 0, 0, 0]);
    if (digest) this.c1Digest = signBlock(c1, FP_KEY_PUBLIC, 0).slice();
    return concatBytes([Uint8Array.of(RTMP_VERSION), c1]);
  }

  push(bytes: Uint8Array): HandshakeStep {
    if (this.state === "start") throw new RangeError("HandshakeClient.push() before start()");
    if (this.state === "done") return { send: EMPTY, done: true, rest: bytes };
    this.queue.push(bytes);
    let send: Uint8Array = EMPTY;
    if (this.state === "s0" && this.queue.length >= 1) {
      checkVersion(this.queue.consume(1)[0]!, "S0");
      this.state = "s1";
    }
    if (this.state === "s1" && this.queue.length >= HANDSHAKE_SIZE) {
      const s1 = this.queue.consume(HANDSHAKE_SIZE).slice();
      if (s1.subarray(4, 8).some((v) => v !== 0)) this.serverDigestScheme = findDigest(s1, FMS_KEY_PUBLIC)?.scheme;
      send = s1; // C2 = echo of S1
      this.state = "s2";
    }
    if (this.state === "s2" && this.queue.length >= HANDSHAKE_SIZE) {
      const s2 = this.queue.consume(HANDSHAKE_SIZE);
      this.serverS2Signed = this.c1Digest !== undefined && verifyResponse(s2, FLASH_MEDIA_SERVER_KEY, this.c1Digest);
      this.state = "done";
      return { send, done: true, rest: this.queue.drain() };
    }
    return { send, done: false, rest: EMPTY };
  }
}
