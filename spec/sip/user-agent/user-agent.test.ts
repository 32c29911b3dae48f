/**
 * UserAgent routing of requests outside calls (src/sip/user-agent/user-agent.ts).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { headerValues } from "../../../src/sip/message/headers.ts";
import type { SipResponse } from "../../../src/sip/messages.ts";
import { settle } from "../support/far-end.ts";
import { enc, setup } from "../support/ua.ts";

const test = suite("sip user agent");

test("OPTIONS outside a dialog is answered 200 with Allow; an incoming INVITE gets 480", async () => {
  const { far, ua } = setup();
  void ua;
  const req = (method: string) => ({ type: "request" as const, method, uri: "sip:alice@127.0.0.1:5070", headers: [{ name: "From", value: "<sip:bob@x>;tag=1" }, { name: "To", value: "<sip:alice@x>" }, { name: "Call-ID", value: `o-${method}` }, { name: "CSeq", value: `1 ${method}` }], body: new Uint8Array(0) });
  const statuses: SipResponse[] = [];
  far.core.sendRequest(req("OPTIONS"), { onResponse: (r) => statuses.push(r), onTimeout: () => undefined }, { host: "127.0.0.1", port: 5070 });
  await settle();
  assert.is(statuses[0].status, 200);
  assert.equal(headerValues(statuses[0], "Allow"), ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "INFO", "UPDATE"]);
  far.core.sendRequest(req("INVITE"), { onResponse: (r) => statuses.push(r), onTimeout: () => undefined }, { host: "127.0.0.1", port: 5070 });
  await settle();
  assert.equal(statuses.map((r) => r.status), [200, 100, 480]);
});

test("a malformed request gets 400 with the reason, a malformed response is dropped, and the agent keeps serving", async () => {
  const { a, b, far } = setup();
  const answers: string[] = [];
  b.tap = () => undefined;
  const bad = "OPTIONS sip:alice@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKbad\r\nFrom: <sip:b@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: bad1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  a.tap = (m) => void answers.push(m.type === "response" ? `${m.status} ${m.reason}` : m.method);
  a.deliver(enc(bad), { host: "127.0.0.1", port: 5080 });
  a.deliver(enc("SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n"), { host: "127.0.0.1", port: 5080 });
  assert.equal(answers.length, 1);
  assert.match(answers[0], /^400 Bad Request \(CSeq method INVITE does not match OPTIONS/);
  far.core.sendRequest({ type: "request", method: "OPTIONS", uri: "sip:alice@127.0.0.1:5070", headers: [{ name: "From", value: "<sip:b@x>;tag=1" }, { name: "To", value: "<sip:a@x>" }, { name: "Call-ID", value: "good" }, { name: "CSeq", value: "1 OPTIONS" }], body: new Uint8Array(0) }, { onResponse: () => undefined, onTimeout: () => undefined }, { host: "127.0.0.1", port: 5070 });
  await settle();
  assert.match(answers[1], /^200/);
});

test.run();
