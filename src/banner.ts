/**
 * The start banner: the version, every URL a person opens or points an encoder at, who may use the
 * REST API, the TLS certificate browsers will be shown, and the media sockets' receive buffer when the
 * kernel gives less than asked. Pure over what the app bound, so the
 * lines are tested without starting anything.
 */
import { isIP } from "node:net";
import type { Config } from "./config.ts";
import { accessBanner, isLoopbackAddress, type RestAccess } from "./rest/access.ts";

export interface BannerInput {
  readonly version: string;
  /** bound ports by listener (http, https, ws, wss, rtmp); an absent one is off */
  readonly ports: Readonly<Record<string, number>>;
  readonly config: Pick<Config, "bind_address" | "https.cert" | "data_dir" | "sip.port">;
  readonly access: RestAccess;
  /** the machine's non-loopback addresses, for a server bound to every interface */
  readonly externalAddresses: readonly string[];
  /** the TLS certificate in use, when https or wss listens */
  readonly certificate?: { readonly file: string; readonly generated: boolean; readonly sha256: string };
  /** `media_receive_buffer` and what a socket that asks for it gets (rtp/receive-buffer.ts) */
  readonly mediaReceiveBuffer?: { readonly asked: number; readonly granted: number };
}

export interface BannerLine {
  readonly level: "info" | "warn";
  readonly text: string;
}

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** The host the URLs name: the bind address, or localhost when every interface listens. */
function shownHost(bindAddress: string): string {
  return WILDCARDS.has(bindAddress) ? "localhost" : urlHost(bindAddress);
}

/** Open to the network: bound to every interface or to an address that is not loopback. */
function reachableFromNetwork(bindAddress: string): boolean {
  return WILDCARDS.has(bindAddress) || !isLoopbackAddress(bindAddress);
}

function urlLines(host: string, ports: BannerInput["ports"]): BannerLine[] {
  const lines: string[] = [];
  const web = [ports.http && `http://${host}:${ports.http}`, ports.https && `https://${host}:${ports.https}`].filter((u): u is string => !!u);
  if (web.length) {
    lines.push(`pages:     ${web.map((u) => `${u}/`).join("  ")}  console: ${web[0]}/console.html`);
    lines.push(`REST API:  ${web.map((u) => `${u}/rest-api/`).join("  ")}`);
    lines.push(`metrics:   ${web[0]}/metrics  health: ${web[0]}/health`);
    lines.push(`HTTP-FLV:  ${web[0]}/<app>/<stream>.flv (the RTMP application it was published to; live for WebRTC, SIP, relays, WHIP)`);
  }
  const signaling = [ports.ws && `ws://${host}:${ports.ws}`, ports.wss && `wss://${host}:${ports.wss}`].filter((u): u is string => !!u);
  if (signaling.length) lines.push(`WebSocket: ${signaling.join("  ")} (Flashphoner Web SDK)`);
  if (ports.rtmp) lines.push(`RTMP:      rtmp://${host}:${ports.rtmp}/live/<stream> (publish from an encoder, play from the same URL)`);
  return lines.map((text) => ({ level: "info", text }));
}

function certificateLine(certificate: NonNullable<BannerInput["certificate"]>, host: string, ports: BannerInput["ports"]): BannerLine {
  if (!certificate.generated) return { level: "info", text: `TLS:       certificate ${certificate.file} (SHA-256 ${certificate.sha256})` };
  const page = ports.https ? `https://${host}:${ports.https}/` : `https://${host}:${ports.wss}/`;
  return {
    level: "info",
    text: `TLS:       self-signed certificate ${certificate.file} (SHA-256 ${certificate.sha256}): browsers warn until you open ${page} once and accept it; set https.cert and https.key to use your own`,
  };
}

function receiveBufferLine({ asked, granted }: NonNullable<BannerInput["mediaReceiveBuffer"]>): BannerLine | undefined {
  if (asked === 0 || granted >= asked) return undefined;
  const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
  return {
    level: "info",
    text: `media:     UDP receive buffer ${kib(granted)} per socket, less than media_receive_buffer (${kib(asked)}): the kernel caps it at net.core.rmem_max; with many WebRTC publishers raise that (sysctl -w net.core.rmem_max=${asked}) or bursts may be dropped`,
  };
}

/** The banner's lines, in the order they are logged. */
export function startBanner(input: BannerInput): BannerLine[] {
  const { config, ports, access } = input;
  const host = shownHost(config.bind_address);
  const lines: BannerLine[] = [{ level: "info", text: `Transpond ${input.version}` }, ...urlLines(host, ports)];
  if (WILDCARDS.has(config.bind_address)) {
    const others = input.externalAddresses.length ? `; from other machines use this one's address (${input.externalAddresses.join(", ")})` : "";
    lines.push({ level: "info", text: `listening on every interface (bind_address=${config.bind_address || "0.0.0.0"})${others}` });
  }
  if (!ports.rtmp && !ports.http && !ports.https && !ports.ws && !ports.wss) lines.push({ level: "warn", text: "no listener is on: every port is 0" });
  lines.push({ level: "info", text: `SIP:       ${config["sip.port"] ? `calls from local port ${config["sip.port"]}` : "each call from its own local port (sip.port=0)"}` });
  const openWithoutAuth = access === "open" && reachableFromNetwork(config.bind_address);
  lines.push({ level: openWithoutAuth ? "warn" : "info", text: accessBanner(access) });
  if (openWithoutAuth) {
    lines.push({ level: "warn", text: "anyone who can reach this machine can start transponders and SIP calls: set disable_rest_auth=false with rest_users (or rest_users_file), or bind_address=127.0.0.1" });
  }
  if (input.certificate && (ports.https || ports.wss)) lines.push(certificateLine(input.certificate, host, ports));
  const receiveBuffer = input.mediaReceiveBuffer && receiveBufferLine(input.mediaReceiveBuffer);
  if (receiveBuffer) lines.push(receiveBuffer);
  return lines;
}
