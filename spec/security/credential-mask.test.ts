/**
 * Attack 6 of issue 14: passwords shown by REST answers, hooks and logs. maskCredentials is checked
 * against generated URLs (a seeded hand-rolled generator: empty users, `@ : / ? # & =` and spaces in
 * passwords, query credentials, bare WCS-style query items, URLs inside free text). Secrets are
 * drawn from UPPER-case letters and everything else from lower-case, so any leaked secret letter,
 * even the tail after an `@`, shows as an upper-case letter in the output. Then the whole server:
 * a call with such an rtmpUrl shows no password in /call/find, the CallStatusEvent hook or the log.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { maskCredentials } from "../../src/credentials.ts";
import { configureLogging } from "../../src/log.ts";
import { prng } from "../support/fuzz.ts";
import { waitFor } from "../support/net.ts";
import { UdpFarEnd } from "../core/call/calls-support.ts";
import { startTestApp } from "./support/app.ts";

const test = suite("security/credential-mask");

type Random = () => number;
const pick = <T>(r: Random, items: readonly T[]): T => items[r() % items.length]!;
const word = (r: Random, alphabet: string, min: number, max: number) => Array.from({ length: min + (r() % (max - min + 1)) }, () => pick(r, [...alphabet])).join("");
const LOWER = "abcdefghijklmnopqrstuvwxyz0123456789";
const SECRET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PASSWORD_SPECIALS = ["@", ":", "/", "?", "#", " ", "&", "=", "%40", "@h", "@a.b"];

/** A password: secret letters, each maybe followed by a character that confuses URL parsing. */
function password(r: Random): string {
  let out = "";
  const n = 1 + (r() % 10);
  for (let i = 0; i < n; i++) out += pick(r, [...SECRET]) + (r() % 3 === 0 ? pick(r, PASSWORD_SPECIALS) : "");
  return out;
}

interface Generated {
  readonly text: string;
  readonly hosts: string[];
}

/** One URL with credentials in the user info, the query, or both. */
function url(r: Random): { url: string; host: string } {
  const scheme = pick(r, ["rtmp", "rtmps", "http", "https", "ws", "rtsp"]);
  const host = pick(r, [word(r, LOWER, 1, 12) + ".example", "127.0.0.1", "[::1]", word(r, LOWER, 1, 8)]);
  const port = r() % 2 ? `:${1 + (r() % 65535)}` : "";
  const user = pick(r, ["", word(r, LOWER, 1, 8), " " + word(r, LOWER, 1, 5)]);
  const userInfo = pick(r, [`${user}:${password(r)}@`, `:${password(r)}@`, `${user}:@`, ""]);
  const path = "/" + word(r, LOWER, 1, 8) + (r() % 2 ? "/" + word(r, LOWER, 1, 8) : "") + (r() % 3 === 0 ? "/" : "");
  const secretValue = () => word(r, SECRET, 1, 12);
  const queryItems = [
    () => `pass=${secretValue()}`,
    () => `password=${secretValue()}`,
    () => `token=${secretValue()}`,
    () => `streamkey=${secretValue()}`,
    () => `auth=${secretValue()}`,
    () => secretValue(),
    () => `user=${word(r, LOWER, 1, 6)}`,
    () => `vhost=${word(r, LOWER, 1, 6)}`,
  ];
  const query = r() % 2 ? "?" + Array.from({ length: 1 + (r() % 3) }, () => pick(r, queryItems)()).join("&") : "";
  return { url: `${scheme}://${userInfo}${host}${port}${path}${query}`, host: host.replace(/^\[|\]$/g, "") };
}

/** A URL alone, with a leading space, or inside free text / JSON, maybe two in one line. */
function generate(r: Random): Generated {
  const a = url(r);
  const b = url(r);
  switch (r() % 5) {
    case 0:
      return { text: a.url, hosts: [a.host] };
    case 1:
      return { text: " " + a.url, hosts: [a.host] };
    case 2:
      return { text: `connect to ${a.url} failed: connect econnrefused`, hosts: [a.host] };
    case 3:
      return { text: JSON.stringify({ url: a.url, next: b.url }), hosts: [a.host, b.host] };
    default:
      return { text: `${a.url}\n${b.url}`, hosts: [a.host, b.host] };
  }
}

