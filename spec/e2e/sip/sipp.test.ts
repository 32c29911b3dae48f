/**
 * Our user agent against SIPp on 127.0.0.1 (UDP): SIPp plays the UAS or registrar scenarios in
 * this folder. T1 is 50 ms so Timer B is 3.2 s. SIPp's own exit status says whether its side of
 * the scenario completed (0 = every call succeeded); every sipp started is killed in `after`.
 */
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { e2eSuite } from "../../support/e2e.ts";
import { freeTcpPort, freeUdpPort, portTaken, waitFor } from "../../support/net.ts";
import { TcpTransport } from "../../../src/sip/transport/tcp.ts";
import { UdpTransport } from "../../../src/sip/transport/udp.ts";
import { UserAgent } from "../../../src/sip/user-agent/user-agent.ts";
import { SipStatusError, SipTimeoutError } from "../../../src/sip/errors.ts";
import type { TranspondError } from "../../../src/errors.ts";
import { decodeAuthParams } from "../../../src/sip/headers/authenticate.ts";
import { digestResponse } from "../../../src/sip/digest.ts";
import type { Call } from "../../../src/sip/user-agent/call.ts";

const test = e2eSuite("sip user agent against SIPp", ["sipp"]);
const here = import.meta.dirname;
const OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

interface Sipp {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exit: Promise<number | null>;
}
const children = new Set<ChildProcess>();
const transports = new Set<UdpTransport | TcpTransport>();
const agents = new Set<UserAgent>();

async function startSipp(scenario: string, extra: readonly string[] = []): Promise<Sipp> {
  const tcp = extra.includes("t1");
  const port = tcp ? await freeTcpPort() : await freeUdpPort();
  const child = spawn("sipp", ["-sf", resolve(here, scenario), "-i", "127.0.0.1", "-p", String(port), "-m", "1", "-nostdin", "-timeout", "20s", "-mp", String(port + 2), ...extra], { stdio: "ignore", cwd: tmpdir() });
  children.add(child);
  const exit = new Promise<number | null>((done) => child.once("exit", (code) => {
    children.delete(child);
    done(code);
  }));
  await waitFor(`sipp listening on ${port}`, async () => ((await portTaken(port, tcp)) ? true : undefined), 5000, 50);
  return { child, port, exit };
}

async function agent(sippPort: number): Promise<UserAgent> {
  const transport = await UdpTransport.listen("127.0.0.1", 0);
  transports.add(transport);
  const ua = new UserAgent({ transport, user: "alice", password: "secret", domain: `127.0.0.1:${sippPort}`, timers: { T1: 50, T2: 400, T4: 500 } });
  agents.add(ua);
  return ua;
}

function outcome(call: Call): Promise<{ established?: string; failed?: TranspondError }> {
  return new Promise((done) => {
    call.once("established", ({ sdp }) => done({ established: sdp }));
    call.once("failed", (failed) => done({ failed }));
  });
}

test.after.each(async () => {
  for (const c of children) c.kill("SIGKILL");
  children.clear();
  for (const ua of agents) ua.dispose();
  agents.clear();
  for (const t of transports) await t.close();
  transports.clear();
});

test("calls a SIPp UAS that answers 200 with SDP, gets the answer, hangs up with BYE, and SIPp's scenario completes", async () => {
  const sipp = await startSipp("uas-answer.xml");
  const ua = await agent(sipp.port);
  const call = ua.call("service", { sdp: OFFER });
  const states: string[] = [];
  call.on("state", ({ to }) => states.push(to));
  const result = await outcome(call);
  assert.match(result.established ?? "", /m=audio \d+ RTP\/AVP 8/);
  assert.match(call.answerSdp ?? "", /a=rtpmap:8 PCMA\/8000/);
  await call.hangup();
  assert.equal(states, ["early", "established", "terminating", "terminated"]);
  assert.is(await sipp.exit, 0, "sipp saw ACK and BYE as its scenario expects");
});

