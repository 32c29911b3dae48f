/**
 * Issue 14, attacks 5, 8, 10 (HTTP side): `stream/terminate {}` ending every stream, a 2 MiB body
 * answered with a reset, a trickled request holding a connection for minutes, `rest_users=adminsecret`
 * making user `adminsecre`, unlogged and unthrottled password guessing, pages without CSP and frame
 * headers. Each replayed against the running server on loopback.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { configureLogging } from "../../src/log.ts";
import { startApp } from "../../src/app.ts";
import { makeConfig } from "../../src/config.ts";
import { waitFor } from "../support/net.ts";
import { restPost, startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/http-limits");
let server: TestApp | undefined;

test.after.each(async () => {
  await server?.close();
  server = undefined;
});

const basic = (user: string, password: string) => ({ authorization: "Basic " + Buffer.from(`${user}:${password}`).toString("base64") });

test("stream/terminate without mediaSessionId or name is a 400 and ends nothing; with a name it ends that stream only", async () => {
  server = await startTestApp();
  const source = { kind: "rtmp" as const, requestKeyframe: () => undefined, stop: () => undefined };
  server.app.hub.publish("one", source);
  server.app.hub.publish("two", source);
  for (const body of [{}, { name: "" }, { mediaSessionId: "" }]) {
    const r = await server.post("/rest-api/stream/terminate", body);
    assert.is(r.status, 400);
    assert.match(r.body.message ?? "", "mediaSessionId or name is required");
  }
  assert.equal(server.app.hub.all().map((s) => s.name).sort(), ["one", "two"]);
  assert.is((await server.post("/rest-api/stream/terminate", { name: "one" })).status, 200);
  assert.equal(server.app.hub.all().map((s) => s.name), ["two"]);
});

test("a 2 MiB body gets a 413 answer naming the limit, not a reset, and the server goes on answering", async () => {
  server = await startTestApp();
  const big = JSON.stringify({ streamName: "x".repeat(2 * 1024 * 1024) });
  const r = await server.post("/rest-api/push/startup", big);
  assert.is(r.status, 413);
  assert.match(r.body.message ?? "", "larger than 1048576 bytes");
  assert.is((await server.post("/rest-api/push/find_all", {})).status, 404);
});

/** Opens a raw connection, sends `head`, then one byte a second; resolves with the ms until the server closes it. */
function trickle(port: number, head: string, maxMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    const drip = setInterval(() => socket.write("x"), 1000);
    const limit = setTimeout(() => (socket.destroy(), reject(new Error(`still open after ${maxMs} ms`))), maxMs);
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(drip);
      clearTimeout(limit);
      resolve(Date.now() - started);
    });
  });
}

test("a trickled body or header block is cut off after the configured seconds (http.request_timeout, http.headers_timeout)", async () => {
  server = await startTestApp({ "http.headers_timeout": 1, "http.request_timeout": 2 });
  const port = server.app.ports.http!;
  const body = trickle(port, "POST /rest-api/push/find HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", 20000);
  const headers = trickle(port, "POST /rest-api/push/find HTTP/1.1\r\nHost: x\r\n", 20000);
  assert.is((await server.post("/rest-api/push/find_all", {})).status, 404, "others are served meanwhile");
  const [bodyMs, headersMs] = await Promise.all([body, headers]);
  assert.ok(bodyMs >= 1500 && bodyMs < 10000, `body cut after ${bodyMs} ms`);
  assert.ok(headersMs >= 500 && headersMs < 10000, `headers cut after ${headersMs} ms`);
});

test("pages carry CSP with frame-ancestors 'none', X-Frame-Options DENY and nosniff; REST answers carry nosniff", async () => {
  server = await startTestApp();
  const page = await fetch(server.base + "/");
  assert.is(page.status, 200);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, "frame-ancestors 'none'");
  assert.match(csp, "script-src 'self'");
  assert.match(csp, "object-src 'none'");
  assert.is(page.headers.get("x-frame-options"), "DENY");
  assert.is(page.headers.get("x-content-type-options"), "nosniff");
  await page.arrayBuffer();
  const rest = await fetch(server.base + "/rest-api/push/find_all");
  assert.is(rest.headers.get("x-content-type-options"), "nosniff");
  await rest.arrayBuffer();
});

test("rest_users entries without ':' or with an empty name or password stop the start with an error naming the key", async () => {
  for (const [users, message] of [
    [["adminsecret"], /rest_users: entry 1 has no ':'/],
    [["admin:"], /rest_users: entry 1 \(user admin\) has an empty password/],
    [[":pw"], /rest_users: entry 1 has an empty user name/],
  ] as const) {
    const started = await startApp(makeConfig({ "http.port": 0, "https.port": 0, "ws.port": 0, "wss.port": 0, "rtmp.port": 0, disable_rest_auth: false, rest_users: [...users] })).then(
      (app) => app.close().then(() => "started"),
      (err: Error) => err.message,
    );
    assert.match(started, message);
  }
});

test("rest_users_file users log in; a wrong password is logged (address and user, never the password) and the address is slowed with 429", async () => {
  const lines: string[] = [];
  configureLogging({ level: "warn", write: (l) => lines.push(l) });
  try {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "transpond-users-"));
    const file = join(dir, "users");
    writeFileSync(file, "# operators\nadmin:s3cret,with:colon\n\nviewer:v\n");
    try {
      server = await startTestApp({ disable_rest_auth: false, rest_users_file: file });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const url = server.base + "/rest-api/push/find_all";
    assert.is((await restPost(url, {}, basic("admin", "s3cret,with:colon"))).status, 404, "the file's user is let in");
    assert.is((await restPost(url, {})).status, 401);
    for (let i = 0; i < 3; i++) assert.is((await restPost(url, {}, basic("admin", `guess-${i}`))).status, 401);
    const slowed = await restPost(url, {}, basic("admin", "s3cret,with:colon"));
    assert.is(slowed.status, 429, "even the right password waits");
    assert.match(slowed.body.message ?? "", /too many failed logins from 127\.0\.0\.1; retry in \d+ s/);
    const failures = lines.filter((l) => l.includes("REST login failed"));
    assert.is(failures.length, 3);
    assert.match(failures[2]!, /address="127\.0\.0\.1" user="admin" failures=3/);
    assert.not.ok(lines.join("\n").includes("guess-"));
    await waitFor("the wait to pass", async () => ((await restPost(url, {}, basic("admin", "s3cret,with:colon"))).status === 404 ? true : undefined), 10000, 250);
  } finally {
    configureLogging({ level: "warn", write: (l) => process.stderr.write(l + "\n") });
  }
});

test.run();
