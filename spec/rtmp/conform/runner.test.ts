/**
 * The runner against a loopback TCP server that completes a simple handshake and then says nothing:
 * a scenario that throws, one that outlives its limit, --only selection, and that every connection a
 * scenario opened is closed afterwards.
 */
import { createServer, type Server, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseConformTarget, runScenarios, selectScenarios } from "../../../src/rtmp/conform/runner.ts";
import { pass, type Scenario } from "../../../src/rtmp/conform/scenario.ts";
import { HandshakeServer } from "../../../src/rtmp/handshake.ts";
import { waitFor } from "../../support/net.ts";

let server: Server;
let port = 0;
const sockets = new Set<Socket>();

test.before(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const hs = new HandshakeServer();
    socket.on("data", (d) => {
      if (!hs.done) socket.write(hs.push(d).send);
    });
  });
  port = await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
});

test.after(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

const scenario = (id: string, run: Scenario["run"]): Scenario => ({ id, title: id, clause: "test", required: true, run });

test("a thrown error and a silent server become failed scenarios with the reason; the run goes on", async () => {
  const target = parseConformTarget(`rtmp://127.0.0.1:${port}/live`);
  const results = await runScenarios([
    scenario("T-1", async () => {
      throw new Error("boom");
    }),
    scenario("T-2", async (ctx) => {
      const c = await ctx.open();
      await c.call("connect", { app: "live" });
      return pass("unreachable");
    }),
    scenario("T-3", async (ctx) => pass(`name ${ctx.streamName()}`)),
  ], target, { timeoutMs: 300 });
  assert.equal(results.map((r) => [r.id, r.verdict]), [["T-1", "fail"], ["T-2", "fail"], ["T-3", "pass"]]);
  assert.is(results[0]!.detail, "boom");
  assert.is(results[1]!.detail, "timed out after 300 ms waiting for the answer to connect");
  assert.match(results[2]!.detail, /^name conform-[0-9a-f]{6}-t-3-1$/);
  await waitFor("the server to see every connection closed", () => (sockets.size === 0 ? true : undefined), 5000);
});

test("a scenario that never settles fails at six answer timeouts", async () => {
  const target = parseConformTarget(`rtmp://127.0.0.1:${port}/live`);
  const [r] = await runScenarios([scenario("T-9", () => new Promise(() => {}))], target, { timeoutMs: 50 });
  assert.is(r!.verdict, "fail");
  assert.is(r!.detail, "scenario did not finish within 300 ms");
});

test("--only picks ids and groups; an unknown id is a usage error listing the ids", () => {
  const all = ["HS-1", "HS-2", "CN-1"].map((id) => scenario(id, async () => pass("")));
  assert.equal(selectScenarios(all, ["hs"]).map((s) => s.id), ["HS-1", "HS-2"]);
  assert.equal(selectScenarios(all, ["CN-1", "hs-2"]).map((s) => s.id), ["HS-2", "CN-1"]);
  assert.throws(() => selectScenarios(all, ["XX"]), /no scenario matches XX \(ids: HS-1 HS-2 CN-1\)/);
});

test("target URLs: app with instance kept, rtmps refused", () => {
  assert.equal(parseConformTarget("rtmp://127.0.0.1/live/inst"), { host: "127.0.0.1", port: 1935, app: "live/inst", tcUrl: "rtmp://127.0.0.1:1935/live/inst" });
  assert.throws(() => parseConformTarget("rtmps://127.0.0.1/live"), /plain rtmp:\/\/ only/);
});

test.run();
