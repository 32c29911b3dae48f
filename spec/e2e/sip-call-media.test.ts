/**
 * The media of a REST call against SIPp, with the test as the phone's RTP end: SIPp answers with an
 * SDP whose audio port is a socket of the test, so the test sees every packet Transpond sends and
 * sends the phone's audio itself (SIPp's bundled PCMA capture, with 5% of the packets dropped and
 * 5% swapped with their successor). Checked: the recording on nginx-rtmp still decodes cleanly and
 * the jitter buffer counters equal what was dropped and swapped; generate_av_for_ua=all sends PCMA
 * silence; RFC 2833 DTMF is what tshark's RTPEvent dissector reads as the digits with growing
 * durations and three end packets; INFO DTMF reaches SIPp as dtmf-relay; inject_stream sends the
 * stream's audio; an RTP-silent phone gets BYE and the call FAILED with `Failed by RTP activity`.
 */
import * as assert from "uvu/assert";
import { createSocket, type Socket } from "node:dgram";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCapture, udpDatagrams } from "../../src/pcap/index.ts";
import { decodeRtp, type RtpPacket } from "../../src/rtp/packet.ts";
import { decodeG711 } from "../../src/audio/g711.ts";
import { encodeG711 } from "../../src/audio/g711.ts";
import { e2eSuite } from "../support/e2e.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { waitFor } from "../support/net.ts";
import { tsharkFields } from "../support/tshark.ts";
import { ipv4, pcapFile, udp } from "../pcap/support/build.ts";
import { prng } from "../support/fuzz.ts";
import { callBody, closeAll, pcmaCapture, probeAudio, removeTemp, sippMessages, startServer, startSipp } from "./sip-call-rig.ts";
import { decodeErrors } from "../support/ffmpeg.ts";

const test = e2eSuite("e2e/sip call media with the test as the phone", ["sipp", "ffmpeg", "ffprobe", "nginx", "tshark"]);
let nginx: NginxRtmp | undefined;
const sockets = new Set<Socket>();

interface Phone {
  readonly socket: Socket;
  readonly port: number;
  readonly received: { packet: RtpPacket; bytes: Uint8Array; from: number }[];
}

async function phone(): Promise<Phone> {
  const socket = createSocket("udp4");
  sockets.add(socket);
  await new Promise<void>((done) => socket.bind(0, "127.0.0.1", done));
  const received: Phone["received"] = [];
  socket.on("message", (bytes, rinfo) => {
    const b = new Uint8Array(bytes);
    if (b[1]! >= 200 && b[1]! <= 206) return; // RTCP arrives on port + 1 only; ignore mux
    try {
      received.push({ packet: decodeRtp(b), bytes: b, from: rinfo.port });
    } catch {
      // not RTP
    }
  });
  return { socket, port: socket.address().port, received };
}

/** A seeded generator so the dropped and swapped packets are the same every run. */
function seeded(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 4294967296;
}

test.before(async () => {
  nginx = await NginxRtmp.start();
});

test.after.each(async () => {
  await closeAll();
  for (const s of sockets) s.close();
  sockets.clear();
});

test.after(async () => {
  await nginx?.dispose();
  removeTemp();
});

