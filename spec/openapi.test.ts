/**
 * openapi.yaml against the server: every route registered in src/rest (as startApp registers them,
 * the cluster's included) is described and every described path is a route, with the same methods;
 * every $ref resolves and every schema compiles; live answers of a running app (errors, lists,
 * tokens, stats, health, metrics) match their description. spec/e2e/whip-whep.test.ts checks the
 * WHIP/WHEP answers the same way.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startApp, type App } from "../src/app.ts";
import type { ClusterNode } from "../src/cluster/node.ts";
import { makeConfig } from "../src/config.ts";
import { registerClusterRoutes } from "../src/rest/cluster-routes.ts";
import { freeTcpPort } from "./support/net.ts";
import { answerProblems, compileSchema, fetchAnswer, loadOpenApi, resolveRef, templateOf, type OpenApiDoc } from "./support/openapi.ts";

const test = suite("openapi.yaml");
const doc: OpenApiDoc = loadOpenApi();
const METHODS = ["get", "post", "put", "delete", "patch", "options", "head"];
/** Prefix routes that are no API: the web pages answer every GET path no other route took. */
const NOT_API = new Set(["/"]);

let app: App;
let dir: string;
let base: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-openapi-"));
  app = await startApp(makeConfig({ bind_address: "127.0.0.1", "http.port": await freeTcpPort(), "https.port": 0, "ws.port": 0, "wss.port": 0, "rtmp.port": 0, "media.workers": 0, data_dir: join(dir, "data"), media_dir: join(dir, "media"), record_dir: join(dir, "records") }));
  base = `http://127.0.0.1:${app.ports.http}`;
  // the cluster's own route, registered as a node with cluster.redis_url does (nothing of it is called)
  const cluster = { settings: { secret: "s" }, nodeId: "n1", peers: async () => [], streamPeer: async () => undefined, status: async () => ({ nodeId: "n1", status: "ok", nodes: [] }) };
  const jobs = { callIds: () => [], adopt: async () => {}, lostCalls: async () => [] };
  registerClusterRoutes(app.router, cluster as unknown as ClusterNode, jobs as unknown as Parameters<typeof registerClusterRoutes>[2]);
});

test.after(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const operationsOf = (template: string) => Object.keys(doc.paths[template] ?? {}).filter((k) => METHODS.includes(k)).sort();

test("every JSON route registered in src/rest, and HTTP-FLV's /{app}/{stream}.flv, is a path of openapi.yaml with the same methods", () => {
  const routes = app.router.routes().filter((r) => !r.prefix && !r.internal);
  assert.ok(routes.length > 25, `${routes.length} routes`);
  assert.ok(routes.some((r) => r.path === "/rest-api/cluster/nodes"));
  for (const route of routes) {
    assert.ok(doc.paths[route.path], `${route.path} is missing from openapi.yaml`);
    assert.equal(operationsOf(route.path), [...route.methods].sort(), `methods of ${route.path}`);
  }
});

test("every prefix route (metrics, health, WHIP, WHEP) has its paths described, and every described path is a route", () => {
  const routes = app.router.routes();
  const prefixes = routes.filter((r) => r.prefix && !NOT_API.has(r.path));
  for (const prefix of prefixes) assert.ok(Object.keys(doc.paths).some((p) => p.startsWith(prefix.path)), `nothing under ${prefix.path} in openapi.yaml`);
  for (const template of Object.keys(doc.paths)) {
    const exact = routes.some((r) => !r.prefix && !r.internal && r.path === template);
    const underPrefix = prefixes.some((r) => template.startsWith(r.path));
    assert.ok(exact || underPrefix, `${template} is in openapi.yaml but no route answers it`);
  }
  for (const kind of ["whip", "whep"]) {
    assert.equal(operationsOf(`/${kind}/{stream}`), ["options", "post"]);
    assert.equal(operationsOf(`/${kind}/{stream}/{session}`), ["delete", "options", "patch"]);
  }
});

test("OpenAPI 3.1: every $ref resolves and every schema is valid JSON Schema", () => {
  assert.is(doc.openapi, "3.1.0");
  const refs: string[] = [];
  const schemas: unknown[] = [];
  const walk = (node: unknown, key: string): void => {
    if (node === null || typeof node !== "object") return;
    if (key === "schema") schemas.push(node);
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") refs.push(v);
      else walk(v, k);
    }
  };
  walk(doc, "");
  assert.ok(refs.length > 50 && schemas.length > 40, `${refs.length} refs, ${schemas.length} schemas`);
  for (const ref of refs) assert.ok(resolveRef(doc, ref) !== undefined, `${ref} resolves`);
  for (const schema of schemas) compileSchema(doc, schema);
});

