/**
 * `/rest-api/stream/find | find_all | terminate`: published streams, in the shape of WCS's Stream
 * object (reference/wcs-protocol.md 2.5, 2.6).
 */
import type { StreamHub } from "../core/hub.ts";
import type { Stream } from "../core/stream.ts";
import { optionalBoolean, optionalString, RestError } from "./request-body.ts";
import type { Router } from "./router.ts";

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
  };
}

export function registerStreamRoutes(router: Router, hub: StreamHub): void {
  router.post("/rest-api/stream/find", (body) => {
    const id = optionalString(body, "mediaSessionId");
    const name = optionalString(body, "name");
    const published = optionalBoolean(body, "published");
    const found = hub
      .all()
      .filter((s) => (id === undefined || s.info.mediaSessionId === id) && (name === undefined || s.name === name) && published !== false);
    if (found.length === 0) throw new RestError(404, "Stream not found");
    return found.map(streamObject);
  });
  router.post(
    "/rest-api/stream/find_all",
    () => {
      const all = hub.all();
      if (all.length === 0) throw new RestError(404, "Stream not found");
      return all.map(streamObject);
    },
    true,
  );
  router.post("/rest-api/stream/terminate", (body) => {
    const id = optionalString(body, "mediaSessionId") || undefined;
    const name = optionalString(body, "name") || undefined;
    if (id === undefined && name === undefined) throw new RestError(400, "mediaSessionId or name is required (an empty filter would end every stream)");
    const victims = hub.all().filter((s) => (id === undefined || s.info.mediaSessionId === id) && (name === undefined || s.name === name));
    if (victims.length === 0) throw new RestError(404, "Stream not found");
    for (const stream of victims) hub.unpublish(stream, "Stopped by rest /terminate", true);
    return undefined;
  });
}
