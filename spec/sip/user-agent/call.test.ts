/**
 * Calls (src/sip/user-agent/call.ts, with auth.ts and request.ts on the way) against a scripted far
 * end over the in-memory transport pair (messages are encoded and parsed), with a manual clock.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SipStatusError, SipTimeoutError } from "../../../src/sip/errors.ts";
import { headerValue } from "../../../src/sip/message/headers.ts";
import { decodeAuthParams } from "../../../src/sip/headers/authenticate.ts";
import type { SipResponse } from "../../../src/sip/messages.ts";
import type { TranspondError } from "../../../src/errors.ts";
import { FarEnd, settle } from "../support/far-end.ts";
import { ANSWER, OFFER, SDP_TYPE as sdp, dec, enc, setup } from "../support/ua.ts";

const test = suite("sip call");

test("INVITE: 100/180/183+SDP/200 map to trying, ringing, progress (early media) and established with the answer; ACK and BYE follow", async () => {
  const { ua, far } = setup();
  far.script = (req, tx, core) => {
    if (req.method === "INVITE") {
      tx.respond(core.createResponse(req, 180, { toTag: "bob" }));
      tx.respond(core.createResponse(req, 183, { toTag: "bob", headers: sdp, body: enc(ANSWER) }));
      tx.respond(core.createResponse(req, 200, { toTag: "bob", headers: [{ name: "Contact", value: "<sip:bob@127.0.0.1:5080>" }, ...sdp], body: enc(ANSWER) }));
    } else tx.respond(core.createResponse(req, 200));
  };
  const call = ua.call("bob", { sdp: OFFER });
  const events: string[] = [];
  call.on("trying", () => events.push("trying"));
  call.on("ringing", () => events.push("ringing"));
  call.on("progress", (p) => events.push(`progress:${p.sdp === ANSWER}`));
  call.on("established", (e) => events.push(`established:${e.sdp === ANSWER}`));
  await settle();
  assert.equal(events, ["trying", "ringing", "progress:true", "established:true"]);
  assert.is(call.state, "established");
  assert.is(dec(far.requests[0].body), OFFER);
  assert.is(far.requests[0].uri, "sip:bob@127.0.0.1:5080");
  assert.is(far.acks.length, 1);
  assert.is(headerValue(far.acks[0], "CSeq"), "1 ACK");
  assert.match(headerValue(far.acks[0], "To")!, /tag=bob/);
  const ended = call.next("ended");
  await call.hangup();
  assert.equal(await ended, { by: "local", reason: "hangup" });
  assert.equal(far.methods(), ["INVITE", "BYE"]);
  assert.is(headerValue(far.requests[1], "CSeq"), "2 BYE");
});

test("INVITE answered 407 is sent again with Proxy-Authorization and CSeq 2; the 2xx ACK carries the credentials", async () => {
  const { ua, far } = setup();
  far.script = (req, tx, core) => {
    if (!headerValue(req, "Proxy-Authorization")) tx.respond(core.createResponse(req, 407, { toTag: "p", headers: [{ name: "Proxy-Authenticate", value: 'Digest realm="proxy", nonce="pn", algorithm=MD5' }] }));
    else tx.respond(core.createResponse(req, 200, { toTag: "bob", headers: sdp, body: enc(ANSWER) }));
  };
  const call = ua.call("sip:bob@127.0.0.1:5080", { sdp: OFFER });
  await settle();
  assert.is(call.state, "established");
  assert.is(headerValue(far.requests[1], "CSeq"), "2 INVITE");
  assert.is(headerValue(far.requests[1], "Call-ID"), headerValue(far.requests[0], "Call-ID"));
  assert.is(decodeAuthParams(headerValue(far.requests[1], "Proxy-Authorization")!).params.realm, "proxy");
  assert.ok(headerValue(far.acks[0], "Proxy-Authorization"));
});

test("a wrong password (the same challenge again) fails with the 401 status instead of looping", async () => {
  const { ua, far } = setup();
  far.script = (req, tx, core) => tx.respond(core.createResponse(req, 401, { toTag: "x", headers: [{ name: "WWW-Authenticate", value: 'Digest realm="r", nonce="same"' }] }));
  const call = ua.call("bob", { sdp: OFFER });
  const failed = call.next("failed");
  await settle();
  const err = (await failed) as SipStatusError;
  assert.is(err.status, 401);
  assert.is(far.requests.length, 2);
});

test("stale=true is answered again with the new nonce", async () => {
  const { ua, far } = setup();
  far.script = (req, tx, core) => {
    const n = far.requests.length;
    if (n === 1) tx.respond(core.createResponse(req, 401, { toTag: "x", headers: [{ name: "WWW-Authenticate", value: 'Digest realm="r", nonce="old"' }] }));
    else if (n === 2) tx.respond(core.createResponse(req, 401, { toTag: "x", headers: [{ name: "WWW-Authenticate", value: 'Digest realm="r", nonce="new", stale=true' }] }));
    else tx.respond(core.createResponse(req, 200, { toTag: "x", headers: sdp, body: enc(ANSWER) }));
  };
  const call = ua.call("bob", { sdp: OFFER });
  await settle();
  assert.is(call.state, "established");
  assert.is(decodeAuthParams(headerValue(far.requests[2], "Authorization")!).params.nonce, "new");
});

for (const [status, code] of [[486, "ERR_SIP_CLIENT_FAILURE"], [302, "ERR_SIP_REDIRECT"], [503, "ERR_SIP_SERVER_FAILURE"], [603, "ERR_SIP_GLOBAL_FAILURE"]] as const) {
  test(`a ${status} final response fails the call with SipStatusError ${code} and is acknowledged`, async () => {
    const { ua, far } = setup();
    far.script = (req, tx, core) => tx.respond(core.createResponse(req, status, { toTag: "x" }));
    const call = ua.call("bob", { sdp: OFFER });
    let error: TranspondError | undefined;
    call.on("failed", (e) => (error = e));
    await settle();
    assert.instance(error, SipStatusError);
    assert.is((error as SipStatusError).status, status);
    assert.is(error!.code, code);
    assert.is(far.acks.length, 0, "the non-2xx ACK is absorbed by the far end's server transaction");
    assert.is(call.state, "terminated");
  });
}

test("no answer at all: the INVITE is retransmitted and Timer B fails the call with SipTimeoutError after 64*T1", async () => {
  const { clock, ua, far, b } = setup();
  b.tap = () => false;
  far.script = () => undefined;
  const call = ua.call("bob", { sdp: OFFER });
  let error: TranspondError | undefined;
  call.on("failed", (e) => (error = e));
  await settle();
  clock.advance(31_999);
  await settle();
  assert.is(error, undefined);
  clock.advance(1);
  assert.instance(error, SipTimeoutError);
  assert.is(far.requests.length, 1, "retransmissions are absorbed by the far end's transaction");
});

test("hangup while ringing sends CANCEL; the 487 ends the call as cancelled", async () => {
  const { ua, far } = setup();
  far.script = (req, tx, core) => {
    if (req.method === "INVITE") tx.respond(core.createResponse(req, 180, { toTag: "bob" }));
  };
  const call = ua.call("bob", { sdp: OFFER });
  await settle();
  assert.is(call.state, "early");
  const ended = call.next("ended");
  await call.hangup();
  await settle();
  assert.equal(await ended, { by: "local", reason: "cancelled" });
  assert.is(far.cancels.length, 1);
});

test("hangup before any response waits for the first provisional (100 Trying) and then sends CANCEL (RFC 3261 9.1)", async () => {
  const { ua, far, a } = setup();
  far.script = () => undefined;
  const sent: string[] = [];
  a.tap = (m) => void sent.push(m.type === "request" ? m.method : String(m.status));
  const call = ua.call("bob", { sdp: OFFER });
  const ended = call.next("ended");
  await call.hangup();
  assert.equal(sent, ["INVITE"], "no CANCEL before a provisional response");
  await settle();
  assert.equal(await ended, { by: "local", reason: "cancelled" });
  assert.equal(sent, ["INVITE", "CANCEL", "ACK"], "the 487 is acknowledged");
  assert.is(far.cancels.length, 1);
});

test("a 200 that crosses the CANCEL is acknowledged and the session is ended with BYE", async () => {
  const { ua, far } = setup();
  far.script = (req, tx, core) => {
    if (req.method === "INVITE") tx.respond(core.createResponse(req, 180, { toTag: "bob" }));
    else tx.respond(core.createResponse(req, 200));
  };
  far.core.attach({
    onRequest: (req, tx) => {
      far.requests.push(req);
      far.script(req, tx, far.core);
    },
    onAck: (req) => far.acks.push(req),
    // This far end answers the INVITE with 200 instead of 487 when the CANCEL comes.
    onCancel: (invite) => invite.respond(far.core.createResponse(invite.request, 200, { toTag: "bob", headers: sdp, body: enc(ANSWER) })),
    onStray2xx: () => undefined,
  });
  const call = ua.call("bob", { sdp: OFFER });
  await settle();
  const ended = call.next("ended");
  await call.hangup();
  await settle();
  assert.equal(await ended, { by: "local", reason: "hangup" });
  assert.equal(far.methods(), ["INVITE", "BYE"], "the core answers the CANCEL itself; the BYE reaches the TU");
  assert.is(far.acks.length, 1);
  assert.is(call.state, "terminated");
});

async function established() {
  const s = setup();
  s.far.script = (req, tx, core) => tx.respond(core.createResponse(req, 200, { toTag: "bob", headers: [{ name: "Contact", value: "<sip:bob@127.0.0.1:5080>" }, ...sdp], body: enc(ANSWER) }));
  const offers: string[] = [];
  const call = s.ua.call("bob", { sdp: OFFER, delegate: { onOffer: (o, m) => (offers.push(`${m}:${o === ANSWER}`), OFFER.replace("4000", "4002")) } });
  await settle();
  return { ...s, call, offers };
}

/** Sends an in-dialog request from the far end and returns its final response. */

