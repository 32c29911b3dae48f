import { suite } from "uvu";
import * as assert from "uvu/assert";
import { responseDestination, stampVia } from "../../../src/sip/transport/transport.ts";
import { headerValue } from "../../../src/sip/message/headers.ts";
import { request, response } from "../support/messages.ts";

const test = suite("sip transport rules (RFC 3261 18.2, RFC 3581)");

const withVia = (via: string) => ({ ...request("OPTIONS"), headers: [{ name: "Via", value: via }, ...request("OPTIONS").headers.filter((h) => h.name !== "Via")] });

test("adds received when the sent-by host is not the source address", () => {
  const r = stampVia(withVia("SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1"), { host: "192.0.2.9", port: 5060 });
  assert.is(headerValue(r, "Via"), "SIP/2.0/UDP phone.example.com:5060;branch=z9hG4bK1;received=192.0.2.9");
});

test("fills an empty rport with the source port and adds received even for the same host", () => {
  const r = stampVia(withVia("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport"), { host: "10.0.0.1", port: 40000 });
  assert.is(headerValue(r, "Via"), "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=40000;received=10.0.0.1");
});

test("leaves a Via whose sent-by matches the source unchanged", () => {
  const original = withVia("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1");
  assert.is(stampVia(original, { host: "10.0.0.1", port: 5060 }), original);
});

test("sends responses to received:rport, else sent-by host and port, else port 5060", () => {
  const res = (via: string) => ({ ...response(request("OPTIONS"), 200), headers: [{ name: "Via", value: via }] });
  assert.equal(responseDestination(res("SIP/2.0/UDP h:5070;branch=z9hG4bK1;received=192.0.2.1;rport=6000")), { host: "192.0.2.1", port: 6000 });
  assert.equal(responseDestination(res("SIP/2.0/UDP h:5070;branch=z9hG4bK1;received=192.0.2.1")), { host: "192.0.2.1", port: 5070 });
  assert.equal(responseDestination(res("SIP/2.0/UDP h;branch=z9hG4bK1")), { host: "h", port: 5060 });
  assert.equal(responseDestination(res("SIP/2.0/UDP [2001:db8::1]:5080;branch=z9hG4bK1")), { host: "2001:db8::1", port: 5080 });
});

test.run();
