/**
 * NetConnection / NetStream status info objects (`onStatus`, the `_result` of connect): build them
 * as FMS, nginx-rtmp and Wowza send them, and read them back from a peer's command.
 */
import { amf0Properties, type Amf0Value } from "../../flv/amf0.ts";
import type { CommandMessage } from "./events.ts";

export type StatusLevel = "status" | "error" | "warning";

export interface StatusInfo {
  readonly level: string;
  readonly code: string;
  readonly description: string;
}

/** `{level, code, description, ...extra}` as an AMF0 object. */
export function statusObject(level: StatusLevel, code: string, description: string, extra: Record<string, Amf0Value> = {}): Record<string, Amf0Value> {
  return { level, code, description, ...extra };
}

/** The info object of an `onStatus` / `_result` / `_error` (first argument), or undefined. */
export function statusOf(command: Pick<CommandMessage, "args">): StatusInfo | undefined {
  const props = command.args[0] === undefined ? undefined : amf0Properties(command.args[0]);
  if (!props) return undefined;
  const text = (v: Amf0Value | undefined): string => (typeof v === "string" ? v : "");
  return { level: text(props.level), code: text(props.code), description: text(props.description) };
}
