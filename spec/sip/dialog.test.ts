import { suite } from "uvu";
import * as assert from "uvu/assert";
import { Dialog } from "../../src/sip/dialog.ts";
import { headerValue, headerValues } from "../../src/sip/message/headers.ts";
import type { SipRequest, SipResponse } from "../../src/sip/messages.ts";
import { request, response } from "./support/messages.ts";

const test = suite("sip dialog");

function withHeaders<M extends SipRequest | SipResponse>(m: M, extra: { name: string; value: string }[]): M {
  return { ...m, headers: [...m.headers, ...extra] };
}

const invite = request("INVITE");

test("a UAC dialog takes the remote tag and target from the 2xx and the route set from Record-Route reversed (RFC 3261 12.1.2)", () => {
  const ok = withHeaders(response(invite, 200, "bobtag"), [
    { name: "Record-Route", value: "<sip:p2.example.com;lr>" },
    { name: "Record-Route", value: "<sip:p1.example.com;lr>" },
    { name: "Contact", value: "<sip:bob@192.0.2.4:5062>" },
  ]);
  const d = Dialog.fromUacResponse(invite, ok)!;
  assert.equal([d.callId, d.localTag, d.remoteTag, d.state], ["call-1", "ft", "bobtag", "confirmed"]);
  assert.equal(d.routeSet, ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]);
  const bye = d.createRequest("BYE");
  assert.is(bye.uri, "sip:bob@192.0.2.4:5062", "loose routing: the Request-URI is the remote target");
  assert.equal(headerValues(bye, "Route"), ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"]);
  assert.is(headerValue(bye, "CSeq"), "2 BYE");
  assert.is(headerValue(bye, "To"), "<sip:bob@127.0.0.1>;tag=bobtag");
  assert.is(headerValue(bye, "From"), "<sip:alice@127.0.0.1>;tag=ft");
  assert.is(headerValue(d.createRequest("INFO"), "CSeq"), "3 INFO");
  assert.is(headerValue(d.createRequest("ACK", { cseq: 1 }), "CSeq"), "1 ACK");
});

test("a strict-routing first hop becomes the Request-URI and the remote target goes last in Route (12.2.1.1)", () => {
  const ok = withHeaders(response(invite, 200, "b"), [{ name: "Record-Route", value: "<sip:strict.example.com>" }, { name: "Contact", value: "<sip:bob@192.0.2.4>" }]);
  const bye = Dialog.fromUacResponse(invite, ok)!.createRequest("BYE");
  assert.is(bye.uri, "sip:strict.example.com");
  assert.equal(headerValues(bye, "Route"), ["<sip:bob@192.0.2.4>"]);
});

test("a 1xx with a To tag makes an early dialog that the 2xx confirms with a new target", () => {
  const ringing = withHeaders(response(invite, 180, "b"), [{ name: "Contact", value: "<sip:bob@early>" }]);
  const d = Dialog.fromUacResponse(invite, ringing)!;
  assert.is(d.state, "early");
  d.confirm(withHeaders(response(invite, 200, "b"), [{ name: "Contact", value: "<sip:bob@final>" }]));
  assert.equal([d.state, d.remoteTarget], ["confirmed", "sip:bob@final"]);
  assert.is(Dialog.fromUacResponse(invite, response(invite, 100)), undefined, "no dialog without a To tag");
});

test("in-dialog requests: a lower CSeq gets 500, a re-INVITE refreshes the remote target (12.2.2)", () => {
  const d = Dialog.fromUacResponse(invite, withHeaders(response(invite, 200, "b"), [{ name: "Contact", value: "<sip:bob@a>" }]))!;
  const reinvite = (seq: number, contact: string): SipRequest => ({ ...request("INVITE"), headers: [...request("INVITE").headers.filter((h) => h.name !== "CSeq"), { name: "CSeq", value: `${seq} INVITE` }, { name: "Contact", value: contact }] });
  assert.equal(d.receiveRequest(reinvite(5, "<sip:bob@b>")), { ok: true });
  assert.is(d.remoteTarget, "sip:bob@b");
  assert.equal(d.receiveRequest(reinvite(4, "<sip:bob@c>")), { ok: false, status: 500 });
  assert.is(d.remoteTarget, "sip:bob@b");
});

test("a UAS dialog keeps Record-Route in order and takes the caller's Contact as target (12.1.1)", () => {
  const req = withHeaders(request("INVITE"), [{ name: "Record-Route", value: "<sip:p1;lr>" }, { name: "Record-Route", value: "<sip:p2;lr>" }, { name: "Contact", value: "<sip:alice@10.0.0.1>" }]);
  const d = Dialog.fromUasRequest(req, "mine")!;
  assert.equal(d.routeSet, ["<sip:p1;lr>", "<sip:p2;lr>"]);
  const bye = d.createRequest("BYE");
  assert.is(bye.uri, "sip:alice@10.0.0.1");
  assert.is(headerValue(bye, "From"), "<sip:bob@127.0.0.1>;tag=mine");
});

test.run();
