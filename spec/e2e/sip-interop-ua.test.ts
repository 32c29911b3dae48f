/**
 * Our SIP UserAgent against real peers on 127.0.0.1: kamailio as registrar and proxy (digest on,
 * bindings in memory) and baresip as the callee (registered as bob, auto-answer, plays a 440 Hz
 * WAV made by sox, records what it decodes). Media is PCMA RTP from a UDP socket of the test,
 * encoded with src/audio's G.711; DTMF goes as RFC 4733 packets from src/rtp's `dtmfPackets` and
 * as SIP INFO application/dtmf-relay. What counts is what the peers saw: kamailio's script log,
 * baresip's log and baresip's recording measured by `sox stat`.
 */
import { execFile } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as assert from "uvu/assert";
import { decodeG711, encodeG711 } from "../../src/audio/g711.ts";
import { decodeWav } from "../../src/audio/wav-reader.ts";
import { decodeRtp, encodeRtp, rtpPacket } from "../../src/rtp/packet.ts";
import { dtmfPackets } from "../../src/rtp/telephone-event.ts";
import { buildSipOffer } from "../../src/sdp/offer.ts";
import { serializeSdp } from "../../src/sdp/serialize.ts";
import { SipStatusError } from "../../src/sip/errors.ts";
import { UdpTransport } from "../../src/sip/transport/udp.ts";
import type { Call } from "../../src/sip/user-agent/call.ts";
import { UserAgent } from "../../src/sip/user-agent/user-agent.ts";
import { Baresip } from "../support/baresip.ts";
import { tonePower } from "../support/tone.ts";
import { e2eSuite } from "../support/e2e.ts";
import { Kamailio } from "../support/kamailio.ts";
import { sleep, waitFor } from "../support/net.ts";

const test = e2eSuite("e2e/sip interop: our UserAgent through kamailio to baresip", ["kamailio", "baresip", "sox"]);
const run = promisify(execFile);
const ALICE = { user: "alice", password: "alice-secret" };
const BOB = { user: "bob", password: "bob-secret" };

let dir = "";
let kamailio: Kamailio | undefined;
let bob: Baresip | undefined;
let callsEnded = 0;
const transports = new Set<UdpTransport>();
const agents = new Set<UserAgent>();
const sockets = new Set<Socket>();

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "transpond-sip-interop-"));
  const source = join(dir, "bob-440hz.wav");
  await run("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", source, "synth", "30", "sine", "440", "vol", "0.5"]);
  kamailio = await Kamailio.start({ users: [ALICE, BOB] });
  bob = await Baresip.start({ ...BOB, registrar: kamailio.domain, source });
  await bob.registered();
});

test.after(async () => {
  for (const s of sockets) s.close();
  for (const ua of agents) ua.dispose();
  for (const t of transports) await t.close();
  await bob?.dispose();
  await kamailio?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function alice(password = ALICE.password): Promise<UserAgent> {
  const transport = await UdpTransport.listen("127.0.0.1", 0);
  transports.add(transport);
  const ua = new UserAgent({ transport, user: ALICE.user, password, domain: kamailio!.domain });
  agents.add(ua);
  return ua;
}

async function rtpSocket(): Promise<Socket> {
  const socket = createSocket("udp4");
  sockets.add(socket);
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return socket;
}

/** Sends our side of the call's RTP: PCMA 20 ms packets and RFC 4733 events on one SSRC. */
class RtpSender {
  private seq = 1000;
  private ts = 160000;
  constructor(private readonly socket: Socket, private readonly host: string, private readonly port: number) {}

  private send(payloadType: number, payload: Uint8Array, marker: boolean, timestamp: number): void {
    const packet = rtpPacket({ payloadType, sequenceNumber: this.seq++ & 0xffff, timestamp: timestamp >>> 0, ssrc: 0x7a11ce, marker, payload });
    this.socket.send(encodeRtp(packet), this.port, this.host);
  }

  /** `ms` of a sine at `hz` (amplitude 0 = silence), paced in real time. */
  async tone(hz: number, ms: number, amplitude = 8000): Promise<void> {
    for (let i = 0; i < ms / 20; i++) {
      const samples = new Int16Array(160);
      for (let k = 0; k < 160; k++) samples[k] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (this.ts + k)) / 8000));
      this.send(8, encodeG711("PCMA", samples), false, this.ts);
      this.ts += 160;
      await sleep(20);
    }
  }

  /** One digit as telephone-event packets (payload type 101 of our offer), paced by their plan. */
  async digit(digit: string): Promise<void> {
    const start = this.ts;
    let at = 0;
    for (const p of dtmfPackets(digit, { intervalMs: 20, durationMs: 100 })) {
      await sleep(p.atMs - at);
      at = p.atMs;
      this.send(101, p.payload, p.marker, start);
    }
    this.ts += 800 + 400;
  }
}


