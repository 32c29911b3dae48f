/**
 * Wireshark's WebSocket dissector reads a capture of the agent client's sessions (dumpcap on lo,
 * filtered to the signaling port, ws:// so nothing is encrypted): a /pull/push and a /pull/pull
 * against our own server. No malformed packet and no error-level expert item, and the WCS messages
 * readable as text frames in the order the Web SDK sends and gets them. Capturing needs root (as
 * here and in CI).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { startApp, type App } from "../../src/app.ts";
import type { Frame } from "../../src/codecs/frame.ts";
import { makeConfig } from "../../src/config.ts";
import { fixtureVideo } from "../agent/support/werift-browser.ts";
import { e2eSuite } from "../support/e2e.ts";
import { freeTcpPort, sleep, waitFor } from "../support/net.ts";
import { killChildren, run, start } from "../support/process.ts";

const test = e2eSuite("e2e/agent sessions dissected by tshark", ["tshark", "dumpcap"]);
let dir = "";
let capture = "";
let app: App | undefined;
let feeder: NodeJS.Timeout | undefined;
let wsPort = 0;

/** A local stream "src": the fixture's video in a loop at 30 fps. */
function feedSource(target: App): void {
  const { config, frames } = fixtureVideo(90);
  const stream = target.hub.publish("src", { kind: "file", requestKeyframe: () => {}, stop: () => {} });
  stream.setConfig(config);
  let i = 0;
  feeder = setInterval(() => {
    const f = frames[i % frames.length]!;
    const loop = Math.floor(i / frames.length);
    stream.pushFrame({ ...f, dts: f.dts + loop * 3000, pts: f.pts + loop * 3000 } as Frame);
    i++;
  }, 33);
}

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-agent-tshark-"));
  wsPort = await freeTcpPort();
  const portFrom = 20000 + Math.floor(Math.random() * 40000);
  app = await startApp(
    makeConfig({
      bind_address: "127.0.0.1",
      "http.port": 0,
      "https.port": 0,
      "ws.port": wsPort,
      "wss.port": 0,
      "rtmp.port": 0,
      ice_interface_addresses: ["127.0.0.1"],
      media_port_from: portFrom,
      media_port_to: portFrom + 200,
      data_dir: join(dir, "data"),
    }),
  );
  feedSource(app);
  capture = join(dir, "agent.pcap");
  const dumpcap = start("dumpcap", ["-q", "-i", "lo", "-f", `tcp port ${wsPort}`, "-w", capture, "-P"], 120000);
  let stderr = "";
  dumpcap.child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  // dumpcap names its output file once it captures; before that our first packets would be lost
  await waitFor("dumpcap to start capturing", () => (/File: /.test(stderr) ? true : undefined), 10000);
  const uri = `ws://127.0.0.1:${wsPort}`;
  const pushed = app.relays.push({ uri, localStreamName: "src", remoteStreamName: "copy" });
  await waitFor("copy has video", () => ((app!.hub.get("copy")?.frames.video ?? 0) > 30 ? true : undefined), 30000);
  const pulled = app.relays.pull({ uri, localStreamName: "back", remoteStreamName: "copy" });
  await waitFor("back has video", () => ((app!.hub.get("back")?.frames.video ?? 0) > 30 ? true : undefined), 30000);
  pulled.stop();
  pushed.stop();
  await waitFor("copy unpublished", () => (app!.hub.get("copy") ? undefined : true), 10000);
  // dumpcap hands packets over in blocks (libpcap buffer timeout): give the last ones time to land
  await sleep(1500);
  dumpcap.child.kill("SIGINT");
  const r = await dumpcap.done;
  if (!statSync(capture, { throwIfNoEntry: false })?.size) throw new Error(`dumpcap wrote nothing: ${r.stderr}`);
});

test.after(async () => {
  clearInterval(feeder);
  killChildren();
  await app?.close();
  if (dir && !process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

function tsharkArgs(...more: string[]): string[] {
  return ["-r", capture, "-d", `tcp.port==${wsPort},http`, ...more];
}

/** The `message`s of the WCS text frames sent towards (`toServer`) or from the signaling port, by TCP stream. */
async function wcsMessages(toServer: boolean): Promise<string[][]> {
  const r = await run("tshark", tsharkArgs("-Y", `websocket.payload.text && tcp.${toServer ? "dst" : "src"}port == ${wsPort}`, "-T", "fields", "-e", "tcp.stream", "-e", "websocket.payload.text", "-E", "occurrence=a", "-E", "aggregator=\u001f"));
  assert.is(r.code, 0, r.stderr);
  const sessions = new Map<string, string[]>();
  for (const line of r.stdout.split("\n").filter((l) => l !== "")) {
    const [stream, texts] = line.split("\t") as [string, string];
    const messages = texts.split("\u001f").map((text) => (JSON.parse(text) as { message: string }).message);
    sessions.set(stream, [...(sessions.get(stream) ?? []), ...messages.filter((m) => m !== "pong")]);
  }
  return [...sessions.values()];
}

test("tshark dissects every session as WebSocket with no malformed packet and no error-level expert item", async () => {
  const upgrades = await run("tshark", tsharkArgs("-Y", "http.upgrade == \"websocket\" && http.request", "-T", "fields", "-e", "tcp.stream"));
  const sessions = (await wcsMessages(true)).length;
  assert.ok(sessions >= 2, "a session for the push and one for the pull");
  assert.is(upgrades.stdout.trim().split("\n").length, sessions, `one upgrade per session: ${upgrades.stdout}${upgrades.stderr}`);
  const frames = await run("tshark", tsharkArgs("-Y", "websocket"));
  assert.ok(frames.stdout.split("\n").length > 10, `tshark saw WebSocket frames:\n${frames.stdout.slice(0, 500)}${frames.stderr}`);
  const bad = await run("tshark", tsharkArgs("-Y", "_ws.malformed || _ws.expert.severity >= error"));
  assert.is(bad.code, 0, bad.stderr);
  assert.is(bad.stdout.trim(), "");
});

// A first attempt the server refuses (its FAILED ends the session) is retried in a new session,
// so the sessions are checked one by one.
test("tshark shows the WCS messages as text: each session's requests in the SDK's order, the server's answers", async () => {
  const sent = await wcsMessages(true);
  for (const session of sent) assert.ok(["publishStream", "playStream"].includes(session[1]!) && session[0] === "connection", session.join(", "));
  const done = sent.map((session) => session.join(", "));
  assert.ok(done.includes("connection, publishStream, unPublishStream"), done.join(" | "));
  assert.ok(done.includes("connection, playStream, stopStream"), done.join(" | "));
  for (const session of await wcsMessages(false)) {
    assert.is(session[0], "getUserData");
    assert.ok(session.includes("setRemoteSDP") && session.includes("notifyStreamStatusEvent"), session.join(", "));
  }
});

test.run();
