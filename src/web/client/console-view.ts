/**
 * What the console shows, without the DOM: the sections (one REST list each), their columns, the
 * row key, how a value reads (uptime, bitrate, viewers), rows kept a while after they left the list
 * (stopped transponders), and the bitrate from the byte counters of two polls. `console.ts` puts it on the page.
 */

export type Row = Readonly<Record<string, unknown>>;

export interface Column {
  readonly label: string;
  /** the cell text; `mono` cells break anywhere (URLs, ids) */
  readonly text: (row: Row, bitrate: string) => string;
  readonly mono?: boolean;
  /** a status badge */
  readonly badge?: boolean;
}

export interface Section {
  readonly id: "streams" | "calls" | "transponders" | "relays";
  readonly path: string;
  readonly key: (row: Row) => string;
  /** the byte counter the bitrate is computed from */
  readonly bytesField?: string;
  readonly columns: readonly Column[];
  /** how long a row that left the list stays, marked STOPPED (0: it goes at once) */
  readonly keepStoppedMs: number;
}

const str = (row: Row, key: string): string => {
  const v = row[key];
  return typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : "";
};
const num = (row: Row, key: string): number => {
  const v = row[key];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
};
const orDash = (text: string): string => text || "—";

/** `3h 02m`, `4m 05s`, `12s`; 0 reads as a dash (not running). */
export function formatUptime(ms: number): string {
  if (!(ms > 0)) return "—";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s % 60)}s`;
  return `${s % 60}s`;
}

/** bits per second as `850 kb/s` or `2.4 Mb/s`. */
export function formatBitrate(bps: number): string {
  if (!(bps > 0)) return "—";
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mb/s`;
  return `${Math.max(1, Math.round(bps / 1000))} kb/s`;
}

/** `2 flv, 1 transponder` from a stream's `viewers`; none is `0`. */
export function formatViewers(viewers: unknown): string {
  if (typeof viewers !== "object" || viewers === null) return "0";
  const parts = Object.entries(viewers as Record<string, unknown>).filter(([, n]) => typeof n === "number" && n > 0).map(([kind, n]) => `${String(n)} ${kind}`);
  return parts.length ? parts.join(", ") : "0";
}

/** A byte counter per row between polls -> bits per second since the last poll. */
export class BitrateMeter {
  private readonly last = new Map<string, { bytes: number; at: number }>();

  /** bits/s since the previous sample of `key` (0 at the first, or when the counter went back). */
  sample(key: string, bytes: number, at: number): number {
    const before = this.last.get(key);
    this.last.set(key, { bytes, at });
    if (!before || at <= before.at || bytes < before.bytes) return 0;
    return ((bytes - before.bytes) * 8 * 1000) / (at - before.at);
  }

  forget(keep: ReadonlySet<string>): void {
    for (const key of this.last.keys()) if (!keep.has(key)) this.last.delete(key);
  }
}

/**
 * Rows that left the list stay for `keepMs` as STOPPED (`status`/`state` replaced, uptime 0), newest
 * data kept; the answer is the list plus those rows, in first-seen order.
 */
export class StoppedRows {
  private readonly gone = new Map<string, { row: Row; since: number }>();
  private readonly seen = new Map<string, Row>();

  constructor(private readonly keepMs: number) {}

  update(list: readonly Row[], key: (row: Row) => string, now: number): Row[] {
    const present = new Map(list.map((row) => [key(row), row]));
    for (const [id, row] of this.seen) {
      if (!present.has(id) && !this.gone.has(id) && this.keepMs > 0) this.gone.set(id, { row: { ...row, status: "STOPPED", state: "STOPPED", uptimeMs: 0 }, since: now });
    }
    for (const id of present.keys()) this.gone.delete(id);
    for (const [id, { since }] of this.gone) if (now - since > this.keepMs) this.gone.delete(id);
    this.seen.clear();
    for (const [id, row] of present) this.seen.set(id, row);
    return [...list, ...[...this.gone.values()].map((g) => g.row)];
  }
}

const STOPPED_KEEP_MS = 60_000;

