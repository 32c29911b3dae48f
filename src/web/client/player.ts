/**
 * Player page: plays a published stream over WebRTC (Web SDK `createStream({name, display}).play()`)
 * or the embedded server's HTTP-FLV copy (`/<app>/<name>.flv`, the app from `/stream/find`) with
 * mpegts.js over MSE.
 */
import * as mpegtsModule from "mpegts.js";
import { byId, logEvent, setBadge } from "./dom.ts";
import { findStreamCodecs, flvAudioPlayable } from "./rest.ts";
import { connectSession, flashphoner, WATCHED_STREAM_STATUSES, type SdkSession, type SdkStream } from "./sdk.ts";
import { fetchServerPorts, httpFlvPath, signalingUrl, signalingWarning } from "./server-url.ts";

type Mpegts = typeof mpegtsModule.default.default;
type FlvPlayer = ReturnType<Mpegts["createPlayer"]>;
/** The UMD build is CommonJS: depending on interop the API object is the module, its default or the default's default. */
function resolveMpegts(): Mpegts {
  const outer: unknown = mpegtsModule.default;
  const candidates = [outer, typeof outer === "object" && outer !== null ? (outer as { default?: unknown }).default : undefined, mpegtsModule];
  const found = candidates.find((c) => typeof c === "object" && c !== null && typeof (c as { createPlayer?: unknown }).createPlayer === "function");
  if (!found) throw new Error("mpegts.js did not load");
  return found as Mpegts;
}
const mpegts = resolveMpegts();

const ui = {
  display: byId("display", HTMLDivElement),
  displayNote: byId("displayNote", HTMLDivElement),
  flvBox: byId("flvBox", HTMLDivElement),
  flvVideo: byId("flvVideo", HTMLVideoElement),
  screenTitle: byId("screenTitle", HTMLHeadingElement),
  server: byId("server", HTMLInputElement),
  name: byId("name", HTMLInputElement),
  playWebrtc: byId("playWebrtc", HTMLButtonElement),
  playFlv: byId("playFlv", HTMLButtonElement),
  stop: byId("stop", HTMLButtonElement),
  playStatus: byId("playStatus", HTMLSpanElement),
  playInfo: byId("playInfo", HTMLSpanElement),
  flvPath: byId("flvPath", HTMLSpanElement),
  events: byId("events", HTMLUListElement),
};

let session: SdkSession | undefined;
let webrtc: SdkStream | undefined;
let flv: FlvPlayer | undefined;

/** The signaling address of the server that served the page, filled in once it is known. */
const addressesKnown = fetchServerPorts().then((ports) => {
  ui.server.value = signalingUrl(location, ports);
  const warning = signalingWarning(location, ports);
  if (warning) logEvent(ui.events, warning, "error");
});
ui.name.value = new URLSearchParams(location.search).get("name") ?? "";
const showPath = () => void (ui.flvPath.textContent = httpFlvPath(ui.name.value.trim() || "<name>"));
ui.name.addEventListener("input", showPath);
showPath();

function setPlaying(mode: "webrtc" | "flv" | undefined): void {
  ui.playWebrtc.disabled = mode !== undefined;
  ui.playFlv.disabled = mode !== undefined;
  ui.stop.disabled = mode === undefined;
  ui.name.disabled = mode !== undefined;
  ui.flvBox.hidden = mode !== "flv";
  ui.display.hidden = mode === "flv";
  ui.screenTitle.textContent = mode === "flv" ? "HTTP-FLV" : mode === "webrtc" ? "WebRTC" : "Video";
}

function status(text: string, info = "", kind: "info" | "ok" | "error" = "info"): void {
  setBadge(ui.playStatus, text);
  ui.playInfo.textContent = info;
  logEvent(ui.events, `${text}${info ? `: ${info}` : ""}`, kind);
}

