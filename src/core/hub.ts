/**
 * The stream hub: unique stream names, lookup, and publish/unpublish notifications for the parts
 * that react to them (auto-start transponders, REST hooks, WebSocket status events).
 */
import { randomBytes } from "node:crypto";
import { TranspondError } from "../errors.ts";
import type { MediaSource } from "./media-sink.ts";
import { Stream } from "./stream.ts";

export class StreamNameInUseError extends TranspondError {
  constructor(name: string) {
    super("ERR_STREAM_NAME_IN_USE", `Stream name is already in use: ${name}`);
  }
}

/** One limit for stream names on every protocol (WebSocket, RTMP, SIP, REST), as WCS's WebSocket API has it. */
export const MAX_STREAM_NAME_LENGTH = 256;

/** A name no stream may have: empty, longer than MAX_STREAM_NAME_LENGTH, or with control characters. */
export class StreamNameError extends TranspondError {
  constructor(message: string) {
    super("ERR_STREAM_NAME", message);
  }
}

export function checkStreamName(name: string): void {
  if (name.trim() === "") throw new StreamNameError("the stream name is empty");
  if (name.length > MAX_STREAM_NAME_LENGTH) throw new StreamNameError(`the stream name is longer than ${MAX_STREAM_NAME_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new StreamNameError("the stream name holds control characters");
}

export interface HubListener {
  published?(stream: Stream): void;
  unpublished?(stream: Stream, reason: string): void;
}

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

export class StreamHub {
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Set<HubListener>();

  listen(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(name: string, source: MediaSource, mediaSessionId = newSessionId()): Stream {
    checkStreamName(name);
    if (this.streams.has(name)) throw new StreamNameInUseError(name);
    const stream = new Stream({ name, mediaSessionId, source: source.kind, createdAt: Date.now() }, source);
    this.streams.set(name, stream);
    for (const l of this.listeners) l.published?.(stream);
    return stream;
  }

  /** Removes a stream. `stopSource` is true when the stream is terminated from outside (REST). */
  unpublish(stream: Stream, reason: string, stopSource = false): void {
    if (this.streams.get(stream.name) !== stream) return;
    this.streams.delete(stream.name);
    stream.end(reason, stopSource);
    for (const l of this.listeners) l.unpublished?.(stream, reason);
  }

  get(name: string): Stream | undefined {
    return this.streams.get(name);
  }

  findBySessionId(mediaSessionId: string): Stream | undefined {
    return [...this.streams.values()].find((s) => s.info.mediaSessionId === mediaSessionId);
  }

  all(): Stream[] {
    return [...this.streams.values()];
  }

  /** Ends every stream (server shutdown). */
  close(reason: string): void {
    for (const stream of this.all()) this.unpublish(stream, reason, true);
  }
}
