/**
 * The `transpond` command as a user runs it: the bin is spawned and its stdout, stderr and exit
 * code checked (version, trace exit codes, the start banner and a clean Ctrl-C).
 */
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { transpondVersion } from "../src/version.ts";
import { freeTcpPort, waitFor } from "./support/net.ts";
import { killChildren, run, start } from "./support/process.ts";
import { syntheticSession } from "./rtmp/trace-session.ts";

const test = suite("cli");
const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/transpond.mjs");
let dir = "";

const transpond = (args: readonly string[], timeoutMs = 60000) => run(process.execPath, [BIN, ...args], timeoutMs);

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "transpond-cli-"));
});
test.after(() => {
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

test("--version, -v and version print the package version and exit 0", async () => {
  for (const args of [["--version"], ["-v"], ["version"]]) {
    const result = await transpond(args);
    assert.is(result.code, 0, args.join(" "));
    assert.is(result.stdout, `transpond ${transpondVersion()}\n`);
  }
});

test("trace exits 0 for a clean capture, 1 when it finds problems, 2 without RTMP or for a file that is no capture", async () => {
  const clean = await transpond(["trace", join(ROOT, "fixtures/rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap")]);
  assert.is(clean.code, 0, clean.stderr);
  assert.ok(clean.stdout.endsWith("no problems found\n"));

  const bad = join(dir, "backwards.pcap");
  writeFileSync(bad, syntheticSession([{ body: { type: "Audio", data: Uint8Array.of(0xaf, 1, 9) }, csid: 4, ts: 0x00ffffff, msid: 1 }]).pcap);
  const problems = await transpond(["trace", bad]);
  assert.is(problems.code, 1, problems.stderr);
  assert.match(problems.stdout, /1 problem\(s\):\n.*ERR_TRACE_TIMESTAMP_BACKWARDS/);

  const sip = await transpond(["trace", join(ROOT, "fixtures/sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap")]);
  assert.is(sip.code, 2);
  assert.ok(sip.stdout.endsWith("no RTMP session found\n"), sip.stdout);
  assert.match(sip.stderr, /no RTMP session in .*: capture the RTMP port/);

  const notCapture = await transpond(["trace", join(ROOT, "README.md")]);
  assert.is(notCapture.code, 2);
  assert.match(notCapture.stderr, /cannot trace .*README\.md: not a pcap or pcapng file.*tcpdump -w/);
  const missing = await transpond(["trace", join(dir, "nothing.pcap")]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /cannot trace .*nothing\.pcap: ENOENT/);
});

interface Started {
  readonly ports: Record<string, number>;
  readonly stderr: () => string;
  stop(): Promise<{ code: number | null; stderr: string }>;
}

/** `transpond start` with its own ports and folders; resolves once the banner's access line is out. */
async function startServer(sets: Record<string, string | number>): Promise<Started> {
  const ports = { http: await freeTcpPort(), https: await freeTcpPort(), ws: await freeTcpPort(), wss: await freeTcpPort(), rtmp: await freeTcpPort() };
  const all = {
    "http.port": ports.http,
    "https.port": ports.https,
    "ws.port": ports.ws,
    "wss.port": ports.wss,
    "rtmp.port": ports.rtmp,
    "media.workers": 0,
    data_dir: join(dir, "data"),
    media_dir: join(dir, "media"),
    record_dir: join(dir, "records"),
    ...sets,
  };
  const { child, done } = start(process.execPath, [BIN, "start", ...Object.entries(all).flatMap(([k, v]) => ["--set", `${k}=${v}`])], 120000);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  await waitFor("the start banner", () => {
    if (child.exitCode !== null) throw new Error(`transpond start exited ${child.exitCode}: ${stderr}`);
    return /REST API and HTTP-FLV: .*\n(.*\n)*.*TLS: /.test(stderr) ? true : undefined;
  }, 60000, 50);
  return {
    ports,
    stderr: () => stderr,
    stop: async () => {
      child.kill("SIGINT");
      const result = await done;
      return { code: result.code, stderr };
    },
  };
}

const bannerLines = (stderr: string) => stderr.split("\n").filter((l) => / \[app\] /.test(l)).map((l) => l.replace(/^\S+ (\w+)\s+\[app\] /, "$1 "));

test("start prints a banner with the version, every URL on the bound ports, the access mode and the generated certificate; Ctrl-C exits 0", async () => {
  const server = await startServer({ bind_address: "127.0.0.1" });
  const { ports } = server;
  const { code, stderr } = await server.stop();
  const lines = bannerLines(stderr);
  const host = "127.0.0.1";
  assert.is(lines[0], `INFO Transpond ${transpondVersion()}`, lines.join("\n"));
  const text = lines.join("\n");
  for (const url of [
    `http://${host}:${ports.http}/`,
    `https://${host}:${ports.https}/`,
    `http://${host}:${ports.http}/rest-api/`,
    `http://${host}:${ports.http}/metrics`,
    `http://${host}:${ports.http}/<app>/<stream>.flv`,
    `ws://${host}:${ports.ws}`,
    `wss://${host}:${ports.wss}`,
    `rtmp://${host}:${ports.rtmp}/live/<stream>`,
  ]) assert.ok(text.includes(url), `banner lacks ${url}:\n${text}`);
  assert.ok(lines.includes("INFO REST API and HTTP-FLV: loopback clients only (no REST users configured; set rest_users, or rest_open_to_network=true)"), text);
  assert.not.match(text, /^WARN/m, "nothing to warn about on loopback");
  const crt = join(dir, "data", "transpond-tls.crt");
  const fingerprint = new X509Certificate(readFileSync(crt)).fingerprint256;
  assert.ok(lines.some((l) => l.startsWith(`INFO TLS:       self-signed certificate ${crt} (SHA-256 ${fingerprint}): browsers warn until you open https://${host}:${ports.https}/ once`)), text);
  assert.match(stderr, /SIGINT: shutting down/);
  assert.is(code, 0, stderr);
});

test("start warns when the REST API is open without authentication on every interface", async () => {
  const server = await startServer({ bind_address: "0.0.0.0", rest_open_to_network: "true" });
  const { code, stderr } = await server.stop();
  const lines = bannerLines(stderr);
  assert.ok(lines.includes("WARN REST API and HTTP-FLV: OPEN to the network WITHOUT authentication (rest_open_to_network=true)"), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("WARN anyone who can reach this machine can start transponders and SIP calls: set disable_rest_auth=false")), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("INFO listening on every interface (bind_address=0.0.0.0)")), lines.join("\n"));
  assert.ok(lines.some((l) => l.includes(`http://localhost:`)), lines.join("\n"));
  assert.is(code, 0, stderr);
});

test("start with a port in use names the config key and the port, exits 1", async () => {
  const taken = createNetServer();
  const port = await new Promise<number>((ok) => taken.listen(0, "127.0.0.1", () => ok((taken.address() as { port: number }).port)));
  try {
    const sets = { "http.port": 0, "https.port": 0, "ws.port": 0, "wss.port": 0, "rtmp.port": port, bind_address: "127.0.0.1", "media.workers": 0, data_dir: join(dir, "data"), media_dir: join(dir, "media"), record_dir: join(dir, "records") };
    const r = await transpond(["start", ...Object.entries(sets).flatMap(([k, v]) => ["--set", `${k}=${v}`])]);
    assert.is(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`transpond: rtmp.port: port ${port} on 127.0.0.1 is already in use: stop the program listening there or set rtmp.port to a free port (0 turns this listener off)`), r.stderr);
  } finally {
    taken.close();
  }
});

test.run();
