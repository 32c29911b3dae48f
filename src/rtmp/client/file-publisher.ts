/**
 * `transpond publish FILE.flv URL [--loop]`: sends an FLV file through the RtmpPublisher at real-time
 * pace, the way people check an ingest server without ffmpeg. Tags go out as they are in the file;
 * onMetaData is sent as @setDataFrame; with `loop` the timestamps keep growing across repeats.
 */
import { openSync, readSync, closeSync } from "node:fs";
import { errorMessage } from "../../errors.ts";
import { FlvReader, type FlvReaderOutput } from "../../flv/file-reader.ts";
import { decodeScriptData } from "../../flv/metadata.ts";
import { decodeFlvHeader, decodeTagHeader, FLV_HEADER_SIZE, PREVIOUS_TAG_SIZE_SIZE, TAG_HEADER_SIZE, TAG_TYPE } from "../../flv/tag.ts";
import { Amf0EcmaArray } from "../../flv/amf0.ts";
import { AAC_PACKET_TYPE, SOUND_FORMAT } from "../../flv/audio-tag.ts";
import { AVC_PACKET_TYPE, VIDEO_CODEC_ID } from "../../flv/video-tag.ts";
import { CSID } from "../session/connection.ts";
import { PUBLISH_ERR, RtmpPublishError } from "./errors.ts";
import type { RtmpPublisher } from "./publisher.ts";

export interface FilePublishOptions {
  readonly loop?: boolean;
  /** stops publishing when aborted */
  readonly signal?: AbortSignal;
  /** socket buffer above which sending waits for drain */
  readonly highWaterBytes?: number;
  readonly now?: () => number;
  /** called after every tag sent, with the running totals */
  readonly onProgress?: (sent: Readonly<FilePublishResult>) => void;
}

export interface FilePublishResult {
  /** tags sent, script data included */
  tags: number;
  /** audio and video frames sent (AVC and AAC sequence headers are not frames) */
  frames: number;
  /** FLV tag bodies sent */
  bytes: number;
  loops: number;
  /** RTMP timestamp of the last tag sent: the media time sent, as the timeline starts at 0 */
  lastTimestamp: number;
}

export interface FlvFileInfo {
  /** from the first to the last audio or video timestamp */
  readonly durationMs: number;
  readonly mediaTags: number;
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

/**
 * Reads the tag headers of `path`, seeking over the bodies, so that a file that is missing,
 * unreadable or no FLV is refused before anything connects (no empty recording on the server).
 * A truncated last tag is not an error: the sender stops before it too.
 */
export function inspectFlvFile(path: string): FlvFileInfo {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(FLV_HEADER_SIZE);
    const got = readSync(fd, head, 0, FLV_HEADER_SIZE, 0);
    let position: number;
    try {
      position = decodeFlvHeader(head.subarray(0, got)).dataOffset + PREVIOUS_TAG_SIZE_SIZE;
    } catch (err) {
      const signed = head[0] === 0x46 && head[1] === 0x4c && head[2] === 0x56;
      throw new RtmpPublishError(PUBLISH_ERR.FILE, signed ? `damaged FLV header: ${errorMessage(err)}` : "not an FLV file (it does not start with 'FLV')", false);
    }
    const tagHeader = Buffer.alloc(TAG_HEADER_SIZE);
    let first: number | undefined;
    let last = 0;
    let mediaTags = 0;
    while (readSync(fd, tagHeader, 0, TAG_HEADER_SIZE, position) === TAG_HEADER_SIZE) {
      const tag = decodeTagHeader(tagHeader);
      if (tag.tagType !== TAG_TYPE.AUDIO && tag.tagType !== TAG_TYPE.VIDEO && tag.tagType !== TAG_TYPE.SCRIPT) {
        throw new RtmpPublishError(PUBLISH_ERR.FILE, `damaged FLV file: tag type ${tag.tagType} at byte ${position}`, false);
      }
      if (tag.tagType !== TAG_TYPE.SCRIPT) {
        first ??= tag.timestamp;
        last = Math.max(last, tag.timestamp);
        mediaTags++;
      }
      position += TAG_HEADER_SIZE + tag.dataSize + PREVIOUS_TAG_SIZE_SIZE;
    }
    if (first === undefined) throw new RtmpPublishError(PUBLISH_ERR.FILE, "the FLV file has no audio or video tags", false);
    return { durationMs: last - first, mediaTags };
  } finally {
    closeSync(fd);
  }
}

/** Publishes `path` through an already started publisher; returns when the file (or the loop) ends. */
export async function publishFlvFile(publisher: RtmpPublisher, path: string, options: FilePublishOptions = {}): Promise<FilePublishResult> {
  const result: FilePublishResult = { tags: 0, frames: 0, bytes: 0, loops: 0, lastTimestamp: 0 };
  let closed: string | undefined;
  const stopWatching = publisher.on("close", ({ reason }) => (closed = reason));
  try {
    await sendPasses(publisher, path, options, result, () => closed !== undefined);
  } finally {
    stopWatching();
  }
  if (closed !== undefined) throw new RtmpPublishError(PUBLISH_ERR.CLOSED, closed, true);
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
      result.bytes += tag.data.length;
      if (isFrame(tag.header.tagType, tag.data)) result.frames++;
      result.lastTimestamp = timestamp;
      options.onProgress?.(result);
    }
    offset += last - (first ?? 0) + LOOP_GAP_MS;
    result.loops++;
  } while (options.loop && !options.signal?.aborted && !isClosed());
}

/** An audio or video tag that carries a frame: not an AVC or AAC sequence header, not an AVC end of sequence. */
function isFrame(tagType: number, data: Uint8Array): boolean {
  if (tagType === TAG_TYPE.VIDEO) return (data[0]! & 0x0f) !== VIDEO_CODEC_ID.AVC || data[1] === AVC_PACKET_TYPE.NALU;
  if (tagType === TAG_TYPE.AUDIO) return !(data[0]! >> 4 === SOUND_FORMAT.AAC && data[1] === AAC_PACKET_TYPE.SEQUENCE_HEADER);
  return false;
}

function sendFileTag(publisher: RtmpPublisher, tagType: number, data: Uint8Array, timestamp: number): void {
  if (tagType === TAG_TYPE.AUDIO || tagType === TAG_TYPE.VIDEO) return publisher.sendTag({ tagType, timestamp, data }, timestamp);
  if (tagType !== TAG_TYPE.SCRIPT) return;
  const script = decodeScriptData(data);
  if (script.type === "metadata") publisher.sendData(["@setDataFrame", "onMetaData", new Amf0EcmaArray({ ...script.properties })], CSID.data);
}
