/** Small DOM helpers shared by the pages: typed element lookup, an event log, busy buttons. */

/** The element with `id`, checked to be of the expected class. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`page is missing #${id}`);
  return el;
}

/** Creates an element with text and optional class. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = "", className = ""): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export type LogKind = "info" | "ok" | "error";

/** Appends a time-stamped line to an event list (newest first, at most `max` lines). */
export function logEvent(list: HTMLElement, text: string, kind: LogKind = "info", max = 50): void {
  const item = el("li", "", kind);
  item.append(el("time", new Date().toLocaleTimeString()), " ", text);
  list.prepend(item);
  while (list.children.length > max) list.lastElementChild?.remove();
}

/** CSS class for a status badge: green for running, amber for in-between, red for failures. */
export function statusClass(status: string): string {
  if (/^(ACTIVE|PUBLISHING|PLAYING|ESTABLISHED)$/.test(status)) return "badge ok";
  if (/^(FAILED|RECONNECTING|PLAYBACK_PROBLEM|NOT_ENOUGH_BANDWIDTH)$/.test(status)) return status === "RECONNECTING" ? "badge warn" : "badge bad";
  if (/^(CONNECTING|PENDING)$/.test(status)) return "badge warn";
  return "badge";
}

/** Sets a badge element's text and colour. */
export function setBadge(badge: HTMLElement, status: string): void {
  badge.textContent = status || "—";
  badge.className = statusClass(status);
}
