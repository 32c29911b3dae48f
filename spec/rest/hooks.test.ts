import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { RestHooks } from "../../src/rest/hooks.ts";
import { createLogger } from "../../src/log.ts";
import { waitFor } from "../support/net.ts";

const test = suite("rest/hooks");

async function backend(status = 200) {
  const got: { url: string; body: string; auth?: string }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ url: req.url ?? "", body, auth: req.headers.authorization });
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { got, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/apps/EchoApp`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test("posts the event as JSON to <app url>/<method>", async () => {
  const b = await backend();
  const hooks = new RestHooks({ baseUrl: b.url, log: createLogger("t") });
  hooks.post("StreamStatusEvent", { name: "cam", status: "PUBLISHING" });
  await waitFor("hook", () => (b.got.length ? true : undefined));
  assert.is(b.got[0]!.url, "/apps/EchoApp/StreamStatusEvent");
  assert.equal(JSON.parse(b.got[0]!.body), { name: "cam", status: "PUBLISHING" });
  assert.is(b.got[0]!.auth, undefined);
  await b.close();
});

test("signs the body with HMAC-MD5 when a secret key is set", async () => {
  const b = await backend();
  const hooks = new RestHooks({ baseUrl: b.url, secretKey: "k3y", log: createLogger("t") });
  hooks.post("CallStatusEvent", { callId: "c1" });
  await waitFor("hook", () => (b.got.length ? true : undefined));
  assert.is(b.got[0]!.auth, "WCS " + createHmac("md5", "k3y").update(b.got[0]!.body).digest("hex"));
  await b.close();
});

test("a failing backend is counted and logged, never thrown", async () => {
  const b = await backend(500);
  const hooks = new RestHooks({ baseUrl: b.url, log: createLogger("t") });
  hooks.post("StreamStatusEvent", {});
  await waitFor("failure", () => (hooks.failed ? true : undefined));
  assert.is(hooks.sent, 0);
  await b.close();
  const off = new RestHooks({ baseUrl: "", log: createLogger("t") });
  off.post("StreamStatusEvent", {});
  assert.is(off.enabled, false);
});

test.run();