interface Answered {
  readonly call: Call;
  readonly media: RtpSender;
  readonly received: Uint8Array[];
}

/** Alice (registered) calls bob through kamailio with a PCMA/telephone-event offer. */
async function callBob(ua: UserAgent): Promise<Answered> {
  const socket = await rtpSocket();
  const received: Uint8Array[] = [];
  socket.on("message", (bytes) => {
    const packet = decodeRtp(bytes);
    if (packet.payloadType === 8) received.push(packet.payload);
  });
  const offer = serializeSdp(buildSipOffer({ address: "127.0.0.1", audioPort: socket.address().port, hasAudio: true, hasVideo: false }));
  const call = ua.call("bob", { sdp: offer });
  const outcome = await new Promise<{ sdp?: string; error?: Error }>((resolve) => {
    call.once("established", ({ sdp }) => resolve({ sdp }));
    call.once("failed", (error) => resolve({ error }));
  });
  assert.is(outcome.error?.message, undefined, "the call is established");
  const sdp = outcome.sdp!;
  assert.match(sdp, /^m=audio \d+ RTP\/AVP 8\b/m, "baresip answers PCMA first");
  const host = /^c=IN IP4 (\S+)/m.exec(sdp)![1];
  const port = Number(/^m=audio (\d+)/m.exec(sdp)![1]);
  return { call, media: new RtpSender(socket, host, port), received };
}

async function hangUp(call: Call): Promise<void> {
  await call.hangup();
  callsEnded++;
  await bob!.callEnded(callsEnded);
}

async function soxStat(file: string): Promise<Record<string, number>> {
  const { stderr } = await run("sox", [file, "-n", "stat"]);
  const out: Record<string, number> = {};
  for (const m of stderr.matchAll(/^([A-Za-z][A-Za-z ()]+?):\s+(-?[\d.]+)/gm)) out[m[1].replace(/\s+/g, " ")] = Number(m[2]);
  return out;
}

test("a wrong password: kamailio challenges twice and the REGISTER fails with 401; no binding for alice exists", async () => {
  const ua = await alice("not-the-password");
  const registration = ua.register({ expires: 60 });
  const error = await registration.register().then(() => undefined, (e: unknown) => e);
  assert.instance(error, SipStatusError);
  assert.is((error as SipStatusError).status, 401);
  assert.is(registration.state, "failed");
  await kamailio!.waitForEvent(/^auth failed REGISTER alice/);
  const events = kamailio!.dialogOf(/^auth failed REGISTER alice/);
  assert.is(events[0], "challenge REGISTER");
  assert.match(events[1], /^auth failed REGISTER alice -2$/, "kamailio: invalid password (-2)");
  assert.is(events.length, 2, "our UA did not retry the same credentials again");
  assert.is((await kamailio!.options(`sip:alice@${kamailio!.domain}`)).status, 404);
});

test("REGISTERs alice with digest (401 then authorized); kamailio then routes OPTIONS for alice to our UA, and not after un-REGISTER", async () => {
  const ua = await alice();
  const registration = ua.register({ expires: 120 });
  assert.is(await registration.register(), 120);
  await kamailio!.waitForEvent("saved alice expires 120");
  assert.equal(kamailio!.dialogOf("saved alice expires 120"), ["challenge REGISTER", "authorized REGISTER alice", "saved alice expires 120"]);
  const routed = await kamailio!.options(`sip:alice@${kamailio!.domain}`);
  assert.is(routed.status, 200);
  assert.match(routed.text, /^Allow: .*INVITE/m, "the 200 is our UA's answer, relayed by kamailio");
  await registration.unregister();
  assert.is((await kamailio!.options(`sip:alice@${kamailio!.domain}`)).status, 404);
});

