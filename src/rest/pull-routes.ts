/**
 * `/rest-api/pull/*` (WCS "Relaying between servers"): push, pull (WebRTC and RTMP forms), find,
 * find_all, terminate. The relay object carries WCS's fields plus `state`, `lastError` and
 * `reconnects`, as our transponders do. Passwords in the uri are never returned.
 */
import type { Relay } from "../core/relay/relay.ts";
import { RelayError, type RelayFilter, type RelayRegistry, type RelayRequest } from "../core/relay/relays.ts";
import { optionalBoolean, optionalString, requireString, RestError, type JsonObject } from "./request-body.ts";
import type { Router } from "./router.ts";

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
  };
}

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

function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RelayError) throw new RestError(err.status, err.message);
    throw err;
  }
}

export function registerPullRoutes(router: Router, relays: RelayRegistry): void {
  router.post("/rest-api/pull/push", (body) => guarded(() => relayObject(relays.push(readRequest(body)))));
  router.post("/rest-api/pull/pull", (body) => guarded(() => relayObject(relays.pull(readRequest(body)))));
  router.post("/rest-api/pull/find", (body) => {
    const found = relays.find(readFilter(body));
    if (found.length === 0) throw new RestError(404, "Relay not found");
    return found.map(relayObject);
  });
  router.post(
    "/rest-api/pull/find_all",
    () => {
      const all = relays.all();
      if (all.length === 0) throw new RestError(404, "Not found");
      return all.map(relayObject);
    },
    true,
  );
  router.post("/rest-api/pull/terminate", (body) => guarded(() => void relays.terminate(readFilter(body))));
}
