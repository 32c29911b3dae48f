import { suite } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "node:net";
import { TcpTransport } from "../../../src/sip/transport/tcp.ts";
import { encodeSipMessage } from "../../../src/sip/message/serialize.ts";
import { headerValue } from "../../../src/sip/message/headers.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import type { Endpoint } from "../../../src/sip/transport/transport.ts";
import { waitFor } from "../../support/net.ts";
import { request, response } from "../support/messages.ts";

const test = suite("sip TCP transport");
let open: TcpTransport[] = [];
test.after.each(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

test("a response goes back on the connection the request came in on", async () => {
  const a = await TcpTransport.listen("127.0.0.1");
  const b = await TcpTransport.listen("127.0.0.1");
  open.push(a, b);
  const atB: { m: SipMessage; from: Endpoint }[] = [];
  const atA: SipMessage[] = [];
  b.attach({ onMessage: (m, from) => atB.push({ m, from }) });
  a.attach({ onMessage: (m) => atA.push(m) });
  const req = request("OPTIONS");
  a.send(req, b.local);
  const first = await waitFor("the request at B", () => atB[0]);
  assert.is.not(first.from.port, a.local.port, "it came from A's connection port, not its listening port");
  b.send(response(req, 200), first.from);
  const res = await waitFor("the response at A", () => atA[0]);
  assert.is(res.type === "response" && res.status, 200);
});

test("frames a message written in 7-byte pieces, and closes the connection on bytes that are not SIP", async () => {
  const b = await TcpTransport.listen("127.0.0.1");
  open.push(b);
  const got: SipMessage[] = [];
  const errors: string[] = [];
  b.attach({ onMessage: (m) => got.push(m), onParseError: (e) => errors.push(e.code) });
  const bytes = encodeSipMessage({ ...request("MESSAGE"), headers: [...request("MESSAGE").headers, { name: "Content-Type", value: "text/plain" }], body: new TextEncoder().encode("hello") });
  const socket = connect(b.local.port, "127.0.0.1");
  let closed = false;
  socket.on("close", () => (closed = true));
  socket.on("error", () => undefined);
  await new Promise((r) => socket.once("connect", r));
  for (let i = 0; i < bytes.length; i += 7) socket.write(bytes.subarray(i, i + 7));
  await waitFor("the framed message", () => got[0]);
  assert.is(new TextDecoder().decode(got[0].body), "hello");
  assert.is(headerValue(got[0], "CSeq"), "1 MESSAGE");
  socket.write("NOT SIP AT ALL\r\n\r\n");
  await waitFor("the connection closing", () => (closed ? true : undefined));
  assert.equal(errors, ["ERR_SIP_START_LINE"]);
  socket.destroy();
});

test.run();
