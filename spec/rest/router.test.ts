import { createServer, STATUS_CODES, type Server } from "node:http";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { CORE_ERR, CoreError } from "../../src/core/errors.ts";
import { TranspondError } from "../../src/errors.ts";
import { RestError, REST_ERR } from "../../src/rest/errors.ts";
import { requireString, optionalBoolean, optionalInteger } from "../../src/rest/request-body.ts";
import { Router } from "../../src/rest/router.ts";

const test = suite("rest/router");
let server: Server;
let base = "";

async function start(users: [string, string][] = []): Promise<void> {
  const router = new Router({ allowOrigin: "*", users: new Map(users) });
  router.post("/rest-api/echo", (body) => ({ got: requireString(body, "name"), flag: optionalBoolean(body, "flag") ?? null, port: optionalInteger(body, "port", 1, 65535) ?? null }));
  router.post("/rest-api/void", () => undefined);
  router.post("/rest-api/missing", () => {
    throw new RestError(REST_ERR.NOT_FOUND, "nothing here");
  });
  router.post("/rest-api/bug", () => {
    throw new Error("boom");
  });
  for (const code of Object.values(CORE_ERR)) {
    router.post(`/rest-api/core/${code}`, () => {
      throw new CoreError(code, `refused with ${code}`);
    });
  }
  router.post("/rest-api/sip-timeout", () => {
    throw new TranspondError("ERR_SIP_TIMEOUT", "INVITE: no final response (secret detail)");
  });
  router.post("/rest-api/list", () => [1, 2], true);
  server = createServer(router.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
test.after.each(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(base + path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

test("JSON in, JSON out; strings for booleans and ports are accepted as WCS examples send them", async () => {
  await start();
  const res = await post("/rest-api/echo", JSON.stringify({ name: "a", flag: "true", port: "5060" }));
  assert.is(res.status, 200);
  assert.equal(await res.json(), { got: "a", flag: true, port: 5060 });
});

test("void handlers answer 200 with an empty body", async () => {
  await start();
  const res = await post("/rest-api/void", "");
  assert.is(res.status, 200);
  assert.is(await res.text(), "");
});

test("a bad body is a 400 naming the field", async () => {
  await start();
  const cases: [string, string][] = [
    ["{", "not valid JSON"],
    ["[]", "must be a JSON object"],
    ["{}", "name is required"],
    ['{"name":1}', "name must be a string"],
    ['{"name":"a","flag":"yes"}', "flag must be true or false"],
    ['{"name":"a","port":"99999"}', "port must be between 1 and 65535"],
  ];
  for (const [body, message] of cases) {
    const res = await post("/rest-api/echo", body);
    assert.is(res.status, 400, body);
    assert.match(((await res.json()) as { message: string }).message, message);
  }
});

test("404 from a handler and for unknown paths; 500 for a bug without details", async () => {
  await start();
  assert.is((await post("/rest-api/missing", "{}")).status, 404);
  assert.is((await post("/rest-api/nope", "{}")).status, 404);
  const bug = await post("/rest-api/bug", "{}");
  assert.is(bug.status, 500);
  assert.not.match(await bug.text(), "boom");
});

test("core's refusals answer with the status of their code, the message kept; other layers' errors are a 500", async () => {
  await start();
  const statuses: Record<string, number> = {};
  for (const code of Object.values(CORE_ERR)) {
    const res = await post(`/rest-api/core/${code}`, "{}");
    statuses[code] = res.status;
    if (res.status !== 500) assert.equal(await res.json(), { status: res.status, error: STATUS_CODES[res.status], message: `refused with ${code}` });
  }
  assert.equal(statuses, {
    [CORE_ERR.INVALID]: 400,
    [CORE_ERR.REFUSED]: 403,
    [CORE_ERR.NOT_FOUND]: 404,
    [CORE_ERR.CONFLICT]: 409,
    [CORE_ERR.LIMIT]: 429,
    [CORE_ERR.STREAM_NAME_IN_USE]: 409,
    [CORE_ERR.STREAM_NAME]: 400,
    [CORE_ERR.CALL_RESOLVE]: 500,
    [CORE_ERR.CALL_ROUTE]: 500,
  });
  const timeout = await post("/rest-api/sip-timeout", "{}");
  assert.is(timeout.status, 500);
  assert.not.match(await timeout.text(), "secret detail");
});

test("find_all-style routes answer GET with no body; others refuse GET with 405", async () => {
  await start();
  const list = await fetch(base + "/rest-api/list");
  assert.equal(await list.json(), [1, 2]);
  assert.is((await fetch(base + "/rest-api/void")).status, 405);
});

test("Basic auth, when users are configured, refuses missing or wrong credentials", async () => {
  await start([["admin", "pw"]]);
  assert.is((await post("/rest-api/void", "")).status, 401);
  const wrong = "Basic " + Buffer.from("admin:nope").toString("base64");
  assert.is((await post("/rest-api/void", "", { authorization: wrong })).status, 401);
  const right = "Basic " + Buffer.from("admin:pw").toString("base64");
  assert.is((await post("/rest-api/void", "", { authorization: right })).status, 200);
});

test("a malformed percent-encoded path is a 400, not a crash", async () => {
  await start();
  const { request } = await import("node:http");
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(base + "/rest-api/%E0%A4%A", { method: "GET" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
  assert.is(status, 400);
  assert.is((await post("/rest-api/void", "")).status, 200);
});

test("CORS preflight is answered", async () => {
  await start();
  const res = await fetch(base + "/rest-api/echo", { method: "OPTIONS" });
  assert.is(res.status, 204);
  assert.is(res.headers.get("access-control-allow-origin"), "*");
});

test.run();
