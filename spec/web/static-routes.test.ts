import { createServer, request, type Server } from "node:http";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { registerHttpFlv } from "../../src/rest/http-flv.ts";
import { Router } from "../../src/rest/router.ts";
import { bundleWebAssets, type WebAssets } from "../../src/web/bundle.ts";
import { registerWebRoutes } from "../../src/web/static-routes.ts";

const test = suite("web/static-routes");
let server: Server;
let port = 0;
let assets: WebAssets;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the path exactly as given (no client-side normalisation of `..`). */
function get(path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test.before(async () => {
  assets = await bundleWebAssets();
  const router = new Router({ allowOrigin: "*", users: new Map([["admin", "secret"]]) });
  router.post("/rest-api/push/find_all", () => [{ mediaSessionId: "x" }], true);
  registerHttpFlv(router, new StreamHub());
  registerWebRoutes(router, { assets });
  server = createServer(router.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
test.after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const scriptPath = () => [...assets.keys()].find((p) => p.startsWith("/assets/publisher."))!;

test("`/` and each page answer 200 text/html, revalidated (no-cache + ETag), without REST authentication", async () => {
  for (const path of ["/", "/index.html", "/publisher.html", "/player.html", "/transponders.html", "/console.html"]) {
    const res = await get(path);
    assert.is(res.status, 200, path);
    assert.is(res.headers["content-type"], "text/html; charset=utf-8", path);
    assert.is(res.headers["cache-control"], "no-cache", path);
    assert.ok(res.headers.etag, path);
    assert.is(res.headers["x-content-type-options"], "nosniff");
    assert.match(res.body.toString("utf8"), /^<!doctype html>/i, path);
  }
  assert.equal((await get("/")).body, (await get("/index.html")).body);
});

test("scripts answer text/javascript and are cached for a year; styles text/css; the icon image/svg+xml", async () => {
  const js = await get(scriptPath());
  assert.is(js.status, 200);
  assert.is(js.headers["content-type"], "text/javascript; charset=utf-8");
  assert.is(js.headers["cache-control"], "public, max-age=31536000, immutable");
  assert.is(Number(js.headers["content-length"]), js.body.length);
  const css = await get([...assets.keys()].find((p) => p.endsWith(".css"))!);
  assert.is(css.headers["content-type"], "text/css; charset=utf-8");
  const svg = await get([...assets.keys()].find((p) => p.endsWith(".svg"))!);
  assert.is(svg.headers["content-type"], "image/svg+xml");
});

test("a matching If-None-Match answers 304 with no body; HEAD answers the headers only", async () => {
  const first = await get("/player.html");
  const again = await get("/player.html", { headers: { "If-None-Match": String(first.headers.etag) } });
  assert.is(again.status, 304);
  assert.is(again.body.length, 0);
  const stale = await get("/player.html", { headers: { "If-None-Match": '"0000"' } });
  assert.is(stale.status, 200);
  const head = await get("/player.html", { method: "HEAD" });
  assert.is(head.status, 200);
  assert.is(Number(head.headers["content-length"]), first.body.length);
  assert.is(head.body.length, 0);
});

const NOT_SERVED: [string, string][] = [
  ["unknown page", "/admin.html"],
  ["unknown asset", "/assets/publisher.js"],
  ["asset folder", "/assets/"],
  ["page source folder", "/pages/publisher.html"],
  ["client source", "/client/publisher.ts"],
  ["traversal", "/../package.json"],
  ["deep traversal", "/assets/../../package.json"],
  ["encoded dots", "/%2e%2e/package.json"],
  ["encoded slash", "/..%2fpackage.json"],
  ["encoded dots and slash", "/assets/%2e%2e%2f%2e%2e%2fpackage.json"],
  ["double encoding", "/%252e%252e/package.json"],
  ["backslash", "/..%5cpackage.json"],
  ["absolute file", "//etc/passwd"],
  ["NUL byte", "/index.html%00.js"],
  ["page with trailing slash", "/publisher.html/"],
  ["bundler source", "/bundle.ts"],
];

for (const [what, path] of NOT_SERVED) {
  test(`404 for ${what}: ${path}`, async () => {
    const res = await get(path);
    assert.is(res.status, 404);
    assert.is(res.headers["content-type"], "application/json");
    assert.not.match(res.body.toString("utf8"), '"name": "transpond"', "never a file from disk");
  });
}

test("the pages do not take over the REST API or HTTP-FLV when registered after them", async () => {
  const rest = await get("/rest-api/push/find_all", { headers: { Authorization: `Basic ${Buffer.from("admin:secret").toString("base64")}` } });
  assert.is(rest.status, 200);
  assert.equal(JSON.parse(rest.body.toString("utf8")), [{ mediaSessionId: "x" }]);
  assert.is((await get("/rest-api/push/find_all")).status, 401, "REST auth still applies");
  assert.is((await get("/live/nobody.flv")).status, 401, "HTTP-FLV is behind the REST users too");
  const flv = await get("/live/nobody.flv", { headers: { Authorization: `Basic ${Buffer.from("admin:secret").toString("base64")}` } });
  assert.is(flv.status, 404);
  assert.match(flv.body.toString("utf8"), "stream is not published: nobody", "answered by HTTP-FLV, not by the pages");
});

test("POST to a page is not served", async () => {
  assert.is((await get("/publisher.html", { method: "POST" })).status, 404);
});

test.run();