test("the checker fails an answer that does not match: a wrong body, an undescribed status, an unknown path", () => {
  const headers = new Headers({ "content-type": "application/json" });
  const answer = { method: "POST", path: "/rest-api/push/find", headers };
  assert.equal(answerProblems(doc, { ...answer, status: 404, body: '{"status":404,"error":"Not Found","message":"x"}' }), []);
  assert.match(answerProblems(doc, { ...answer, status: 404, body: '{"status":"404"}' }).join("\n"), "must have required property 'error'");
  assert.match(answerProblems(doc, { ...answer, status: 418, body: "{}" }).join("\n"), "status 418 is not described");
  assert.match(answerProblems(doc, { ...answer, path: "/rest-api/nope", status: 200, body: "" }).join("\n"), "no path of openapi.yaml matches");
  assert.is(templateOf(doc, "/live/cam.flv"), "/{app}/{stream}.flv");
  assert.is(templateOf(doc, "/whip/cam/abc"), "/whip/{stream}/{session}");
});

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("live answers of a running app match openapi.yaml", async () => {
  const requests: [string, RequestInit][] = [
    ["/rest-api/stream/find_all", {}],
    ["/rest-api/stream/find_all", json({})],
    ["/rest-api/stream/find", json({ name: "nobody" })],
    ["/rest-api/stream/terminate", json({})],
    ["/rest-api/push/startup", json({ streamName: "cam" })],
    ["/rest-api/push/startup", json({ streamName: "nobody", rtmpUrl: "rtmp://127.0.0.1/live" })],
    ["/rest-api/push/find_all", {}],
    ["/rest-api/push/mute", json({ mediaSessionId: "none" })],
    ["/rest-api/push/sound_on", json({ mediaSessionId: "none" })],
    ["/rest-api/pull/find", json({})],
    ["/rest-api/pull/find_all", {}],
    ["/rest-api/pull/pull", json({ uri: "ftp://x" })],
    ["/rest-api/call/startup", json({ callee: "bob" })],
    ["/rest-api/call/find_all", {}],
    ["/rest-api/call/terminate", json({ callId: "none" })],
    ["/rest-api/call/send_dtmf", json({ callId: "none", dtmf: "x" })],
    ["/rest-api/auth/token", json({ expiresIn: 60 })],
    ["/rest-api/auth/token", json({ expiresIn: 0 })],
    ["/rest-api/stats", {}],
    ["/rest-api/stats", json({})],
    ["/rest-api/cluster/nodes", {}],
    ["/health", {}],
    ["/metrics", {}],
    ["/live/nobody.flv", {}],
    ["/whip/cam", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }],
    ["/whip/cam", { method: "OPTIONS" }],
    ["/whip/cam/abcdefghijklmnopqrstuvwxyz", { method: "DELETE" }],
    ["/whip/cam/abcdefghijklmnopqrstuvwxyz", { method: "PATCH" }],
    ["/whep/cam", { method: "POST", headers: { "content-type": "application/sdp" }, body: "v=0\r\n" }],
    ["/whep/cam/abcdefghijklmnopqrstuvwxyz", { method: "OPTIONS" }],
  ];
  const problems: string[] = [];
  const statuses = new Set<number>();
  for (const [path, init] of requests) {
    const answer = await fetchAnswer(base + path, init);
    statuses.add(answer.status);
    problems.push(...answerProblems(doc, answer));
  }
  assert.equal(problems, []);
  assert.equal([...statuses].sort(), [200, 204, 400, 404, 405, 415], "answers of every kind were checked");
});

test.run();
