/**
 * Attack 2 of issue 14: CR/LF in SIP-bound REST fields. Every field of /call/startup that ends up
 * in a SIP message is refused with a 400 naming it, and what reaches a loopback SIP listener (UDP
 * and TCP) is only ever a well-formed INVITE with the fields it was given. Bypassing REST, the
 * serializer refuses to send.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { CallRegistry } from "../../src/core/call/calls.ts";
import { StreamHub } from "../../src/core/stream/hub.ts";
import { decodeSipMessage } from "../../src/sip/message/parse.ts";
import { waitFor } from "../support/net.ts";
import { memoryLogger, testConfig, type LogLine } from "../core/call/calls-support.ts";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/sip-injection");
const INJECTED = "X-Injected";
const PAYLOADS = ["a\r\nX-Injected: 1", "a\nX-Injected: 1", "a\rX-Injected: 1", "a\u0000X-Injected: 1", "a\u0085X-Injected", "a\u001bX-Injected"];
const FIELDS = ["callee", "sipLogin", "visibleName", "sipAuthenticationName", "sipDomain", "sipOutboundProxy", "sipPassword", "callId", "appKey", "toStream"];

/** A SIP "far side" that only records what arrives: UDP datagrams and the bytes of TCP connections. */
class WireSink {
  readonly datagrams: Buffer[] = [];
  readonly tcpBytes: Buffer[] = [];
  private readonly sockets = new Set<Socket>();
  private constructor(readonly udp: UdpSocket, readonly tcp: Server) {
    udp.on("message", (m) => this.datagrams.push(m));
    tcp.on("connection", (s) => {
      this.sockets.add(s);
      s.on("data", (d) => this.tcpBytes.push(d));
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => undefined);
    });
  }
  static async start(): Promise<WireSink> {
    const udp = createSocket("udp4");
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
    const tcp = createServer();
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", () => r()));
    return new WireSink(udp, tcp);
  }
  get port(): number {
    return this.udp.address().port;
  }
  get tcpPort(): number {
    return (this.tcp.address() as AddressInfo).port;
  }
  all(): string {
    return Buffer.concat([...this.datagrams, ...this.tcpBytes]).toString("latin1");
  }
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.udp.close(() => r()));
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}

let server: TestApp;
let sink: WireSink;

test.before.each(async () => {
  server = await startTestApp();
  sink = await WireSink.start();
});

test.after.each(async () => {
  await server.close();
  await sink.close();
});

function callBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { callId: `c${Math.random().toString(36).slice(2)}`, callee: "10000", sipLogin: "10009", sipAuthenticationName: "10009", sipPassword: "pw", sipDomain: "127.0.0.1", sipPort: sink.port, visibleName: "Alice", hasAudio: true, hasVideo: false, ...extra };
}

test("every SIP-bound field holding CR, LF, NUL or another control character gets a 400 naming it, and nothing reaches the SIP listener", async () => {
  for (const field of FIELDS) {
    for (const payload of PAYLOADS) {
      const r = await server.post("/rest-api/call/startup", callBody({ [field]: payload }));
      assert.is(r.status, 400, `${field} ${JSON.stringify(payload)}`);
      assert.match(r.body.message ?? "", new RegExp(`^${field} must not contain control characters`), field);
    }
  }
  const find = await server.post("/rest-api/call/find_all", {});
  assert.is(find.status, 404, "no call was created");
  // A clean call afterwards proves the listener works and that it saw nothing before.
  const r = await server.post("/rest-api/call/startup", callBody());
  assert.is(r.status, 200);
  await waitFor("INVITE on the wire", () => (sink.datagrams.length > 0 ? true : undefined), 15000);
  assert.not.ok(sink.all().includes(INJECTED));
});

test("a clean call puts a well-formed INVITE on the wire: no bare CR or LF, every line a start line or a header, fields as given", async () => {
  const r = await server.post("/rest-api/call/startup", callBody({ visibleName: "Alice Smith", callee: "10000" }));
  assert.is(r.status, 200);
  await waitFor("INVITE on the wire", () => (sink.datagrams.length > 0 ? true : undefined), 15000);
  const bytes = sink.datagrams[0]!;
  const text = bytes.toString("latin1");
  const head = text.slice(0, text.indexOf("\r\n\r\n"));
  assert.not.match(head.replace(/\r\n/g, ""), /[\r\n\0]/, "no bare CR, LF or NUL in the head");
  const lines = head.split("\r\n");
  assert.match(lines[0]!, /^INVITE sip:10000@127\.0\.0\.1:\d+ SIP\/2\.0$/);
  for (const line of lines.slice(1)) assert.match(line, /^[A-Za-z-]+: \S/, line);
  const invite = decodeSipMessage(new Uint8Array(bytes));
  assert.is(invite.type, "request");
  const from = invite.headers.find((h) => h.name === "From")!.value;
  assert.match(from, /^"?Alice Smith"? <sip:10009@127\.0\.0\.1/);
});

test("a tab or a JSON-escaped newline in a nested field is refused too, and a body nested too deep gets a 400, not a 500", async () => {
  const nested = await server.post("/rest-api/push/startup", { streamName: "s", rtmpUrl: "rtmp://127.0.0.1/live", options: { action: "sound_on", soundFile: "a\tb" } });
  assert.is(nested.status, 400);
  assert.match(nested.body.message ?? "", /^options\.soundFile must not contain control characters/);
  const deep = await server.post("/rest-api/push/find", JSON.stringify({ a: JSON.parse("[".repeat(100) + "]".repeat(100)) }));
  assert.is(deep.status, 400);
  assert.match(deep.body.message ?? "", /nested deeper/);
});

test("bypassing REST, the serializer refuses CR/LF in visibleName and sipLogin: the call fails and the UDP and TCP listeners get no injected line", async () => {
  const logs: LogLine[] = [];
  const calls = new CallRegistry({ hub: new StreamHub(), config: testConfig(), log: memoryLogger(logs), sipTimers: { T1: 50, T2: 400, T4: 500 }, rtcpIntervalMs: 0 });
  try {
    const base = { callee: "10000", hasAudio: true, hasVideo: false, sipDomain: "127.0.0.1", sipRegisterRequired: false } as const;
    await calls.startup({ ...base, callId: "udp", sipLogin: "10009", visibleName: `a\r\n${INJECTED}: 1`, sipPort: sink.port, sipTransport: "UDP" });
    await calls.startup({ ...base, callId: "tcp", sipLogin: `b\r\n${INJECTED}: 1`, sipPort: sink.tcpPort, sipTransport: "TCP" });
    for (const id of ["udp", "tcp"]) await waitFor(`${id} call FAILED`, () => (calls.find({ callId: id })[0]?.status === "FAILED" ? true : undefined), 15000);
    assert.is(sink.datagrams.length, 0);
    assert.not.ok(sink.all().includes(INJECTED));
  } finally {
    await calls.close();
  }
});

test.run();
