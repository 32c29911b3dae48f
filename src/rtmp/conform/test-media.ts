/**
 * The media a conformance run publishes: FLV audio/video tag bodies built here, so the CLI needs no
 * file. The AVC sequence header carries a real SPS/PPS (x264, baseline, 64x64) that servers which
 * parse it (nginx-rtmp's codec module) accept; frames are AVCC slices with a deterministic, distinct
 * body each, so what a player receives can be compared byte for byte by hash.
 */
import { createHash } from "node:crypto";

export type TagKind = "audio" | "video";

export interface MediaTag {
  readonly kind: TagKind;
  /** ms */
  readonly timestamp: number;
  readonly data: Uint8Array;
}

const SPS = Uint8Array.from([0x67, 0x42, 0xc0, 0x0a, 0xd9, 0x04, 0x26, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x48, 0x99, 0x20]);
const PPS = Uint8Array.from([0x68, 0xcb, 0x83, 0xcb, 0x20]);

/** FLV video tag body: AVC sequence header (AVCDecoderConfigurationRecord). */
export function avcSequenceHeader(): Uint8Array {
  return Uint8Array.from([
    0x17, 0x00, 0x00, 0x00, 0x00,
    0x01, SPS[1]!, SPS[2]!, SPS[3]!, 0xff, 0xe1, 0x00, SPS.length, ...SPS,
    0x01, 0x00, PPS.length, ...PPS,
  ]);
}

/** FLV audio tag body: AAC-LC 44.1 kHz stereo AudioSpecificConfig. */
export function aacSequenceHeader(): Uint8Array {
  return Uint8Array.of(0xaf, 0x00, 0x12, 0x10);
}

/** Deterministic filler: byte i of frame `seed` (never 0, so no start-code look-alikes). */
function filler(out: Uint8Array, from: number, seed: number): void {
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = from; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = ((x >>> 0) % 255) + 1;
  }
}

/** An AVC NALU frame (IDR slice when `key`) of `size` bytes in total, unique for `seed`. */
export function videoFrame(key: boolean, seed: number, size = 600): Uint8Array {
  const out = new Uint8Array(Math.max(size, 12));
  const nal = out.length - 9;
  out.set([key ? 0x17 : 0x27, 0x01, 0, 0, 0, (nal >>> 24) & 0xff, (nal >>> 16) & 0xff, (nal >>> 8) & 0xff, nal & 0xff, key ? 0x65 : 0x41, 0x88], 0);
  filler(out, 11, seed);
  return out;
}

/** An AAC raw frame tag body, unique for `seed`. */
export function audioFrame(seed: number, size = 120): Uint8Array {
  const out = new Uint8Array(size);
  out.set([0xaf, 0x01], 0);
  filler(out, 2, seed + 0x10000);
  return out;
}

export interface GopOptions {
  /** video frames per GOP (the first is a keyframe) */
  readonly gopFrames?: number;
  readonly gops?: number;
  /** first timestamp (ms) */
  readonly start?: number;
  /** with an AAC frame after each video frame */
  readonly audio?: boolean;
  /** seed offset, so two runs in one scenario publish different bytes */
  readonly seed?: number;
}

/** Sequence headers, then `gops` GOPs at 25 fps (40 ms), with audio when asked. */
export function gopTags(options: GopOptions = {}): MediaTag[] {
  const { gopFrames = 10, gops = 2, start = 0, audio = true, seed = 0 } = options;
  const tags: MediaTag[] = [{ kind: "video", timestamp: start, data: avcSequenceHeader() }];
  if (audio) tags.push({ kind: "audio", timestamp: start, data: aacSequenceHeader() });
  for (let i = 0; i < gopFrames * gops; i++) {
    const ts = (start + i * 40) >>> 0;
    tags.push({ kind: "video", timestamp: ts, data: videoFrame(i % gopFrames === 0, seed + i) });
    if (audio) tags.push({ kind: "audio", timestamp: ts, data: audioFrame(seed + i) });
  }
  return tags;
}

export function isKeyframe(data: Uint8Array): boolean {
  return data[0]! >> 4 === 1;
}

export function isSequenceHeader(kind: TagKind, data: Uint8Array): boolean {
  return data.length > 1 && data[1] === 0 && (kind === "video" ? (data[0]! & 0x0f) === 7 : data[0]! >> 4 === 10);
}

/** First 16 hex digits of the SHA-256 of a frame: what the play scenarios compare. */
export function frameHash(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex").slice(0, 16);
}