function fromFar(s: { far: FarEnd; call: { readonly callId: string } }, method: string, cseq: number, body?: string, contentType = "application/sdp"): Promise<SipResponse> {
  const invite = s.far.requests[0];
  const request = {
    type: "request" as const,
    method,
    uri: "sip:alice@127.0.0.1:5070",
    headers: [
      { name: "From", value: `${headerValue(invite, "To")};tag=bob` },
      { name: "To", value: headerValue(invite, "From")! },
      { name: "Call-ID", value: headerValue(invite, "Call-ID")! },
      { name: "CSeq", value: `${cseq} ${method}` },
      { name: "Contact", value: "<sip:bob@127.0.0.1:5080>" },
      ...(body !== undefined ? [{ name: "Content-Type", value: contentType }] : []),
    ],
    body: enc(body ?? ""),
  };
  return new Promise((resolve, reject) => {
    s.far.core.sendRequest(request, { onResponse: (r) => r.status >= 200 && resolve(r), onTimeout: () => reject(new Error("timeout")) });
  });
}

test("a re-INVITE offer from the far end goes to the delegate and its answer is sent in the 200; the ACK stops the retransmissions", async () => {
  const s = await established();
  const res = fromFar(s, "INVITE", 10, ANSWER);
  await settle();
  const r = await res;
  assert.is(r.status, 200);
  assert.match(dec(r.body), /m=audio 4002/);
  assert.equal(s.offers, ["INVITE:true"]);
  assert.is(s.call.state, "established");
});