test("5% loss and 5% reordering of the phone's PCMA still give a recording that decodes cleanly, and rtpStats count exactly the dropped and swapped packets; silence goes to the phone", async () => {
  // a 1 s reordering window, so a loaded machine's timer stalls cannot turn a swap into a loss
  const server = await startServer({ generate_av_for_ua: "all", rtp_in_buffer_delay: 1000 });
  const p = await phone();
  const sipp = await startSipp("uas-media-at-test.xml", { AUDIO_PORT: String(p.port) });
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-loss", sipp, { rtmpUrl: nginx!.url("live"), rtmpStream: "lossy" }))).status, 200);
  await server.waitForCall("call-loss", "ESTABLISHED and RTMP_STREAM_ACTIVE", (c) => c.status === "ESTABLISHED" && c.rtmpStreamStatus === "RTMP_STREAM_ACTIVE");
  const first = await waitFor("silence from Transpond", () => p.received[0], 3000);
  assert.is(first.packet.payloadType, 8);
  assert.ok(first.packet.payload.every((b) => b === 0xd5), "PCMA silence (0xd5)");
  const ourPort = first.from;

  const rtp = udpDatagrams(readCapture(new Uint8Array(readFileSync(pcmaCapture()!)))).map((d) => d.payload);
  const random = seeded(5);
  const order: Uint8Array[] = [];
  let dropped = 0;
  let swapped = 0;
  for (let i = 0; i < rtp.length; i++) {
    const r = random();
    if (i > 0 && i < rtp.length - 2 && r < 0.05) {
      dropped++;
      continue;
    }
    if (i > 0 && i < rtp.length - 2 && r < 0.1) {
      order.push(rtp[i + 1]!, rtp[i]!);
      swapped++;
      i++;
      continue;
    }
    order.push(rtp[i]!);
  }
  for (let i = 0; i < order.length; i++) {
    p.socket.send(order[i]!, ourPort, "127.0.0.1");
    await new Promise((r) => setTimeout(r, 30));
  }
  await new Promise((r) => setTimeout(r, 1500));
  const found = (await server.rest("/rest-api/call/find", { callId: "call-loss" })).body as Record<string, unknown>[];
  const jb = (found[0]!.rtpStats as { audio: { jitterBuffer: { lost: number; reordered: number; received: number } } }).audio.jitterBuffer;
  console.log(`  sent ${order.length} of ${rtp.length} packets: ${dropped} dropped, ${swapped} pairs swapped; jitter buffer: ${JSON.stringify(jb)}`);
  assert.ok(dropped >= 5 && swapped >= 5, "the seed drops and swaps some packets");
  assert.is(jb.received, order.length);
  assert.is(jb.lost, dropped);
  assert.is(jb.reordered, swapped);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-loss" })).status, 200);
  assert.is(await sipp.exit, 0);
  const file = await nginx!.recordingClosed("lossy", 15000);
  const probe = await probeAudio(file);
  console.log(`  recording: ${probe.codec} ${probe.duration.toFixed(2)} s`);
  assert.is(probe.codec, "aac");
  assert.ok(probe.duration > 5.5 && probe.duration < 9, `recording lasts ${probe.duration} s`);
  assert.is(await decodeErrors(file), "");
});

test("RFC 2833 DTMF '1#' goes to the phone as RTPEvents tshark reads as digits 1 and #, each with the marker, one timestamp, growing durations and three end packets of 160 ms", async () => {
  const server = await startServer();
  const p = await phone();
  const sipp = await startSipp("uas-media-at-test.xml", { AUDIO_PORT: String(p.port) });
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-dtmf", sipp))).status, 200);
  await server.waitForCall("call-dtmf", "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  assert.is((await server.rest("/rest-api/call/send_dtmf", { callId: "call-dtmf", dtmf: "1#", type: "RFC2833" })).status, 200);
  const dtmfPackets = (): typeof p.received => p.received.filter((r) => r.packet.payloadType === 101);
  await waitFor("the event packets of both digits", () => (dtmfPackets().length >= 2 * 9 ? true : undefined), 5000);
  const events = dtmfPackets();
  const file = join(tmpdir(), `transpond-dtmf-${process.pid}.pcap`);
  writeFileSync(file, pcapFile(101, events.map((e, i) => ({ time: 1 + i * 0.02, data: ipv4(udp(e.from, p.port, e.bytes), { src: "127.0.0.1", dst: "127.0.0.1" }) }))));
  const rows = tsharkFields(file, ["rtp.marker", "rtp.timestamp", "rtpevent.event_id", "rtpevent.end_of_event", "rtpevent.duration"], "rtpevent", { decodeAs: [`udp.port==${p.port},rtp`], options: ["-o", "rtpevent.event_payload_type_value:101"] });
  const digits = rows.map((r) => r[2]![0]);
  assert.is(rows.length, events.length, "tshark reads every packet as an RTP event");
  assert.equal([...new Set(digits)], ["1", "11"], "event 1 then event 11 (#)");
  for (const digit of ["1", "11"]) {
    const mine = rows.filter((r) => r[2]![0] === digit);
    assert.is(mine[0]![0]![0], "1", "marker on the first packet");
    assert.ok(mine.slice(1).every((r) => r[0]![0] === "0"), "no marker on the others");
    assert.is(new Set(mine.map((r) => r[1]![0])).size, 1, "one timestamp for the whole event");
    const ends = mine.filter((r) => r[3]![0] === "1");
    assert.is(ends.length, 3, "three end packets");
    assert.ok(ends.every((r) => r[4]![0] === "1280"), "final duration 160 ms = 1280 ticks");
    const durations = mine.map((r) => Number(r[4]![0]));
    assert.ok(durations.every((d, i) => i === 0 || d >= durations[i - 1]!), "durations never go down");
  }
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-dtmf" })).status, 200);
  assert.is(await sipp.exit, 0);
});

test("INFO DTMF reaches SIPp as application/dtmf-relay Signal=5 and Signal=9 with Duration=160", async () => {
  const server = await startServer();
  const p = await phone();
  const sipp = await startSipp("uas-info-dtmf.xml", { AUDIO_PORT: String(p.port) });
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-info", sipp))).status, 200);
  await server.waitForCall("call-info", "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  assert.is((await server.rest("/rest-api/call/send_dtmf", { callId: "call-info", dtmf: "59", type: "INFO" })).status, 200);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-info" })).status, 200);
  assert.is(await sipp.exit, 0, "SIPp's scenario got two INFOs, then the BYE");
  const log = sippMessages(sipp);
  assert.match(log, /Content-Type: application\/dtmf-relay[\s\S]*Signal=5\r?\nDuration=160/);
  assert.match(log, /Signal=9\r?\nDuration=160/);
});

