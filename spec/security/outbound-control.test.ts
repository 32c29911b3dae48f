/**
 * Issue 14, attack 1 (outbound): REST users turning the gateway into a port scanner and a dialler.
 * With allow-lists the gateway only connects where the operator said (403 naming the key, and the
 * "internal service" on loopback sees no connection); caps answer 429.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { OutboundPolicy } from "../../src/core/outbound-policy.ts";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/outbound-control");
let server: TestApp | undefined;
const source = { kind: "rtmp" as const, requestKeyframe: () => undefined, stop: () => undefined };

test.after.each(async () => {
  await server?.close();
  server = undefined;
});

test("OutboundPolicy: CIDRs, addresses, names and *.suffixes; empty allows all; bad entries name the key", () => {
  const p = new OutboundPolicy("rtmp_target_allow", ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "live.example.com", "*.cdn.example"]);
  for (const h of ["10.1.2.3", "[2001:db8::1]", "192.0.2.7", "::ffff:10.0.0.1", "live.example.com", "LIVE.example.com", "a.cdn.example"]) assert.is(p.refusal(h), undefined, h);
  for (const h of ["11.0.0.1", "192.0.2.8", "127.0.0.1", "example.com", "evil-live.example.com", "cdn.example", "localhost"]) assert.match(p.refusal(h) ?? "", `${h} is not in rtmp_target_allow`);
  assert.is(new OutboundPolicy("x", []).refusal("127.0.0.1"), undefined);
  for (const bad of ["10.0.0.0/33", "a b", "http://x", "1.2.3.4/x"]) assert.throws(() => new OutboundPolicy("sip_destination_allow", [bad]), /sip_destination_allow/);
});

async function tcpService(host: string): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const s = createServer((c) => (count++, sockets.add(c), c.on("error", () => undefined)));
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  return { port: (s.address() as AddressInfo).port, connections: () => count, close: () => (sockets.forEach((c) => c.destroy()), new Promise<void>((r) => s.close(() => r()))) };
}

test("rtmp_target_allow: a target outside it is 403 and never connected to; inside it starts; max_transponders answers 429", async () => {
  server = await startTestApp({ rtmp_target_allow: ["127.0.0.2/32"], max_transponders: 1, rtmp_reconnect_min_delay: 60000 });
  const internal = await tcpService("127.0.0.1");
  const allowed = await tcpService("127.0.0.2");
  try {
    server.app.hub.publish("cam", source);
    const refused = await server.post("/rest-api/push/startup", { streamName: "cam", rtmpUrl: `rtmp://127.0.0.1:${internal.port}/live` });
    assert.is(refused.status, 403);
    assert.is(refused.body.message, "rtmpUrl: 127.0.0.1 is not in rtmp_target_allow");
    const ok = await server.post("/rest-api/push/startup", { streamName: "cam", rtmpUrl: `rtmp://127.0.0.2:${allowed.port}/live` });
    assert.is(ok.status, 200, ok.text);
    const capped = await server.post("/rest-api/push/startup", { streamName: "cam", rtmpUrl: `rtmp://127.0.0.2:${allowed.port}/other` });
    assert.is(capped.status, 429);
    assert.match(capped.body.message ?? "", "max_transponders");
    assert.is(internal.connections(), 0);
  } finally {
    await internal.close();
    await allowed.close();
  }
});

test("sip_destination_allow: a call to another host is 403 naming sipDomain and no datagram leaves; max_calls answers 429", async () => {
  server = await startTestApp({ sip_destination_allow: ["127.0.0.2"], max_calls: 1 });
  const sink = createSocket("udp4");
  await new Promise<void>((r) => sink.bind(0, "127.0.0.1", () => r()));
  let datagrams = 0;
  sink.on("message", () => datagrams++);
  try {
    const call = (callId: string, sipDomain: string) => server!.post("/rest-api/call/startup", { callId, callee: "1", sipLogin: "2", sipDomain, sipPort: sink.address().port });
    const refused = await call("c1", "127.0.0.1");
    assert.is(refused.status, 403);
    assert.is(refused.body.message, "sipDomain: 127.0.0.1 is not in sip_destination_allow");
    assert.is((await call("c2", "127.0.0.2")).status, 200);
    const capped = await call("c3", "127.0.0.2");
    assert.is(capped.status, 429);
    assert.match(capped.body.message ?? "", "max_calls");
    assert.is(datagrams, 0);
  } finally {
    await new Promise<void>((r) => sink.close(() => r()));
  }
});

test("relay_uri_allow: /pull/pull from a host outside it is refused with a 400 naming the key", async () => {
  server = await startTestApp({ relay_uri_allow: ["*.relay.example"] });
  const refused = await server.post("/rest-api/pull/pull", { uri: "ws://127.0.0.1:9/", remoteStreamName: "s", localStreamName: "l" });
  assert.is(refused.status, 400, refused.text);
  assert.is(refused.body.message, "uri: 127.0.0.1 is not in relay_uri_allow");
});

test.run();