test("an UPDATE offer is answered in its 200 the same way", async () => {
  const s = await established();
  const res = fromFar(s, "UPDATE", 11, ANSWER);
  await settle();
  assert.is((await res).status, 200);
  assert.equal(s.offers, ["UPDATE:true"]);
});

test("INFO is received as an event and sent with its body; a BYE from the far end ends the call as remote", async () => {
  const s = await established();
  const infos: string[] = [];
  s.call.on("info", (i) => infos.push(`${i.contentType}|${i.body}`));
  const r = fromFar(s, "INFO", 12, "Signal=5\r\nDuration=160\r\n", "application/dtmf-relay");
  await settle();
  assert.is((await r).status, 200);
  assert.equal(infos, ["application/dtmf-relay|Signal=5\r\nDuration=160\r\n"]);
  const sent = s.call.sendInfo("application/media_control+xml", "<media_control/>");
  await settle();
  assert.is((await sent).status, 200);
  const info = s.far.requests.find((q) => q.method === "INFO")!;
  assert.is(headerValue(info, "Content-Type"), "application/media_control+xml");
  assert.is(info.uri, "sip:bob@127.0.0.1:5080", "sent to the remote target from the 2xx Contact");
  const ended = s.call.next("ended");
  const bye = fromFar(s, "BYE", 13);
  await settle();
  assert.is((await bye).status, 200);
  assert.equal(await ended, { by: "remote", reason: "BYE" });
  assert.is(s.ua.activeCalls.length, 0);
});

test("an in-dialog request with a lower CSeq gets 500, one for an unknown dialog 481", async () => {
  const s = await established();
  const first = fromFar(s, "INFO", 20, "a", "text/plain");
  await settle();
  await first;
  const older = fromFar(s, "INFO", 19, "b", "text/plain");
  await settle();
  assert.is((await older).status, 500);
});

test.run();
