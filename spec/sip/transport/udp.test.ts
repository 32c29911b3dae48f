import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createSocket } from "node:dgram";
import { UdpTransport } from "../../../src/sip/transport/udp.ts";
import { encodeSipMessage } from "../../../src/sip/message/serialize.ts";
import { headerValue } from "../../../src/sip/message/headers.ts";
import type { SipMessage } from "../../../src/sip/messages.ts";
import type { ParseError } from "../../../src/errors.ts";
import { waitFor } from "../../support/net.ts";
import { request } from "../support/messages.ts";

const test = suite("sip UDP transport");
let open: UdpTransport[] = [];
test.after.each(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

test("delivers a datagram as a message with the top Via stamped with received and rport", async () => {
  const a = await UdpTransport.listen("127.0.0.1");
  const b = await UdpTransport.listen("127.0.0.1");
  open.push(a, b);
  const got: SipMessage[] = [];
  b.attach({ onMessage: (m) => got.push(m) });
  const req = { ...request("OPTIONS"), headers: [{ name: "Via", value: `SIP/2.0/UDP 127.0.0.1:${a.local.port};branch=z9hG4bKu1;rport` }, ...request("OPTIONS").headers.slice(1)] };
  a.send(req, b.local);
  await waitFor("the datagram", () => got[0]);
  assert.is(headerValue(got[0], "Via"), `SIP/2.0/UDP 127.0.0.1:${a.local.port};branch=z9hG4bKu1;rport=${a.local.port};received=127.0.0.1`);
});

test("reports a malformed datagram to onParseError and ignores CRLF keep-alives", async () => {
  const b = await UdpTransport.listen("127.0.0.1");
  open.push(b);
  const errors: string[] = [];
  const got: SipMessage[] = [];
  b.attach({ onMessage: (m) => got.push(m), onParseError: (e: ParseError) => errors.push(e.code) });
  const raw = createSocket("udp4");
  await new Promise<void>((r) => raw.send("\r\n\r\n", b.local.port, "127.0.0.1", () => r()));
  await new Promise<void>((r) => raw.send("INVITE sip:x SIP/9.9\r\n\r\n", b.local.port, "127.0.0.1", () => r()));
  await new Promise<void>((r) => raw.send(encodeSipMessage(request("OPTIONS")), b.local.port, "127.0.0.1", () => r()));
  await waitFor("the valid message", () => got[0]);
  raw.close();
  assert.equal(errors, ["ERR_SIP_VERSION"]);
  assert.is(got.length, 1);
});

test.run();
