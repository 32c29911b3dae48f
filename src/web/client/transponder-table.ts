/**
 * What one row of the transponders table shows and which REST calls its buttons make. Pure, so the
 * texts and request bodies are tested without a browser; `transponders.ts` puts them on the page.
 */
import type { TransponderView } from "./rest.ts";

export const COLUMNS = ["mediaSessionId", "streamName", "rtmpUrl", "size", "status", "lastError", "muted", "soundEnabled"] as const;
export type Column = (typeof COLUMNS)[number];

export function cellText(t: TransponderView, column: Column): string {
  switch (column) {
    case "size":
      return t.width > 0 && t.height > 0 ? `${t.width}×${t.height}` : "—";
    case "muted":
      return t.muted ? "yes" : "no";
    case "soundEnabled":
      return t.soundEnabled ? "on" : "off";
    case "lastError":
      return t.lastError || "—";
    default:
      return t[column] || "—";
  }
}

export type RowAction = "mute" | "unmute" | "sound_on" | "sound_off" | "terminate";

export interface ActionRequest {
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface SoundChoice {
  readonly soundFile: string;
  readonly loop: boolean;
}

/** The `/rest-api/push/<action>` call a row button makes. */
export function actionRequest(action: RowAction, mediaSessionId: string, sound: SoundChoice): ActionRequest {
  const path = `/rest-api/push/${action}`;
  if (action === "sound_on") return { path, body: { mediaSessionId, soundFile: sound.soundFile, loop: sound.loop } };
  return { path, body: { mediaSessionId } };
}

/** The buttons a row offers: one of mute/unmute by the current state, sound on/off, stop. */
export function rowActions(t: TransponderView): { action: RowAction; label: string }[] {
  return [
    t.muted ? { action: "unmute", label: "Unmute" } : { action: "mute", label: "Mute" },
    { action: "sound_on", label: "Sound on" },
    { action: "sound_off", label: "Sound off" },
    { action: "terminate", label: "Stop" },
  ];
}
