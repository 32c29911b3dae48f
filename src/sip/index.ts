/**
 * Public API of the SIP stack (`transpond/sip`): the user agent, its calls and registrations, the
 * transports, and the message codec for tools and tests.
 */
export { UserAgent, type UserAgentOptions } from "./user-agent/user-agent.ts";
export { Call, type CallDelegate, type CallEvents, type CallState } from "./user-agent/call.ts";
export { Registration, type RegistrationEvents, type RegistrationState } from "./user-agent/registration.ts";
export type { CoreOptions } from "./user-agent/core.ts";
export { SipPorts, type SipProtocol } from "./transport/ports.ts";
export { UdpTransport } from "./transport/udp.ts";
export { TcpTransport } from "./transport/tcp.ts";
export { MemoryTransport, createMemoryTransportPair } from "./transport/memory.ts";
export type { Endpoint, SipTransport } from "./transport/transport.ts";
export { DEFAULT_TIMER_SETTINGS, type TimerSettings } from "./transaction/timers.ts";
export { systemClock, type Clock } from "../clock.ts";
export { SipError, SipStatusError, SipTimeoutError, SIP_ERR, SIP_PARSE_ERR, statusForParseError } from "./errors.ts";
export type { SipMessage, SipRequest, SipResponse, SipHeader } from "./messages.ts";
export { decodeSipMessage } from "./message/parse.ts";
export { encodeSipMessage } from "./message/serialize.ts";
export { SipStreamParser } from "./message/stream-parser.ts";
export { headerValue, headerValues } from "./message/headers.ts";
export { digestResponse, DigestClient } from "./digest.ts";
export { MEDIA_CONTROL_TYPE, decodeMediaControl, encodePictureFastUpdate, type MediaControl } from "./bodies/media-control.ts";
export { DTMF_RELAY_TYPE, decodeDtmfRelay, encodeDtmfRelay, type DtmfRelay } from "./bodies/dtmf-relay.ts";
