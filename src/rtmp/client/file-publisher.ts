/**
 * `transpond publish FILE.flv URL [--loop]`: sends an FLV file through the RtmpPublisher at real-time
 * pace, the way people check an ingest server without ffmpeg. Tags go out as they are in the file;
 * onMetaData is sent as @setDataFrame; with `loop` the timestamps keep growing across repeats.
 */
import { openSync, readSync, closeSync } from "node:fs";
import { FlvReader, type FlvReaderOutput } from "../../flv/file-reader.ts";
import { decodeScriptData } from "../../flv/metadata.ts";
import { TAG_TYPE } from "../../flv/tag.ts";
import { Amf0EcmaArray } from "../../flv/amf0.ts";
import { CSID } from "../session/connection.ts";
import type { RtmpPublisher } from "./publisher.ts";

export interface FilePublishOptions {
  readonly loop?: boolean;
  /** stops publishing when aborted */
  readonly signal?: AbortSignal;
  /** socket buffer above which sending waits for drain */
  readonly highWaterBytes?: number;
  readonly now?: () => number;
}

export interface FilePublishResult {
  tags: number;
  loops: number;
  lastTimestamp: number;
}

const READ_SIZE = 64 * 1024;
/** the gap put between the last tag of one pass and the first of the next */
const LOOP_GAP_MS = 40;

function* readTags(path: string): Generator<Extract<FlvReaderOutput, { type: "tag" }>> {
  const fd = openSync(path, "r");
  try {
    const reader = new FlvReader();
    for (;;) {
      // a fresh buffer each read: the reader keeps views of a tag that spans two reads
      const buffer = Buffer.allocUnsafe(READ_SIZE);
      const n = readSync(fd, buffer, 0, READ_SIZE, null);
      if (n === 0) return;
      for (const out of reader.push(buffer.subarray(0, n))) if (out.type === "tag") yield out;
    }
  } finally {
    closeSync(fd);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener("abort", wake, { once: true });
  });
}

/** Publishes `path` through an already started publisher; returns when the file (or the loop) ends. */
export async function publishFlvFile(publisher: RtmpPublisher, path: string, options: FilePublishOptions = {}): Promise<FilePublishResult> {
  const result: FilePublishResult = { tags: 0, loops: 0, lastTimestamp: 0 };
  let closed: string | undefined;
  const stopWatching = publisher.on("close", ({ reason }) => (closed = reason));
  try {
    await sendPasses(publisher, path, options, result, () => closed !== undefined);
  } finally {
    stopWatching();
  }
  if (closed !== undefined) throw new Error(`the server closed the connection: ${closed}`);
  return result;
}

/** Sends the file once, or again and again with `loop`, until the end, an abort or `isClosed()`. */
async function sendPasses(publisher: RtmpPublisher, path: string, options: FilePublishOptions, result: FilePublishResult, isClosed: () => boolean): Promise<void> {
  const now = options.now ?? (() => performance.now());
  const highWater = options.highWaterBytes ?? 1024 * 1024;
  const startWall = now();
  let offset = 0;
  do {
    let first: number | undefined;
    let last = 0;
    for (const tag of readTags(path)) {
      if (options.signal?.aborted || isClosed()) break;
      const ts = tag.header.timestamp;
      first ??= ts;
      last = ts;
      const timestamp = offset + ts - first;
      const ahead = startWall + timestamp - now();
      if (ahead > 5) await sleep(ahead, options.signal);
      while (publisher.bufferedBytes > highWater && !isClosed() && !options.signal?.aborted) await sleep(10, options.signal);
      sendFileTag(publisher, tag.header.tagType, tag.data, timestamp);
      result.tags++;
      result.lastTimestamp = timestamp;
    }
    offset += last - (first ?? 0) + LOOP_GAP_MS;
    result.loops++;
  } while (options.loop && !options.signal?.aborted && !isClosed());
}

function sendFileTag(publisher: RtmpPublisher, tagType: number, data: Uint8Array, timestamp: number): void {
  if (tagType === TAG_TYPE.AUDIO || tagType === TAG_TYPE.VIDEO) return publisher.sendTag({ tagType, timestamp, data }, timestamp);
  if (tagType !== TAG_TYPE.SCRIPT) return;
  const script = decodeScriptData(data);
  if (script.type === "metadata") publisher.sendData(["@setDataFrame", "onMetaData", new Amf0EcmaArray({ ...script.properties })], CSID.data);
}
