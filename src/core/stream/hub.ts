/**
 * The stream hub: unique stream names, lookup, and publish/unpublish notifications for the parts
 * that react to them (auto-start transponders, REST hooks, WebSocket status events).
 */
import { CORE_ERR, CoreError } from "../errors.ts";
import { MAX_STREAM_NAME_LENGTH, newSessionId } from "../../names.ts";
import type { MediaSource } from "./media-sink.ts";
import { emptyMediaTotals, Stream, type MediaTotals } from "./stream.ts";

export class StreamNameInUseError extends CoreError {
  constructor(name: string) {
    super(CORE_ERR.STREAM_NAME_IN_USE, `Stream name is already in use: ${name}`);
  }
}

/** A name no stream may have: empty, longer than MAX_STREAM_NAME_LENGTH, or with control characters. */
export class StreamNameError extends CoreError {
  constructor(message: string) {
    super(CORE_ERR.STREAM_NAME, message);
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

/** Brings a stream that lives elsewhere (another node of the cluster) here; undefined: it is nowhere. */
export type RemoteStreamResolver = (name: string) => Promise<Stream | undefined>;

export class StreamHub {
  private readonly streams = new Map<string, Stream>();
  private readonly listeners = new Set<HubListener>();
  /** frames and bytes every stream of this hub took in and handed out, since the hub was made */
  readonly totals: MediaTotals = emptyMediaTotals();
  private remote?: RemoteStreamResolver;

  listen(listener: HubListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(name: string, source: MediaSource, mediaSessionId = newSessionId()): Stream {
    checkStreamName(name);
    if (this.streams.has(name)) throw new StreamNameInUseError(name);
    const info = { name, mediaSessionId, source: source.kind, createdAt: Date.now(), ...(source.rtmpApp !== undefined ? { rtmpApp: source.rtmpApp } : {}) };
    const stream = new Stream(info, source, this.totals);
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

  /** Players of a missing stream ask here: a cluster node then pulls it from the node that has it. */
  setRemoteResolver(resolver: RemoteStreamResolver | undefined): void {
    this.remote = resolver;
  }

  /** The stream, brought here from another node first when it lives there (see setRemoteResolver). */
  async resolve(name: string): Promise<Stream | undefined> {
    const here = this.streams.get(name);
    if (here || !this.remote) return here;
    return this.remote(name).catch(() => undefined);
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
