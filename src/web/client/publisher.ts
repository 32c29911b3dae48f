/**
 * Publisher page: camera + microphone preview, WebRTC publish through the Web SDK, republish to RTMP
 * (REST `/push/startup`, or `createStream({rtmpUrl})` when the checkbox is on), stop, and the live
 * status of the stream and of its transponder.
 */
import { byId, logEvent, setBadge } from "./dom.ts";
import { findTransponders, postJson, PUSH_API, decodeTransponder, type TransponderView } from "./rest.ts";
import { connectSession, flashphoner, WATCHED_STREAM_STATUSES, type FlashphonerSdk, type SdkSession, type SdkStream } from "./sdk.ts";
import { defaultRtmpUrl, fetchServerPorts, initialStreamName, signalingUrl, signalingWarning } from "./server-url.ts";

const POLL_MS = 2000;
const CONSTRAINTS = { audio: true, video: { width: 640, height: 480 } };

const ui = {
  preview: byId("preview", HTMLDivElement),
  previewNote: byId("previewNote", HTMLDivElement),
  server: byId("server", HTMLInputElement),
  name: byId("name", HTMLInputElement),
  rtmpUrl: byId("rtmpUrl", HTMLInputElement),
  autoRepublish: byId("autoRepublish", HTMLInputElement),
  publish: byId("publish", HTMLButtonElement),
  republish: byId("republish", HTMLButtonElement),
  stop: byId("stop", HTMLButtonElement),
  streamStatus: byId("streamStatus", HTMLSpanElement),
  streamInfo: byId("streamInfo", HTMLSpanElement),
  pushStatus: byId("pushStatus", HTMLSpanElement),
  pushDetail: byId("pushDetail", HTMLSpanElement),
  events: byId("events", HTMLUListElement),
};

let session: SdkSession | undefined;
let stream: SdkStream | undefined;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let watchedName = "";

const error = (what: string, err: unknown) => logEvent(ui.events, `${what}: ${err instanceof Error ? err.message : String(err)}`, "error");

ui.name.value = initialStreamName(location, Math.random);
/** Fills in the signaling and RTMP addresses of the server that served the page. */
async function fillServerAddresses(): Promise<void> {
  const ports = await fetchServerPorts();
  ui.server.value = signalingUrl(location, ports);
  ui.rtmpUrl.value = defaultRtmpUrl(location, ports);
  const warning = signalingWarning(location, ports);
  if (warning) logEvent(ui.events, warning, "error");
}
const addressesKnown = fillServerAddresses();

function showTransponder(t: TransponderView | undefined): void {
  setBadge(ui.pushStatus, t ? t.status : "");
  ui.pushDetail.textContent = t ? [`${t.streamName} → ${t.rtmpUrl}`, t.width ? `${t.width}×${t.height}` : "", t.lastError].filter(Boolean).join(" · ") : watchedName ? "none" : "";
}

async function pollTransponder(): Promise<void> {
  if (!watchedName) return;
  try {
    const found = await findTransponders(watchedName);
    showTransponder(found.find((t) => t.rtmpUrl === ui.rtmpUrl.value.trim()) ?? found[0]);
  } catch (err) {
    ui.pushDetail.textContent = err instanceof Error ? err.message : String(err);
  }
}

/** Follows the transponders of `name` (every 2 s) until the page publishes another name. */
function watchTransponder(name: string): void {
  watchedName = name;
  if (pollTimer === undefined) pollTimer = setInterval(() => void pollTransponder(), POLL_MS);
  void pollTransponder();
}

function setRunning(running: boolean): void {
  ui.publish.disabled = running;
  ui.stop.disabled = !running;
  ui.name.disabled = running;
  ui.server.disabled = running;
  ui.autoRepublish.disabled = running;
}

async function ensureSession(sdk: FlashphonerSdk): Promise<SdkSession> {
  await addressesKnown;
  const url = ui.server.value.trim();
  if (session && session.status() === sdk.constants.SESSION_STATUS.ESTABLISHED) return session;
  logEvent(ui.events, `connecting to ${url}`);
  session = await connectSession(sdk, url, (status) => {
    logEvent(ui.events, `session ${status}`, status === "ESTABLISHED" ? "ok" : "error");
    if (status !== "ESTABLISHED") {
      session = undefined;
      setRunning(false);
    }
  });
  return session;
}

async function publish(): Promise<void> {
  const name = ui.name.value.trim();
  if (!name) return void logEvent(ui.events, "enter a stream name", "error");
  setRunning(true);
  try {
    const sdk = await flashphoner();
    const s = await ensureSession(sdk);
    const rtmpUrl = ui.autoRepublish.checked ? ui.rtmpUrl.value.trim() : "";
    const created = s.createStream({ name, display: ui.preview, constraints: CONSTRAINTS, ...(rtmpUrl ? { rtmpUrl } : {}) });
    stream = created;
    for (const status of WATCHED_STREAM_STATUSES) {
      created.on(sdk.constants.STREAM_STATUS[status], (st) => {
        const info = st.getInfo();
        setBadge(ui.streamStatus, st.status());
        ui.streamInfo.textContent = info;
        logEvent(ui.events, `stream ${st.name()} ${st.status()}${info ? `: ${info}` : ""}`, status === "FAILED" ? "error" : status === "PUBLISHING" ? "ok" : "info");
        if (status === "PUBLISHING" && rtmpUrl) watchTransponder(name);
        if (status === "FAILED" || status === "UNPUBLISHED" || status === "STOPPED") {
          if (stream === created) stream = undefined;
          setRunning(false);
        }
      });
    }
    created.publish();
  } catch (err) {
    error("publish failed", err);
    setRunning(false);
  }
}

async function republish(): Promise<void> {
  const streamName = ui.name.value.trim();
  const rtmpUrl = ui.rtmpUrl.value.trim();
  if (!streamName || !rtmpUrl) return void logEvent(ui.events, "enter a stream name and an RTMP URL", "error");
  ui.republish.disabled = true;
  try {
    const t = decodeTransponder(await postJson(`${PUSH_API}/startup`, { streamName, rtmpUrl }));
    logEvent(ui.events, `republishing ${streamName} to ${rtmpUrl}${t ? ` as ${t.streamName} (${t.status || "started"})` : ""}`, "ok");
    showTransponder(t);
    watchTransponder(streamName);
  } catch (err) {
    error("republish failed", err);
  } finally {
    ui.republish.disabled = false;
  }
}

function stop(): void {
  if (stream) stream.stop();
  else setRunning(false);
}

ui.publish.addEventListener("click", () => void publish());
ui.republish.addEventListener("click", () => void republish());
ui.stop.addEventListener("click", stop);

/** Live preview before publishing; the SDK reuses this media when it publishes. */
async function startPreview(): Promise<void> {
  try {
    const sdk = await flashphoner();
    await sdk.getMediaAccess(CONSTRAINTS, ui.preview);
    ui.previewNote.remove();
  } catch (err) {
    ui.previewNote.textContent = "No camera or microphone access";
    error("camera", err);
  }
}
void startPreview();
