/**
 * `/rest-api/stream/find | find_all | terminate`: published streams, in the shape of WCS's Stream
 * object (reference/wcs-protocol.md 2.5, 2.6).
 */
import type { StreamHub } from "../core/stream/hub.ts";
import { RestError, REST_ERR } from "./errors.ts";
import { optionalBoolean, optionalString } from "./request-body.ts";
import type { Router } from "./router.ts";
import { streamObject } from "./wcs-objects.ts";

export function registerStreamRoutes(router: Router, hub: StreamHub): void {
  router.post("/rest-api/stream/find", (body) => {
    const id = optionalString(body, "mediaSessionId");
    const name = optionalString(body, "name");
    const published = optionalBoolean(body, "published");
    const found = hub
      .all()
      .filter((s) => (id === undefined || s.info.mediaSessionId === id) && (name === undefined || s.name === name) && published !== false);
    if (found.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Stream not found");
    return found.map(streamObject);
  });
  router.post(
    "/rest-api/stream/find_all",
    () => {
      const all = hub.all();
      if (all.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Stream not found");
      return all.map(streamObject);
    },
    true,
  );
  router.post("/rest-api/stream/terminate", (body) => {
    const id = optionalString(body, "mediaSessionId") || undefined;
    const name = optionalString(body, "name") || undefined;
    if (id === undefined && name === undefined) throw new RestError(REST_ERR.BAD_REQUEST, "mediaSessionId or name is required (an empty filter would end every stream)");
    const victims = hub.all().filter((s) => (id === undefined || s.info.mediaSessionId === id) && (name === undefined || s.name === name));
    if (victims.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Stream not found");
    for (const stream of victims) hub.unpublish(stream, "Stopped by rest /terminate", true);
    return undefined;
  });
}
