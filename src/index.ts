/**
 * Public API of Transpond (`transpond`): start and stop a gateway from a config object, and the
 * parts it is made of for programs that drive it from code: the stream hub with its streams, sinks
 * and sources, the transponder and call registries, and the error classes. The protocol layers have
 * their own entries: `transpond/rtmp`, `/flv`, `/sip`, `/rtp`, `/sdp`, `/audio`, `/codecs`, `/pcap`,
 * `/agent`.
 */
export { startApp, type App } from "./app.ts";
export { CONFIG_KEYS, defaultConfig, loadConfig, makeConfig, type Config, type ConfigKey, type ConfigOverrides, type ConfigSources, type LoadedConfig } from "./config.ts";
export { configureLogging, createLogger, LOG_LEVELS, type Logger, type LogLevel } from "./log.ts";
export { ConfigError, InvalidStateError, ParseError, TRANSPOND_ERR, TranspondError } from "./errors.ts";
export { CORE_ERR, CoreError, type CoreErrorCode } from "./core/errors.ts";
export { TypedEmitter, type EventMap } from "./events.ts";

export { StreamHub, StreamNameInUseError, type HubListener } from "./core/stream/hub.ts";
export { Stream, type StreamInfo, type StreamStatus } from "./core/stream/stream.ts";
export type { MediaSink, MediaSource } from "./core/stream/media-sink.ts";
export { FlvSink, type FlvSinkOptions, type TagTarget } from "./core/stream/flv-sink.ts";
export type { AudioCodec, AudioConfig, AudioFrame, Frame, H264Config, TrackConfig, VideoCodec, VideoFrame } from "./codecs/frame.ts";

export {
  PushError,
  TransponderRegistry,
  type PushOptions,
  type PushRequest,
  type RegisteredTransponder,
  type TransponderRegistryEvents,
  type TransponderStateChange,
} from "./core/push/transponders.ts";
export type { Transponder, TransponderStatus } from "./core/push/transponder.ts";
export { CallError, CallRegistry, type CallFilter, type CallJob, type CallRequest, type CallStatus, type DtmfType } from "./core/call/calls.ts";
