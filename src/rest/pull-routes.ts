/**
 * `/rest-api/pull/*` (WCS "Relaying between servers"): push, pull (WebRTC and RTMP forms), find,
 * find_all, terminate. The relay object carries WCS's fields plus `state`, `lastError` and
 * `reconnects`, as our transponders do, and `uptimeMs` (in the current ACTIVE period, else 0) and
 * `bytes` (media payload relayed so far) for the console. Passwords in the uri are never returned.
 */
import type { RelayFilter, RelayRegistry, RelayRequest } from "../core/relay/relays.ts";
import { RestError, REST_ERR } from "./errors.ts";
import { optionalBoolean, optionalString, requireString, type JsonObject } from "./request-body.ts";
import type { Router } from "./router.ts";
import { relayObject } from "./wcs-objects.ts";

function readRequest(body: JsonObject): RelayRequest {
  return {
    uri: requireString(body, "uri"),
    localStreamName: optionalString(body, "localStreamName") || undefined,
    remoteStreamName: optionalString(body, "remoteStreamName") || undefined,
    hasAudio: optionalBoolean(body, "hasAudio"),
    hasVideo: optionalBoolean(body, "hasVideo"),
    record: optionalBoolean(body, "record"),
  };
}

function readFilter(body: JsonObject): RelayFilter {
  const field = (name: string) => optionalString(body, name) || undefined;
  return { uri: field("uri"), localStreamName: field("localStreamName"), remoteStreamName: field("remoteStreamName"), localMediaSessionId: field("localMediaSessionId") };
}

export function registerPullRoutes(router: Router, relays: RelayRegistry): void {
  router.post("/rest-api/pull/push", (body) => relayObject(relays.push(readRequest(body))));
  router.post("/rest-api/pull/pull", (body) => relayObject(relays.pull(readRequest(body))));
  router.post("/rest-api/pull/find", (body) => {
    const found = relays.find(readFilter(body));
    if (found.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Relay not found");
    return found.map(relayObject);
  });
  router.post(
    "/rest-api/pull/find_all",
    () => {
      const all = relays.all();
      if (all.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Not found");
      return all.map(relayObject);
    },
    true,
  );
  router.post("/rest-api/pull/terminate", (body) => void relays.terminate(readFilter(body)));
}