test("5,000 generated URLs: no secret letter survives, hosts do, and masking twice changes nothing", () => {
  const r = prng(0x5ec0de);
  for (let i = 0; i < 5000; i++) {
    const { text, hosts } = generate(r);
    const masked = maskCredentials(text);
    assert.not.match(masked, /[A-Z]/, `case ${i}: ${JSON.stringify(text)} -> ${JSON.stringify(masked)}`);
    for (const host of hosts) assert.ok(masked.includes(host), `case ${i}: host ${host} lost in ${JSON.stringify(masked)}`);
    assert.is(maskCredentials(masked), masked, `case ${i}: not idempotent`);
  }
});

test("the forms of the issue, one by one", () => {
  assert.is(maskCredentials("rtmp://:pw@h/a"), "rtmp://***@h/a");
  assert.is(maskCredentials(" rtmp://u:pw@h/a"), " rtmp://u@h/a");
  assert.is(maskCredentials("rtmp://u:p@ss@h/a"), "rtmp://u@h/a");
  assert.is(maskCredentials("rtmp://u:p:w@h:1935/a"), "rtmp://u@h:1935/a");
  assert.is(maskCredentials("rtmp://h/live/?user1&pass1"), "rtmp://h/live/?***&***");
  assert.is(maskCredentials("rtmp://h/live?user=u&password=pw&vhost=v"), "rtmp://h/live?user=u&password=***&vhost=v");
  assert.is(maskCredentials("rtmp://h/live/stream"), "rtmp://h/live/stream");
  assert.is(maskCredentials("no url here: a:b@c"), "no url here: a:b@c");
});

test("a call with credentials in rtmpUrl shows no password in /call/find, the CallStatusEvent hook or the log", async () => {
  const hookBodies: string[] = [];
  const hook: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => (hookBodies.push(body), res.writeHead(200).end()));
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  const sip = await UdpFarEnd.start();
  sip.script = (req, tx, core) => tx.respond(core.createResponse(req, req.method === "INVITE" ? 180 : 200, { toTag: "far" }));
  const lines: string[] = [];
  configureLogging({ level: "debug", write: (l) => lines.push(l) });
  const server = await startTestApp({ rest_hook_url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}` });
  try {
    const secret = "TOPSECRETpw";
    for (const rtmpUrl of [`rtmp://:${secret}@127.0.0.1:1/live`, `rtmp://u:${secret}@x@127.0.0.1:1/live`, `rtmp://127.0.0.1:1/live?pass=${secret}`]) {
      const callId = `c${hookBodies.length}${Math.random().toString(36).slice(2)}`;
      const r = await server.post("/rest-api/call/startup", { callId, callee: "1", sipLogin: "2", sipDomain: "127.0.0.1", sipPort: sip.port, rtmpUrl, rtmpStream: `s${callId}` });
      assert.is(r.status, 200, r.text);
      const found = await server.post("/rest-api/call/find", { callId });
      assert.is(found.status, 200);
      assert.not.ok(found.text.includes("TOPSECRET"), found.text);
      assert.ok(found.text.includes("127.0.0.1:1/live"), found.text);
      await waitFor("RING", async () => ((await server.post("/rest-api/call/find", { callId })).text.includes('"RING"') ? true : undefined), 15000);
      await server.post("/rest-api/call/terminate", { callId });
    }
    await waitFor("call hooks", () => (hookBodies.filter((b) => b.includes("rtmpUrl")).length >= 3 ? true : undefined), 15000);
    assert.not.ok(hookBodies.join("\n").includes("TOPSECRET"));
    assert.ok(lines.some((l) => l.includes("127.0.0.1:1/live")), "the log names the URL");
    assert.not.ok(lines.join("\n").includes("TOPSECRET"));
  } finally {
    configureLogging({ level: "warn", write: (l) => process.stderr.write(l + "\n") });
    await server.close();
    await sip.close();
    hook.closeAllConnections();
    await new Promise<void>((r) => hook.close(() => r()));
  }
});

test.run();
