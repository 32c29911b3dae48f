/**
 * `/rest-api/push/*` (WCS "Republishing to RTMP"): startup, find, find_all, terminate, mute, unmute,
 * sound_on, sound_off. The transponder object carries WCS's fields plus `status` and `lastError`,
 * which WCS lacks and users ask for. Passwords in rtmpUrl are never returned.
 */
import type { PushOptions, TransponderRegistry } from "../core/push/transponders.ts";
import { RTMP_AUDIO_CODECS, type RtmpAudioCodec } from "../config-keys.ts";
import { RestError, REST_ERR } from "./errors.ts";
import { optionalBoolean, optionalObject, optionalString, requireString, type JsonObject } from "./request-body.ts";
import type { Router } from "./router.ts";
import { transponderObject } from "./wcs-objects.ts";

function readOptions(body: JsonObject): PushOptions | undefined {
  const options = optionalObject(body, "options");
  if (!options || Object.keys(options).length === 0) return undefined;
  const action = optionalString(options, "action");
  if (action !== undefined && action !== "mute" && action !== "sound_on") throw new RestError(REST_ERR.BAD_REQUEST, "options.action must be mute or sound_on");
  return { action, soundFile: optionalString(options, "soundFile"), loop: optionalBoolean(options, "loop") };
}

/** `rtmpTransponderAudioCodec` of a `/push/startup` or `/call/startup` body (case-insensitive). */
export function readAudioCodec(body: JsonObject): RtmpAudioCodec | undefined {
  const value = optionalString(body, "rtmpTransponderAudioCodec")?.toLowerCase();
  if (value === undefined || value === "") return undefined;
  const codec = RTMP_AUDIO_CODECS.find((c) => c === value);
  if (!codec) throw new RestError(REST_ERR.BAD_REQUEST, `rtmpTransponderAudioCodec must be one of ${RTMP_AUDIO_CODECS.join(", ")}`);
  return codec;
}

export function registerPushRoutes(router: Router, registry: TransponderRegistry): void {
  router.post("/rest-api/push/startup", async (body) => {
    const request = {
      streamName: requireString(body, "streamName"),
      rtmpUrl: requireString(body, "rtmpUrl"),
      fullUrl: optionalBoolean(body, "rtmpTransponderFullUrl"),
      flashVer: optionalString(body, "rtmpFlashVersion"),
      audioCodec: readAudioCodec(body),
      options: readOptions(body),
    };
    return transponderObject(await registry.startup(request));
  });
  router.post("/rest-api/push/find", (body) => {
    const found = registry.find(optionalString(body, "streamName"), optionalString(body, "rtmpUrl"));
    if (found.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Transponder not found");
    return found.map(transponderObject);
  });
  router.post(
    "/rest-api/push/find_all",
    () => {
      const all = registry.all();
      if (all.length === 0) throw new RestError(REST_ERR.NOT_FOUND, "Not found any transponder");
      return all.map(transponderObject);
    },
    true,
  );
  const byId = (action: (id: string, body: JsonObject) => void | Promise<void>) => (body: JsonObject) => action(requireString(body, "mediaSessionId"), body);
  router.post("/rest-api/push/terminate", byId((id) => registry.terminate(id)));
  router.post("/rest-api/push/mute", byId((id) => registry.mute(id, true)));
  router.post("/rest-api/push/unmute", byId((id) => registry.mute(id, false)));
  router.post("/rest-api/push/sound_on", byId((id, body) => registry.soundOn(id, requireString(body, "soundFile"), optionalBoolean(body, "loop") ?? false)));
  router.post("/rest-api/push/sound_off", byId((id) => registry.soundOff(id)));
}
