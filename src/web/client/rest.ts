/**
 * The pages' calls to the REST API (`/rest-api/...` on the server that served the page) and the
 * transponder object they read back. `decodeTransponders` keeps only well-typed fields so a page
 * never renders `undefined` or trusts a shape it did not check.
 */

export const PUSH_API = "/rest-api/push";

export interface TransponderView {
  readonly mediaSessionId: string;
  readonly streamName: string;
  readonly rtmpUrl: string;
  readonly width: number;
  readonly height: number;
  readonly status: string;
  readonly lastError: string;
  readonly muted: boolean;
  readonly soundEnabled: boolean;
}

/** A REST answer other than 2xx; `status` is the HTTP status (0 when the request did not complete). */
export class RestFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "RestFailure";
    this.status = status;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const text = (o: Record<string, unknown>, key: string): string => {
  const v = o[key];
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
};
const num = (o: Record<string, unknown>, key: string): number => (typeof o[key] === "number" && Number.isFinite(o[key]) ? (o[key] as number) : 0);
const flag = (o: Record<string, unknown>, key: string): boolean => o[key] === true;

/** One transponder object from `/push/startup | find | find_all`; undefined when it has no mediaSessionId. */
export function decodeTransponder(value: unknown): TransponderView | undefined {
  if (!isRecord(value)) return undefined;
  const mediaSessionId = text(value, "mediaSessionId");
  if (!mediaSessionId) return undefined;
  return {
    mediaSessionId,
    streamName: text(value, "streamName"),
    rtmpUrl: text(value, "rtmpUrl"),
    width: num(value, "width"),
    height: num(value, "height"),
    status: text(value, "status"),
    lastError: text(value, "lastError"),
    muted: flag(value, "muted"),
    soundEnabled: flag(value, "soundEnabled"),
  };
}

/** The array a find answers with; anything that is not an array reads as no transponders. */
export function decodeTransponders(value: unknown): TransponderView[] {
  if (!Array.isArray(value)) return [];
  return value.map(decodeTransponder).filter((t): t is TransponderView => t !== undefined);
}

/** The `message` of a REST error body, or the status line when the body has none. */
export function restErrorMessage(status: number, body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed) && typeof parsed.message === "string" && parsed.message) return `${status}: ${parsed.message}`;
  } catch {
    // not JSON: fall through
  }
  return body.trim() ? `${status}: ${body.trim().slice(0, 200)}` : `HTTP ${status}`;
}

/** POST a JSON body; resolves with the parsed answer (undefined for an empty 200). */
export async function postJson(path: string, body: Record<string, unknown>): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  } catch (err) {
    throw new RestFailure(0, `request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const answer = await response.text();
  if (!response.ok) throw new RestFailure(response.status, restErrorMessage(response.status, answer));
  return answer ? (JSON.parse(answer) as unknown) : undefined;
}

/** `/push/find_all` or `/push/find`; 404 means none. */
export async function findTransponders(streamName?: string): Promise<TransponderView[]> {
  try {
    const found = streamName === undefined ? await postJson(`${PUSH_API}/find_all`, {}) : await postJson(`${PUSH_API}/find`, { streamName });
    return decodeTransponders(found);
  } catch (err) {
    if (err instanceof RestFailure && err.status === 404) return [];
    throw err;
  }
}

export interface StreamCodecs {
  readonly audioCodec: string;
  readonly videoCodec: string;
  /** the application the stream plays under over RTMP and HTTP-FLV ("" from a server that does not say) */
  readonly rtmpApp: string;
}

/** Audio codecs a browser plays from FLV through MSE; others (Opus, G.711) play as video only. */
const FLV_MSE_AUDIO = new Set(["AAC", "MP3"]);

/**
 * Whether the HTTP-FLV copy's audio can be played, from `/stream/find`'s `audioCodec`: false for
 * codecs MSE cannot take from FLV, undefined when the stream's codecs are unknown (trust the FLV header).
 */
export function flvAudioPlayable(codecs: StreamCodecs | undefined): boolean | undefined {
  if (!codecs || !codecs.audioCodec) return undefined;
  return FLV_MSE_AUDIO.has(codecs.audioCodec.toUpperCase());
}

/** `/rest-api/stream/find {name}`: the published stream's codecs and application, or undefined when not found or not allowed. */
export async function findStreamCodecs(name: string): Promise<StreamCodecs | undefined> {
  try {
    const found = await postJson("/rest-api/stream/find", { name });
    const first: unknown = Array.isArray(found) ? found[0] : undefined;
    if (!isRecord(first)) return undefined;
    return { audioCodec: text(first, "audioCodec"), videoCodec: text(first, "videoCodec"), rtmpApp: text(first, "rtmpApp") };
  } catch {
    return undefined;
  }
}