test("inject_stream sends a stream's audio to the phone in place of silence, and inject_stream/terminate stops it", async () => {
  const server = await startServer({ generate_av_for_ua: "all" });
  const p = await phone();
  const sipp = await startSipp("uas-media-at-test.xml", { AUDIO_PORT: String(p.port) });
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-inject", sipp))).status, 200);
  await server.waitForCall("call-inject", "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  const stream = server.hub.publish("tone", { kind: "file", requestKeyframe: () => undefined, stop: () => undefined });
  stream.setConfig({ codec: "PCMU", sampleRate: 8000, channels: 1 });
  assert.is((await server.rest("/rest-api/call/inject_stream/startup", { callId: "call-inject", streamName: "missing" })).status, 404);
  assert.is((await server.rest("/rest-api/call/inject_stream", { callId: "call-inject", streamName: "tone" })).status, 200);
  await new Promise((r) => setTimeout(r, 100));
  const from = p.received.length;
  for (let k = 0; k < 50; k++) {
    const pcm = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (k * 160 + i)) / 8000)));
    stream.pushFrame({ kind: "audio", codec: "PCMU", dts: k * 20, pts: k * 20, key: true, data: encodeG711("PCMU", pcm) });
    await new Promise((r) => setTimeout(r, 20));
  }
  const loud = (): number => p.received.slice(from).filter((r) => r.packet.payloadType === 8 && peak(decodeG711("PCMA", r.packet.payload)) > 4000).length;
  // the call's transcoder may still be loading when the first frames come: they wait for it
  await waitFor("30 packets with the 1 kHz tone", () => (loud() >= 30 ? true : undefined), 5000).catch(() => undefined);
  assert.ok(loud() >= 30, `${loud()} packets carry the 1 kHz tone`);
  assert.is((await server.rest("/rest-api/call/inject_stream/terminate", { callId: "call-inject" })).status, 200);
  assert.is((await server.rest("/rest-api/call/inject_stream/terminate", { callId: "call-inject" })).status, 404);
  assert.is((await server.rest("/rest-api/call/terminate", { callId: "call-inject" })).status, 200);
  assert.is(await sipp.exit, 0);
});

test("a phone that sends no RTP for rtp_activity_timeout gets BYE and the call is FAILED by RTP activity", async () => {
  const server = await startServer({ rtp_activity_timeout: 1 });
  const p = await phone();
  const sipp = await startSipp("uas-media-at-test.xml", { AUDIO_PORT: String(p.port) });
  assert.is((await server.rest("/rest-api/call/startup", callBody("call-quiet", sipp))).status, 200);
  await server.waitForCall("call-quiet", "ESTABLISHED", (c) => c.status === "ESTABLISHED");
  const failed = await server.waitForCall("call-quiet", "FAILED", (c) => c.status === "FAILED", 5000);
  assert.is(failed.info, "Failed by RTP activity");
  assert.is(await sipp.exit, 0, "SIPp got the BYE");
});

function peak(samples: Int16Array): number {
  let m = 0;
  for (const s of samples) m = Math.max(m, Math.abs(s));
  return m;
}

test.run();