export const SECTIONS: readonly Section[] = [
  {
    id: "streams",
    path: "/rest-api/stream/find_all",
    key: (r) => str(r, "mediaSessionId") || str(r, "name"),
    bytesField: "bytesIn",
    keepStoppedMs: 0,
    columns: [
      { label: "Name", text: (r) => orDash(str(r, "name")), mono: true },
      // where RTMP and HTTP-FLV players find it: rtmp://host/<app>/<name>, /<app>/<name>.flv
      { label: "App", text: (r) => orDash(str(r, "rtmpApp")), mono: true },
      { label: "Source", text: (r) => orDash(str(r, "source") || str(r, "mediaProvider")) },
      { label: "Video", text: (r) => orDash(str(r, "videoCodec")) },
      { label: "Audio", text: (r) => orDash(str(r, "audioCodec")) },
      { label: "Size", text: (r) => (num(r, "width") > 0 ? `${num(r, "width")}×${num(r, "height")}` : "—") },
      { label: "Bitrate", text: (_r, bitrate) => bitrate },
      { label: "Viewers", text: (r) => formatViewers(r.viewers) },
      { label: "Uptime", text: (r) => formatUptime(num(r, "uptimeMs")) },
    ],
  },
  {
    id: "calls",
    path: "/rest-api/call/find_all",
    key: (r) => str(r, "callId"),
    keepStoppedMs: 0,
    columns: [
      { label: "Call id", text: (r) => orDash(str(r, "callId")), mono: true },
      { label: "Callee", text: (r) => orDash(str(r, "callee")), mono: true },
      { label: "Status", text: (r) => str(r, "status"), badge: true },
      { label: "SIP status", text: (r) => orDash(str(r, "sipStatus")) },
      { label: "RTMP stream", text: (r) => orDash(str(r, "rtmpStreamStatus")) },
      { label: "Injected", text: (r) => orDash(str(r, "injectedStream")), mono: true },
    ],
  },
  {
    id: "transponders",
    path: "/rest-api/push/find_all",
    key: (r) => str(r, "mediaSessionId"),
    bytesField: "bytes",
    keepStoppedMs: STOPPED_KEEP_MS,
    columns: [
      { label: "Source stream", text: (r) => orDash(str(r, "sourceStreamName") || str(r, "streamName")), mono: true },
      { label: "RTMP URL", text: (r) => orDash(str(r, "rtmpUrl")), mono: true },
      { label: "Status", text: (r) => str(r, "status"), badge: true },
      { label: "Last error", text: (r) => orDash(str(r, "lastError")) },
      { label: "Reconnects", text: (r) => String(num(r, "reconnects")) },
      { label: "Uptime", text: (r) => formatUptime(num(r, "uptimeMs")) },
      { label: "Bitrate", text: (_r, bitrate) => bitrate },
    ],
  },
  {
    id: "relays",
    path: "/rest-api/pull/find_all",
    key: (r) => str(r, "localMediaSessionId"),
    bytesField: "bytes",
    keepStoppedMs: STOPPED_KEEP_MS,
    columns: [
      { label: "URI", text: (r) => orDash(str(r, "uri")), mono: true },
      { label: "Local stream", text: (r) => orDash(str(r, "localStreamName")), mono: true },
      { label: "Direction", text: (r) => orDash(str(r, "direction")) },
      { label: "State", text: (r) => str(r, "state"), badge: true },
      { label: "Last error", text: (r) => orDash(str(r, "lastError")) },
      { label: "Reconnects", text: (r) => String(num(r, "reconnects")) },
      { label: "Uptime", text: (r) => formatUptime(num(r, "uptimeMs")) },
      { label: "Bytes", text: (r) => (num(r, "bytes") > 0 ? `${(num(r, "bytes") / 1e6).toFixed(2)} MB` : "—") },
    ],
  },
];

/** The node column, shown in every section once any row names a node (a cluster). */
export const NODE_COLUMN: Column = { label: "Node", text: (r) => orDash(str(r, "nodeId")), mono: true };

/** What a failed REST call means to the operator. */
export function failureText(status: number, message: string): string {
  if (status === 401) return `${message} — the REST API asks for a login (rest_users): open this page with the user's name and password`;
  if (status === 403) return `${message} — this address may not use the REST API: open the page from the server itself, or set rest_open_to_network / rest_users`;
  if (status === 0) return `${message} — is Transpond running?`;
  return message;
}

/** Node rows of `/cluster/nodes` with the streams and jobs each holds, counted from the other sections' `nodeId`. */
export function nodeRows(status: unknown, lists: Readonly<Record<string, readonly Row[]>>): { id: string; address: string; counts: string }[] {
  const nodes = typeof status === "object" && status !== null ? (status as { nodes?: unknown }).nodes : undefined;
  if (!Array.isArray(nodes)) return [];
  return nodes
    .filter((n): n is Row => typeof n === "object" && n !== null)
    .map((n) => {
      const id = str(n, "id");
      const counts = Object.entries(lists)
        .map(([section, rows]) => `${rows.filter((r) => r.nodeId === id).length} ${section}`)
        .join(", ");
      return { id, address: str(n, "address"), counts };
    });
}