test("calls bob through kamailio (407 digest, record-route), baresip auto-answers; each side decodes the other's tone; BYE ends it on both sides", async () => {
  const ua = await alice();
  const { call, media, received } = await callBob(ua);
  const states: string[] = [];
  call.on("state", ({ to }) => states.push(to));
  await media.tone(1000, 1500);
  await media.tone(0, 500, 0);
  await hangUp(call);
  assert.equal(states, ["terminating", "terminated"]);

  const events = await kamailio!.waitForEvent(/^in-dialog BYE/, call.callId);
  assert.is(events[0], "challenge INVITE");
  assert.is(events[1], "authorized INVITE alice");
  assert.match(events[2], new RegExp(`^relay INVITE sip:bob[^@]*@127\\.0\\.0\\.1:${bob!.port}`));
  assert.ok(events.some((e) => e.startsWith("in-dialog BYE")), "the BYE followed the record-route through kamailio");
  assert.is(bob!.hungUpByPeer(), callsEnded, "baresip got our BYE");

  // What baresip decoded from our PCMA: a 1 kHz tone, 1.5 s of signal then silence.
  const file = bob!.latestDecodedRecording();
  assert.ok(file, "baresip recorded the call");
  const stat = await soxStat(file);
  assert.ok(stat["Length (seconds)"] >= 1.8, `recording of ${stat["Length (seconds)"]} s`);
  assert.ok(Math.abs(stat["Rough frequency"] - 1000) < 60, `sox hears ${stat["Rough frequency"]} Hz`);
  const wav = decodeWav(readFileSync(file));
  const samples = wav.pcm.samples;
  const window = (from: number, to: number) => samples.subarray(Math.round(from * wav.sampleRate), Math.round(to * wav.sampleRate));
  assert.ok(tonePower(window(0.3, 1.2), 1000, wav.sampleRate) > 100 * tonePower(window(0.3, 1.2), 440, wav.sampleRate), "the first part is our 1 kHz tone");
  const loud = tonePower(window(0.3, 1.2), 1000, wav.sampleRate);
  assert.ok(tonePower(window(samples.length / wav.sampleRate - 0.3, samples.length / wav.sampleRate), 1000, wav.sampleRate) < loud / 100, "the end is the silence we sent");

  // What we received from baresip: its 440 Hz WAV, PCMA.
  assert.ok(received.length >= 50, `${received.length} PCMA packets from baresip`);
  const heard = decodeG711("PCMA", Buffer.concat(received.slice(10, 60)));
  assert.ok(tonePower(heard, 440, 8000) > 100 * tonePower(heard, 1000, 8000), "baresip sends its 440 Hz file");
});

test("DTMF both ways of sending: RFC 4733 events 1 9 # and SIP INFO dtmf-relay * 0 show up in baresip's log as those digits", async () => {
  const ua = await alice();
  const rtpBefore = bob!.rtpDtmf().length;
  const infoBefore = bob!.infoDtmf().length;
  const { call, media } = await callBob(ua);
  await media.tone(0, 200, 0);
  for (const digit of "19#") await media.digit(digit);
  await media.tone(0, 100, 0);
  const statuses: number[] = [];
  for (const digit of "*0") statuses.push((await call.sendInfo("application/dtmf-relay", `Signal=${digit}\r\nDuration=160\r\n`)).status);
  assert.equal(statuses, [200, 200]);
  await waitFor("baresip to log the digits", () => (bob!.rtpDtmf().length - rtpBefore >= 3 && bob!.infoDtmf().length - infoBefore >= 2 ? true : undefined), 3000);
  await hangUp(call);
  assert.equal(bob!.rtpDtmf().slice(rtpBefore), ["1", "9", "#"]);
  assert.equal(bob!.infoDtmf().slice(infoBefore), [{ digit: "*", duration: 160 }, { digit: "0", duration: 160 }]);
});

test.run();