test("over TCP: calls the answering SIPp UAS (sipp -t t1), gets the answer and hangs up on the same connection", async () => {
  const sipp = await startSipp("uas-answer.xml", ["-t", "t1"]);
  const transport = await TcpTransport.listen("127.0.0.1", 0);
  transports.add(transport);
  const ua = new UserAgent({ transport, user: "alice", domain: `127.0.0.1:${sipp.port}`, timers: { T1: 50, T2: 400, T4: 500 } });
  agents.add(ua);
  const call = ua.call("service", { sdp: OFFER });
  const result = await outcome(call);
  assert.match(result.established ?? "", /m=audio \d+ RTP\/AVP 8/);
  await call.hangup();
  assert.is(await sipp.exit, 0);
});

test("answers a SIPp 401 (qop=auth) with a digest SIPp's verifyauth accepts, reaching the 200", async () => {
  const sipp = await startSipp("uas-401.xml");
  const ua = await agent(sipp.port);
  const call = ua.call("service", { sdp: OFFER });
  const result = await outcome(call);
  assert.is(result.failed?.message, undefined);
  assert.ok(result.established);
  await call.hangup();
  assert.is(await sipp.exit, 0);
});

test("answers a SIPp 407 (no qop, opaque) with Proxy-Authorization, reaching the 200; the response SIPp logged is the right digest", async () => {
  const dir = mkdtempSync(join(tmpdir(), "transpond-sipp-"));
  const log = join(dir, "messages.log");
  try {
    const sipp = await startSipp("uas-407.xml", ["-trace_msg", "-message_file", log]);
    const ua = await agent(sipp.port);
    const call = ua.call("service", { sdp: OFFER });
    const result = await outcome(call);
    assert.is(result.failed?.message, undefined);
    await call.hangup();
    assert.is(await sipp.exit, 0);
    const line = /^Proxy-Authorization: (.*)$/m.exec(readFileSync(log, "utf8"));
    assert.ok(line, "SIPp received a Proxy-Authorization");
    const p = decodeAuthParams(line![1].trim()).params;
    assert.is(p.opaque, "op42");
    assert.is(p.qop, undefined);
    assert.is(p.response, digestResponse({ username: "alice", password: "secret", realm: p.realm, nonce: p.nonce, method: "INVITE", uri: p.uri }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a wrong password gets SIPp's 403 and the call fails with that status", async () => {
  const sipp = await startSipp("uas-401.xml");
  const transport = await UdpTransport.listen("127.0.0.1", 0);
  transports.add(transport);
  const ua = new UserAgent({ transport, user: "alice", password: "wrong", domain: `127.0.0.1:${sipp.port}`, timers: { T1: 50, T2: 400, T4: 500 } });
  agents.add(ua);
  const result = await outcome(ua.call("service", { sdp: OFFER }));
  assert.instance(result.failed, SipStatusError);
  assert.is((result.failed as SipStatusError).status, 403);
});

test("a SIPp UAS answering 486 makes the call fail as busy (SipStatusError 486) and gets its ACK", async () => {
  const sipp = await startSipp("uas-486.xml");
  const ua = await agent(sipp.port);
  const result = await outcome(ua.call("service", { sdp: OFFER }));
  assert.instance(result.failed, SipStatusError);
  assert.is((result.failed as SipStatusError).status, 486);
  assert.is((result.failed as SipStatusError).reason, "Busy Here");
  assert.is(await sipp.exit, 0, "sipp received the ACK");
});

test("a SIPp UAS that never answers makes the call fail with a timeout after Timer B (64*T1 = 3.2 s)", async () => {
  const sipp = await startSipp("uas-silent.xml");
  const ua = await agent(sipp.port);
  const started = Date.now();
  const result = await outcome(ua.call("service", { sdp: OFFER }));
  assert.instance(result.failed, SipTimeoutError);
  assert.is(result.failed!.code, "ERR_SIP_TIMEOUT");
  assert.ok(Date.now() - started >= 3000, "not before Timer B");
});

test("REGISTERs with a SIPp registrar that answers 401, gets the granted 60 s, and un-REGISTERs", async () => {
  const sipp = await startSipp("registrar-401.xml");
  const ua = await agent(sipp.port);
  const reg = ua.register({ expires: 300 });
  assert.is(await reg.register(), 60);
  assert.is(reg.state, "registered");
  await reg.unregister();
  assert.is(reg.state, "unregistered");
  assert.is(await sipp.exit, 0);
});

test.run();