async function playWebrtc(): Promise<void> {
  const name = ui.name.value.trim();
  if (!name) return void logEvent(ui.events, "enter a stream name", "error");
  setPlaying("webrtc");
  try {
    const sdk = await flashphoner();
    await addressesKnown;
    if (!session || session.status() !== sdk.constants.SESSION_STATUS.ESTABLISHED) {
      session = await connectSession(sdk, ui.server.value.trim(), (s) => {
        logEvent(ui.events, `session ${s}`, s === "ESTABLISHED" ? "ok" : "error");
        if (s !== "ESTABLISHED") {
          session = undefined;
          if (webrtc) setPlaying(undefined);
          webrtc = undefined;
        }
      });
    }
    ui.displayNote.hidden = true;
    const created = session.createStream({ name, display: ui.display });
    webrtc = created;
    for (const st of WATCHED_STREAM_STATUSES) {
      created.on(sdk.constants.STREAM_STATUS[st], (s) => {
        status(s.status(), s.getInfo(), st === "FAILED" ? "error" : st === "PLAYING" ? "ok" : "info");
        if (st === "FAILED" || st === "STOPPED") {
          if (webrtc === created) webrtc = undefined;
          ui.displayNote.hidden = false;
          setPlaying(undefined);
        }
      });
    }
    created.play();
  } catch (err) {
    status("FAILED", err instanceof Error ? err.message : String(err), "error");
    setPlaying(undefined);
  }
}

async function playFlv(): Promise<void> {
  const name = ui.name.value.trim();
  if (!name) return void logEvent(ui.events, "enter a stream name", "error");
  if (!mpegts.isSupported()) return void status("FAILED", "this browser has no Media Source Extensions", "error");
  setPlaying("flv");
  // A browser's Opus (or G.711) cannot be played from FLV: play the video alone rather than wait for it.
  const codecs = await findStreamCodecs(name);
  const path = httpFlvPath(name, codecs?.rtmpApp || undefined);
  ui.flvPath.textContent = path;
  const url = new URL(path, location.href).href;
  const hasAudio = flvAudioPlayable(codecs);
  if (hasAudio === false) logEvent(ui.events, `audio is ${codecs?.audioCodec}, which FLV playback cannot take: video only`);
  if (ui.stop.disabled) return; // stopped meanwhile
  const player = mpegts.createPlayer({ type: "flv", isLive: true, url, ...(hasAudio === false ? { hasAudio: false } : {}) }, { enableWorker: false, liveBufferLatencyChasing: true, lazyLoad: false });
  flv = player;
  player.on(mpegts.Events.ERROR, (type: unknown, detail: unknown, info: unknown) => {
    const text = typeof info === "object" && info !== null && "msg" in info ? String((info as { msg: unknown }).msg) : String(detail);
    status("FAILED", `${String(type)}: ${text}`, "error");
    stop();
  });
  player.on(mpegts.Events.LOADING_COMPLETE, () => status("STOPPED", "the stream ended"));
  player.attachMediaElement(ui.flvVideo);
  player.load();
  status("PENDING", url);
  ui.flvVideo.addEventListener("playing", () => flv === player && status("PLAYING", url, "ok"), { once: true });
  Promise.resolve(player.play()).catch((err: unknown) => {
    // stopping before the first frame interrupts play(): not worth reporting
    if (flv === player && !(err instanceof DOMException && err.name === "AbortError")) logEvent(ui.events, `play: ${err instanceof Error ? err.message : String(err)}`, "error");
  });
}

function stop(): void {
  if (webrtc) {
    webrtc.stop();
    return;
  }
  if (flv) {
    const player = flv;
    flv = undefined;
    player.pause();
    player.unload();
    player.detachMediaElement();
    player.destroy();
    if (ui.playStatus.textContent !== "FAILED") status("STOPPED");
  }
  setPlaying(undefined);
}

ui.playWebrtc.addEventListener("click", () => void playWebrtc());
ui.playFlv.addEventListener("click", () => void playFlv());
ui.stop.addEventListener("click", stop);
