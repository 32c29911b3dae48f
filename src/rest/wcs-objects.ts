/**
 * The WCS objects the REST API answers with and the REST hooks post, in one place: Stream
 * (wcs-protocol.md 2.5, 2.6), transponder, relay and Call (2.4), and the status event bodies. Each
 * carries WCS's fields plus the few ours add (`status`/`state`, `lastError`, `reconnects`, ...).
 * Passwords in URLs are never part of them, nor a call's `sipPassword`.
 */
import type { CallJob } from "../core/call/job.ts";
import type { RegisteredTransponder } from "../core/push/transponders.ts";
import type { Transponder, TransponderStatus } from "../core/push/transponder.ts";
import type { Relay } from "../core/relay/relay.ts";
import { playAppOf } from "../core/ingest/rtmp-ingest.ts";
import type { Stream } from "../core/stream/stream.ts";
import { displayUrl } from "../rtmp/client/url.ts";

/**
 * A published stream (`/stream/find`, the StreamStatusEvent hook), with the console's `source`
 * (rtmp, webrtc, sip, pull, file), `rtmpApp` (where it plays over RTMP and HTTP-FLV), `uptimeMs`, `bytesIn` (media payload received) and `viewers` (sinks by kind).
 */
export function streamObject(stream: Stream): Record<string, unknown> {
  const video = stream.videoConfig;
  const audio = stream.audioConfig;
  return {
    mediaSessionId: stream.info.mediaSessionId,
    name: stream.name,
    published: true,
    hasVideo: video !== undefined || stream.frames.video > 0,
    hasAudio: audio !== undefined || stream.frames.audio > 0,
    status: "PUBLISHING",
    audioCodec: audio?.codec ?? "",
    videoCodec: video?.codec ?? "",
    width: video?.width ?? 0,
    height: video?.height ?? 0,
    record: false,
    createDate: stream.info.createdAt,
    mediaType: "publish",
    mediaProvider: { rtmp: "Flash", webrtc: "WebRTC", sip: "SIP", pull: "WebRTC", file: "File" }[stream.info.source],
    source: stream.info.source,
    rtmpApp: playAppOf(stream),
    uptimeMs: Date.now() - stream.info.createdAt,
    bytesIn: stream.bytesIn,
    viewers: stream.sinkCounts(),
  };
}

/** The StreamStatusEvent hook's body when a stream goes away. */
export function unpublishedStreamEvent(stream: Stream, reason: string): Record<string, unknown> {
  return { ...streamObject(stream), published: false, status: "UNPUBLISHED", info: reason };
}

/**
 * A transponder (`/push/find`, `/push/startup`'s answer): `streamName` is the name published at the
 * target, `sourceStreamName` the local stream; `uptimeMs` in the current ACTIVE period, else 0; `bytes` of media sent.
 */
export function transponderObject(r: RegisteredTransponder): Record<string, unknown> {
  const t = r.transponder;
  return {
    mediaSessionId: t.options.id,
    streamName: r.streamName,
    sourceStreamName: r.request.streamName,
    rtmpUrl: displayUrl(r.request.rtmpUrl),
    width: t.width,
    height: t.height,
    muted: t.options.audio.muted,
    soundEnabled: t.options.audio.soundEnabled,
    options: r.request.options ?? {},
    rtmpTransponderFullUrl: r.request.fullUrl ?? false,
    rtmpFlashVersion: t.options.flashVer,
    rtmpTransponderAudioCodec: r.audioCodec,
    status: t.status,
    lastError: t.lastError,
    reconnects: t.reconnects,
    droppedFrames: t.droppedFrames,
    uptimeMs: t.uptimeMs,
    bytes: t.bytes,
  };
}

/** The TransponderStatusEvent hook's body: a transponder moved to `status`. */
export function transponderStatusEvent(t: Transponder, status: TransponderStatus): Record<string, unknown> {
  return { mediaSessionId: t.options.id, streamName: t.options.target.streamName, rtmpUrl: t.options.displayUrl, status, lastError: t.lastError };
}

/** A relay (`/pull/find`, the RelayStatusEvent hook): `uptimeMs` in the current ACTIVE period, else 0; `bytes` of media relayed. */
export function relayObject(r: Relay): Record<string, unknown> {
  const s = r.spec;
  return {
    localMediaSessionId: r.options.id,
    remoteMediaSessionId: r.remoteMediaSessionId,
    localStreamName: s.localStreamName,
    remoteStreamName: s.remoteStreamName,
    uri: r.options.displayUri,
    status: r.status,
    direction: s.direction,
    hasAudio: s.hasAudio,
    hasVideo: s.hasVideo,
    record: s.record,
    state: r.state,
    lastError: r.lastError,
    reconnects: r.reconnects,
    uptimeMs: r.activeSince === undefined ? 0 : Date.now() - r.activeSince,
    bytes: r.bytes,
  };
}

/** The WCS Call object (wcs-protocol.md 2.4) plus `info`, `mediaPorts`, `rtpStats`, `audioOut` and `injectedStream`. */
export function callObject(job: CallJob): Record<string, unknown> {
  const r = job.request;
  return {
    custom: {},
    nodeId: null,
    appKey: r.appKey ?? null,
    sessionId: null,
    callId: r.callId,
    parentCallId: null,
    incoming: false,
    status: job.status,
    sipStatus: job.sipStatus,
    info: job.info,
    rtmpUrl: r.rtmpUrl !== undefined ? displayUrl(r.rtmpUrl) : null,
    rtmpStream: r.rtmpStream ?? null,
    rtmpTransponderAudioCodec: r.rtmpUrl !== undefined ? job.rtmpAudioCodec : null,
    streamName: job.streamName ?? r.toStream ?? null,
    rtmpStreamStatus: job.rtmpStreamStatus ?? null,
    caller: r.sipLogin,
    callee: r.callee,
    hasAudio: r.hasAudio,
    hasVideo: r.hasVideo,
    sdp: job.remoteSdp ?? null,
    visibleName: r.visibleName ?? r.sipLogin,
    inviteParameters: null,
    mediaProvider: null,
    sipMessageRaw: null,
    isMsrp: false,
    target: null,
    holdForTransfer: false,
    injectedStream: job.injectedStream ?? null,
    mediaPorts: job.mediaPorts,
    rtpStats: job.rtpStats ?? null,
    audioOut: job.audioOut ?? null,
  };
}
