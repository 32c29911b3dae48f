/**
 * Glue between the WebRTC signaling sessions and the stream hub:
 *
 *   publish  -> hub.publish(name) with the browser as a "webrtc" source (a name in use: undefined,
 *               the session answers `Stream name is already in use`); its peer feeds the stream
 *   play     -> the hub's stream of that name, with what a player's answer is tailored to (its
 *               audio, and whether it has video); players attach as sinks
 */
import type { PlayableStream, PublishedStream, PublisherControl, SignalingHandler } from "../../agent/signaling/handler.ts";
import type { PlaySource } from "../../agent/signaling/media-engine.ts";
import { StreamNameInUseError, type StreamHub } from "../stream/hub.ts";
import type { Stream } from "../stream/stream.ts";

export function webrtcStreams(hub: StreamHub): SignalingHandler {
  return {
    publish: (name, mediaSessionId, publisher) => publishInto(hub, name, mediaSessionId, publisher),
    find: (name) => {
      const stream = hub.get(name);
      return stream && playable(hub, stream);
    },
    resolve: async (name) => {
      const stream = await hub.resolve(name);
      return stream && playable(hub, stream);
    },
  };
}

function publishInto(hub: StreamHub, name: string, mediaSessionId: string, publisher: PublisherControl): PublishedStream | undefined {
  let stream: Stream;
  try {
    stream = hub.publish(name, { kind: "webrtc", requestKeyframe: () => publisher.requestKeyframe(), stop: (reason) => publisher.stop(reason) }, mediaSessionId);
  } catch (err) {
    if (err instanceof StreamNameInUseError) return undefined;
    throw err;
  }
  return {
    name,
    setConfig: (config) => stream.setConfig(config),
    pushFrame: (frame) => stream.pushFrame(frame),
    end: (reason) => hub.unpublish(stream, reason),
  };
}

function playable(hub: StreamHub, stream: Stream): PlayableStream {
  return {
    name: stream.name,
    source: playSource(stream),
    get live() {
      return !stream.isEnded && hub.get(stream.name) === stream;
    },
    requestKeyframe: () => stream.requestKeyframe(),
    addSink: (sink) => stream.addSink(sink, "webrtc"),
  };
}

/**
 * What the player's answer can be tailored to: the stream's audio, and whether it has video (as its
 * source declared, a SIP call; else no video config nor video frames beside an audio config).
 */
function playSource(stream: Stream): PlaySource {
  const audio = stream.audioConfig;
  const video = stream.sourceHasVideo ?? !(audio !== undefined && stream.videoConfig === undefined && stream.frames.video === 0);
  return audio ? { name: stream.name, audio, video } : { name: stream.name, video };
}
