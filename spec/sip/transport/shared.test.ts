import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeSipMessage } from "../../../src/sip/message/parse.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import { MemoryTransport } from "../../../src/sip/transport/memory.ts";
import { SharedSipTransport } from "../../../src/sip/transport/shared.ts";

const test = suite("sip/transport/shared");
const enc = new TextEncoder();
const FAR = { host: "127.0.0.1", port: 5080 };

function request(method: string, callId: string): string {
  return [
    `${method} sip:bob@127.0.0.1 SIP/2.0`,
    "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-" + callId,
    "From: <sip:far@127.0.0.1>;tag=f",
    "To: <sip:bob@127.0.0.1>",
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    "Max-Forwards: 70",
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
}

function response(callId: string): string {
  return ["SIP/2.0 200 OK", "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-x", "From: <sip:a@h>;tag=a", "To: <sip:b@h>;tag=b", `Call-ID: ${callId}`, "CSeq: 1 INVITE", "Content-Length: 0", "", ""].join("\r\n");
}

function setup() {
  const socket = new MemoryTransport({ host: "0.0.0.0", port: 5060 }, false);
  let emptied = 0;
  const shared = new SharedSipTransport(socket, () => emptied++);
  const got = { a: [] as string[], b: [] as string[] };
  const a = shared.view("10.0.0.1");
  const b = shared.view("127.0.0.1");
  const note = (list: string[]) => ({ onMessage: (m: SipMessage) => void list.push(m.type === "request" ? m.method : String(m.status)), onParseError: () => void list.push("parse error") });
  a.attach(note(got.a));
  b.attach(note(got.b));
  return { socket, shared, a, b, got, emptied: () => emptied };
}

test("views share the port, keep their own local host, and send through the one socket", () => {
  const { socket, a, b } = setup();
  assert.equal(a.local, { host: "10.0.0.1", port: 5060 });
  assert.equal(b.local, { host: "127.0.0.1", port: 5060 });
  assert.is(a.protocol, "UDP");
  assert.is(a.reliable, false);
  b.send(decodeSipMessage(enc.encode(request("INVITE", "call-b"))), FAR);
  assert.is(socket.sent.length, 1);
});

test("incoming messages go to the view that used their Call-ID; other requests to the oldest view; unknown responses nowhere", () => {
  const { socket, a, b, got } = setup();
  a.send(decodeSipMessage(enc.encode(request("REGISTER", "reg-a"))), FAR);
  b.send(decodeSipMessage(enc.encode(request("INVITE", "call-b"))), FAR);
  socket.deliver(enc.encode(response("call-b")), FAR);
  socket.deliver(enc.encode(request("BYE", "call-b")), FAR);
  socket.deliver(enc.encode(response("reg-a")), FAR);
  socket.deliver(enc.encode(request("OPTIONS", "keepalive-1")), FAR);
  socket.deliver(enc.encode(response("nobody")), FAR);
  socket.deliver(enc.encode("garbage\r\n\r\n"), FAR);
  assert.equal(got.b, ["200", "BYE"]);
  assert.equal(got.a, ["200", "OPTIONS", "parse error"]);
});

test("a closed view's Call-IDs go back to the pool; the last close reports the transport empty", async () => {
  const { socket, a, b, got, emptied } = setup();
  b.send(decodeSipMessage(enc.encode(request("INVITE", "call-b"))), FAR);
  await a.close();
  socket.deliver(enc.encode(request("OPTIONS", "keepalive-2")), FAR);
  assert.equal(got.b, ["OPTIONS"], "b is the oldest view now");
  assert.is(emptied(), 0);
  await b.close();
  await b.close();
  socket.deliver(enc.encode(request("BYE", "call-b")), FAR);
  assert.equal(got.b, ["OPTIONS"]);
  assert.is(emptied(), 1);
});

test.run();
