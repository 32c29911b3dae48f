/**
 * `/rest-api/call/*` (WCS "SIP as RTMP" and REST call API): startup, find, find_all (POST or GET),
 * terminate, send_dtmf, inject_stream (+ /startup, /terminate) and inject_sound. Booleans and ports
 * come as JSON values or as the strings the WCS examples send ("true", "5060"). A 400 names the
 * field; 404 when no call (or stream, or file) matches; 409 for a used callId, rtmpUrl + rtmpStream
 * or toStream. `sipPassword` is read here and never returned.
 */
import { randomUUID } from "node:crypto";
import type { CallRegistry, CallRequest, DtmfType } from "../core/call/calls.ts";
import { readAudioCodec } from "./push-routes.ts";
import { RestError, REST_ERR } from "./errors.ts";
import { optionalBoolean, optionalInteger, optionalString, requireString, type JsonObject } from "./request-body.ts";
import type { Router } from "./router.ts";
import { callObject } from "./wcs-objects.ts";

const DTMF = /^[0-9*#A-Da-d]{1,32}$/;

/** Reads and checks a `/call/startup` body. */
export function readCallRequest(body: JsonObject): CallRequest {
  const rtmpUrl = optionalString(body, "rtmpUrl") || undefined;
  const rtmpStream = optionalString(body, "rtmpStream") || undefined;
  if (rtmpUrl !== undefined && rtmpStream === undefined) throw new RestError(REST_ERR.BAD_REQUEST, "rtmpStream is required with rtmpUrl");
  if (rtmpStream !== undefined && rtmpUrl === undefined) throw new RestError(REST_ERR.BAD_REQUEST, "rtmpUrl is required with rtmpStream");
  if (rtmpUrl !== undefined && !/^rtmps?:\/\/[^/]+/i.test(rtmpUrl)) throw new RestError(REST_ERR.BAD_REQUEST, "rtmpUrl must be an rtmp:// or rtmps:// URL");
  const transport = (optionalString(body, "sipTransport") ?? "UDP").toUpperCase();
  if (transport !== "UDP" && transport !== "TCP") throw new RestError(REST_ERR.BAD_REQUEST, "sipTransport must be UDP or TCP");
  const callee = requireString(body, "callee");
  if (/[\s<>"]/.test(callee)) throw new RestError(REST_ERR.BAD_REQUEST, "callee must be a user name or a SIP URI without spaces");
  const sipDomain = requireString(body, "sipDomain");
  const optional = (field: string): string | undefined => optionalString(body, field) || undefined;
  const toStream = optional("toStream");
  const audioCodec = readAudioCodec(body);
  const request: CallRequest = {
    callId: optional("callId") ?? randomUUID(),
    callee,
    hasAudio: optionalBoolean(body, "hasAudio") ?? true,
    hasVideo: optionalBoolean(body, "hasVideo") ?? false,
    sipLogin: requireString(body, "sipLogin"),
    sipDomain,
    sipPort: optionalInteger(body, "sipPort", 1, 65535) ?? 5060,
    sipTransport: transport,
    sipRegisterRequired: optionalBoolean(body, "sipRegisterRequired") ?? false,
    ...(toStream !== undefined ? { toStream } : {}),
    ...(rtmpUrl !== undefined && rtmpStream !== undefined ? { rtmpUrl, rtmpStream } : {}),
    ...(audioCodec !== undefined ? { rtmpTransponderAudioCodec: audioCodec } : {}),
  };
  const extra: Record<string, string> = {};
  for (const field of ["sipAuthenticationName", "sipPassword", "sipOutboundProxy", "appKey", "visibleName"] as const) {
    const value = field === "sipPassword" ? optionalString(body, field) : optional(field);
    if (value !== undefined) extra[field] = value;
  }
  return { ...request, ...extra };
}

function readDtmfType(body: JsonObject): DtmfType {
  const type = (optionalString(body, "type") ?? "RFC2833").toUpperCase();
  if (type === "RFC2833" || type === "RFC4733") return "RFC2833";
  if (type === "INFO" || type === "SIP_INFO" || type === "INFO_RELAY") return "INFO";
  throw new RestError(REST_ERR.BAD_REQUEST, "type must be RFC2833 or INFO");
}

export function registerCallRoutes(router: Router, calls: CallRegistry): void {
  router.post("/rest-api/call/startup", async (body) => void (await calls.startup(readCallRequest(body))));
  router.post("/rest-api/call/find", (body) => {
    const found = calls.find({
      callId: optionalString(body, "callId") || undefined,
      callee: optionalString(body, "callee") || undefined,
      rtmpUrl: optionalString(body, "rtmpUrl") || undefined,
      status: optionalString(body, "status") || undefined,
    });
    if (found.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "call with the given parameters is not found");
    return found.map(callObject);
  });
  router.post(
    "/rest-api/call/find_all",
    () => {
      const all = calls.all();
      if (all.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "calls are not found");
      return all.map(callObject);
    },
    true,
  );
  router.post("/rest-api/call/terminate", (body) => calls.terminate(requireString(body, "callId")));
  router.post("/rest-api/call/send_dtmf", (body) => {
    const callId = requireString(body, "callId");
    const dtmf = requireString(body, "dtmf");
    if (!DTMF.test(dtmf)) throw new RestError(REST_ERR.BAD_REQUEST, "dtmf must be 1 to 32 of 0-9 * # A-D");
    const type = readDtmfType(body);
    const duration = optionalInteger(body, "duration", 40, 5000);
    return calls.sendDtmf(callId, dtmf, type, duration);
  });
  const inject = (body: JsonObject) => calls.injectStream(requireString(body, "callId"), requireString(body, "streamName"));
  router.post("/rest-api/call/inject_stream", inject);
  router.post("/rest-api/call/inject_stream/startup", inject);
  router.post("/rest-api/call/inject_stream/terminate", (body) => calls.stopInjection(requireString(body, "callId")));
  router.post("/rest-api/call/inject_sound", (body) => calls.injectSound(requireString(body, "callId"), requireString(body, "fileName")));
}
