import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { nalType } from "../../src/codecs/h264/nal.ts";
import { Amf0EcmaArray, Amf0TypedObject, type Amf0Value } from "../../src/flv/amf0.ts";
import { ChunkWriter } from "../../src/rtmp/chunk/writer.ts";
import { HandshakeClient, HandshakeServer } from "../../src/rtmp/handshake.ts";
import { encodeMessage } from "../../src/rtmp/messages.ts";
import { traceCapture, type TraceMessage, type TraceResult } from "../../src/rtmp/trace.ts";
import { formatTrace, traceToJson } from "../../src/rtmp/trace-format.ts";
import { e2eSuite } from "../support/e2e.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { tsharkPdml, type PdmlField, type PdmlPacket } from "../support/tshark.ts";
import { buildTcpPcap, type BuiltSegment } from "./pcap-builder.ts";
import { syntheticSession, type Sent } from "./trace-session.ts";

const OBS = "rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap";
const RESTREAM = "rtmp_publish_handshake_restream-ingest_wowza-style-result.pcap";
const FLASH = "rtmp_play_flash_wiki-sample_play-failed.cap";
const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));

/** Wireshark's RTMP labels (packet-rtmpt.c) -> message type id. */
const LABELS: readonly [string, number][] = [
  ["Set Chunk Size", 1],
  ["Abort Message", 2],
  ["Acknowledgement", 3],
  ["User Control Message", 4],
  ["Window Acknowledgement Size", 5],
  ["Set Peer Bandwidth", 6],
  ["Audio Data", 8],
  ["Video Data", 9],
  ["AMF3 Data", 15],
  ["AMF3 Shared Object", 16],
  ["AMF3 Command", 17],
  ["AMF0 Data", 18],
  ["AMF0 Shared Object", 19],
  ["AMF0 Command", 20],
  ["Aggregate", 22],
];

interface DissectedMessage {
  readonly frame: number;
  readonly label: string;
  readonly typeId: number;
  readonly command?: string;
  /** AMF0 tokens in document order: T:<marker> S:<string> N:<number> B:<bool> */
  readonly amf: readonly string[];
  readonly fields: ReadonlyMap<string, string>;
}

function walk(f: PdmlField, out: string[], fields: Map<string, string>): void {
  if (f.name === "amf.amf0_type") out.push(`T:${Number(f.show)}`);
  else if (f.name === "amf.string" || f.name === "amf.longstring") out.push(`S:${f.show}`);
  else if (f.name === "amf.number") out.push(`N:${Number(f.show)}`);
  else if (f.name === "amf.boolean") out.push(`B:${f.show === "1" || f.show.toLowerCase() === "true"}`);
  else if (f.name.startsWith("rtmpt.") && !fields.has(f.name)) fields.set(f.name, f.show);
  for (const c of f.fields) walk(c, out, fields);
}

/** One entry per RTMP message as tshark's dissector shows it (handshake PDUs left out). */
function dissect(packets: readonly PdmlPacket[]): DissectedMessage[] {
  const out: DissectedMessage[] = [];
  for (const p of packets) {
    for (const proto of p.protos.filter((x) => x.name === "rtmpt")) {
      const label = /^Real Time Messaging Protocol \((.*)\)$/.exec(proto.showname)?.[1] ?? proto.showname;
      if (label.startsWith("Handshake")) continue;
      const unknown = /^Unknown \((0x[0-9a-f]+)\)/.exec(label);
      const typeId = unknown ? Number(unknown[1]) : (LABELS.find(([prefix]) => label.startsWith(prefix))?.[1] ?? -1);
      const command = /^AMF[03] (?:Command|Data) ([^(]*)\(/.exec(label)?.[1];
      const amf: string[] = [];
      const fields = new Map<string, string>();
      for (const f of proto.fields) walk(f, amf, fields);
      out.push({ frame: p.num, label, typeId, ...(command !== undefined ? { command } : {}), amf, fields });
    }
  }
  return out;
}

/** Our AMF0 values as the same tokens. */
function tokens(values: readonly Amf0Value[]): string[] {
  const out: string[] = [];
  const props = (o: Readonly<Record<string, Amf0Value>>): void => {
    for (const k of Object.keys(o)) {
      out.push(`S:${k}`);
      one(o[k]);
    }
  };
  const one = (v: Amf0Value): void => {
    if (typeof v === "number") out.push("T:0", `N:${v}`);
    else if (typeof v === "boolean") out.push("T:1", `B:${v}`);
    else if (typeof v === "string") out.push(Buffer.byteLength(v) > 0xffff ? "T:12" : "T:2", `S:${v}`);
    else if (v === null) out.push("T:5");
    else if (v === undefined) out.push("T:6");
    else if (Array.isArray(v)) {
      out.push("T:10");
      (v as readonly Amf0Value[]).forEach(one);
    } else if (v instanceof Amf0EcmaArray) {
      out.push("T:8");
      props(v.value);
    } else if (v instanceof Amf0TypedObject) {
      out.push("T:16", `S:${v.className}`);
      props(v.value);
    } else {
      out.push("T:3");
      props(v as Readonly<Record<string, Amf0Value>>);
    }
  };
  values.forEach(one);
  return out;
}

const VIDEO_CODEC_IDS: Readonly<Record<string, number>> = { H263: 2, H264: 7 };
const AUDIO_FORMATS: Readonly<Record<string, number>> = { AAC: 10, Nellymoser: 6, MP3: 2, G711A: 7, G711U: 8, Speex: 11 };

function compareWithTshark(file: string, result: TraceResult): number {
  const ours = result.messages.filter((m) => m.parent === undefined);
  const theirs = dissect(tsharkPdml(file, { filter: "rtmpt", options: ["-o", "rtmpt.max_packet_size:100000000"] }));
  assert.is(ours.length, theirs.length, `${file}: message count`);
  theirs.forEach((t, i) => {
    const m = ours[i]!;
    const at = `${file} message ${i} (frame ${t.frame}, tshark "${t.label}")`;
    assert.is(m.frame, t.frame, `${at}: frame`);
    assert.is(m.typeId, t.typeId, `${at}: type`);
    if (t.command !== undefined && m.typeId === 20) assert.is(m.command, t.command, `${at}: command name`);
    if (m.values !== undefined) assert.equal(tokens(m.values), t.amf, `${at}: AMF values`);
    const chunkSize = t.fields.get("rtmpt.scm.chunksize");
    if (chunkSize !== undefined && m.control?.type === "SetChunkSize") assert.is(m.control.chunkSize, Number(chunkSize), at);
    const was = t.fields.get("rtmpt.scm.was");
    if (was !== undefined && (m.control?.type === "WindowAckSize" || m.control?.type === "SetPeerBandwidth")) assert.is(m.control.size, Number(was), at);
    const event = t.fields.get("rtmpt.ucm.eventtype");
    if (event !== undefined && m.control?.type === "UserControl") assert.ok(m.control.event === "Unknown" ? m.control.eventType === Number(event) : true, at);
    if (m.media?.kind === "video" && t.fields.has("rtmpt.video.format")) {
      assert.is(VIDEO_CODEC_IDS[m.media.codec], Number(t.fields.get("rtmpt.video.format")), `${at}: codec`);
      assert.is(m.media.key, Number(t.fields.get("rtmpt.video.type")) === 1, `${at}: keyframe flag`);
    }
    if (m.media?.kind === "audio" && t.fields.has("rtmpt.audio.format")) assert.is(AUDIO_FORMATS[m.media.codec], Number(t.fields.get("rtmpt.audio.format")), `${at}: audio format`);
  });
  return theirs.length;
}

const real = e2eSuite("trace against tshark's RTMP dissector", ["tshark"]);

real("decodes the OBS 27 -> nginx-rtmp publish with the same messages, commands and AMF values as tshark", () => {
  const file = fixture(OBS);
  const result = traceCapture(read(file));
  assert.is(result.sessions.length, 1);
  assert.is(compareWithTshark(file, result), 339);
  assert.equal(result.problems, []);
});

real("decodes the restream.io ingest handshake capture as tshark does", () => {
  const file = fixture(RESTREAM);
  const result = traceCapture(read(file));
  assert.is(compareWithTshark(file, result), 9);
  const publish = result.messages.find((m) => m.command === "publish")!;
  assert.is(publish.values![3], "re_1669031_a648c5b23b099e1cb824");
});

real("decodes the Flash wiki play sample (ends in Play.Failed) as tshark does", () => {
  const file = sharedFixture(FLASH);
  if (file === undefined) return;
  const result = traceCapture(read(file));
  assert.is(compareWithTshark(file, result), 13);
  const status = result.messages.filter((m) => m.command === "onStatus").at(-1)!;
  assert.is((status.values![3] as { code: string }).code, "NetStream.Play.Failed");
  // "User Control Message 0x8" in tshark: an event type the spec does not define, kept as Unknown
  assert.ok(result.messages.some((m) => m.control?.type === "UserControl" && m.control.event === "Unknown" && m.control.eventType === 8));
});

real("dissector quirk: with its default 32 KB reassembly limit tshark labels 3 chunks of OBS's 36,033-byte keyframe Unknown (0x0)", () => {
  const file = fixture(OBS);
  const theirs = dissect(tsharkPdml(file, { filter: "rtmpt" }));
  const unknown = theirs.filter((t) => t.label === "Unknown (0x0)").map((t) => t.frame);
  assert.equal(unknown, [46, 52, 54]);
  // By hand: frames 42..56 carry one video message of 36,033 bytes (over rtmpt.max_packet_size 32768):
  // a 12-byte fmt 0 header (csid 4, length 0x008cc1, type 9) in frame 42, then fmt 3 continuation
  // chunks (0xC4 + 4096 bytes at chunk size 4096) in frames 44..54. tshark drops the reassembly and
  // dissects continuation payload as headers; we read one message, an IDR access unit.
  const keyframe = traceCapture(read(file)).messages.find((m) => m.frame === 56 && m.typeId === 9)!;
  assert.is(keyframe.length, 36033);
  assert.ok(keyframe.media?.key);
  const streams = tsharkPdml(file, { filter: "frame.number >= 42 && frame.number <= 54 && tcp.len > 0" });
  const payloads = streams.map((p) => {
    const tcp = p.protos.find((x) => x.name === "tcp")!;
    const payload = tcp.fields.find((f) => f.name === "tcp.payload");
    return { frame: p.num, hex: payload?.value ?? "" };
  });
  assert.is(payloads[0]!.hex.slice(0, 24), "04" + "000000" + "008cc1" + "09" + "01000000");
  for (const p of payloads.slice(1)) {
    assert.is(p.hex.slice(0, 2), "c4", `frame ${p.frame} starts with a fmt 3 header of chunk stream 4`);
    assert.is(p.hex.length / 2, 4097, `frame ${p.frame} is one 4096-byte chunk`);
  }
  const data = Buffer.from(payloads[0]!.hex.slice(24), "hex"); // first chunk: FLV video header + AVCC
  assert.is(data[0], 0x17, "keyframe, AVC");
  assert.is(data[1], 1, "AVC NALU");
  const firstNal = data.subarray(9); // after the 4-byte NAL length
  assert.ok([5, 6, 9].includes(nalType(firstNal)), `an access unit starting with an IDR, SEI or AUD NAL unit (got ${nalType(firstNal)})`);
});

real("tshark dissects a session written by our handshake and chunk writer without malformed packets", () => {
  const { pcap, sent } = syntheticSession([]);
  const dir = mkdtempSync(join(tmpdir(), "transpond-trace-"));
  try {
    const file = join(dir, "ours.pcap");
    writeFileSync(file, pcap);
    const packets = tsharkPdml(file, { options: ["-o", "rtmpt.max_packet_size:100000000"] });
    assert.not.ok(packets.some((p) => p.protos.some((x) => x.name === "_ws.malformed")), "no malformed packets");
    const theirs = dissect(packets);
    assert.equal(theirs.map((t) => t.typeId), sent.map((m) => encodeMessage(m.body).typeId));
    assert.equal(theirs.filter((t) => t.typeId === 20).map((t) => t.command), ["connect", "createStream", "publish"]);
    const ours = traceCapture(pcap);
    assert.is(compareWithTshark(file, ours), sent.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

real("G.711 and Speex messages carry the audio format tshark's dissector reads from them", () => {
  const audio = (data: Uint8Array, ts: number): Sent => ({ body: { type: "Audio", data }, csid: 4, ts, msid: 2 });
  const { pcap } = syntheticSession([audio(Uint8Array.of(0x72, 0xd5, 0xd5), 0), audio(Uint8Array.of(0x82, 0xff, 0xff), 20), audio(SPEEX_TWO_FRAMES, 40)]);
  const dir = mkdtempSync(join(tmpdir(), "transpond-trace-"));
  try {
    const file = join(dir, "g711-speex.pcap");
    writeFileSync(file, pcap);
    const ours = traceCapture(pcap);
    assert.equal(ours.messages.filter((m) => m.messageStreamId === 2).map((m) => m.media?.codec), ["G711A", "G711U", "Speex"]);
    compareWithTshark(file, ours);
    const theirs = dissect(tsharkPdml(file, { filter: "rtmpt" })).filter((t) => t.typeId === 8).map((t) => t.fields.get("rtmpt.audio.format"));
    assert.equal(theirs.slice(-3), ["7", "8", "11"], "tshark reads the same formats");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- synthetic sessions for the conformance checks (no outside program needed) ----

const s = suite("trace");
const codes = (r: TraceResult): string[] => r.problems.map((p) => p.code);

s("reports a clean synthetic session without problems, with codec details from the sequence headers", () => {
  const r = traceCapture(syntheticSession([]).pcap);
  assert.equal(r.problems, []);
  assert.is(r.sessions[0]!.clientDigestScheme, 0);
  assert.is(r.sessions[0]!.serverDigestScheme, 0);
  const video = r.messages.find((m) => m.media?.sequenceHeader && m.media.kind === "video")!;
  assert.equal(video.media!.avc, { profile: 66, level: 31, width: 1280, height: 720, fps: 30 });
  const audio = r.messages.find((m) => m.media?.sequenceHeader && m.media.kind === "audio")!;
  assert.equal(audio.media!.aac, { objectType: 2, sampleRate: 44100, channels: 2 });
  assert.equal(r.messages.filter((m) => m.typeId === 8).map((m) => m.timestamp).slice(1), [0x01000000, 0x01000017]);
});

/** Two Speex wideband frames (narrowband mode 0, wideband submode 0), padded as libspeex pads. */
const SPEEX_TWO_FRAMES = Uint8Array.of(0xb6, 0b00000_100, 0b0_00000_10, 0b00_0_11111);

s("names G.711 and Speex messages with their implied rate (Speex with its frames) and wants no sequence header for them", () => {
  const audio = (data: Uint8Array, ts: number): Sent => ({ body: { type: "Audio", data }, csid: 4, ts, msid: 2 });
  const r = traceCapture(syntheticSession([audio(Uint8Array.of(0x72, 0xd5, 0xd5), 0), audio(Uint8Array.of(0x82, 0xff, 0xff), 20), audio(SPEEX_TWO_FRAMES, 40)]).pcap);
  assert.equal(r.problems, []);
  const lines = formatTrace(r).split("\n").filter((l) => / ms2 /.test(l) && l.includes("Audio"));
  assert.equal(lines.map((l) => l.replace(/^.*Audio \(8\) /, "")), ["G711A 8000Hz 1ch", "G711U 8000Hz 1ch", "Speex 16000Hz 1ch 2 frames"]);
});

s("reports a Speex message whose frames do not decode", () => {
  const r = traceCapture(syntheticSession([{ body: { type: "Audio", data: Uint8Array.of(0xb6, 0b0_1001_000) }, csid: 4, ts: 60, msid: 2 }]).pcap);
  assert.equal(codes(r), ["ERR_TRACE_UNDECODABLE"]);
  assert.match(r.problems[0]!.message, /Speex: reserved narrowband mode 9/);
});

s("reports timestamps going backwards per message stream and type", () => {
  const r = traceCapture(syntheticSession([{ body: { type: "Audio", data: Uint8Array.of(0xaf, 1, 9) }, csid: 4, ts: 0x00ffffff, msid: 1 }]).pcap);
  assert.equal(codes(r), ["ERR_TRACE_TIMESTAMP_BACKWARDS"]);
  assert.match(r.problems[0]!.message, /16777215 after 16777239/);
});

s("reports media before its sequence header, once per stream", () => {
  const early = (ts: number): Sent => ({ body: { type: "Video", data: Uint8Array.of(0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41) }, csid: 6, ts, msid: 2 });
  const r = traceCapture(syntheticSession([early(0), early(40)]).pcap);
  assert.equal(codes(r), ["ERR_TRACE_MEDIA_BEFORE_SEQUENCE_HEADER"]);
});

s("reports unknown message types", () => {
  const r = traceCapture(syntheticSession([{ body: { type: "Raw", typeId: 7, payload: Uint8Array.of(1) }, csid: 3, ts: 0, msid: 0 }]).pcap);
  assert.equal(codes(r), ["ERR_TRACE_UNKNOWN_TYPE"]);
  assert.is(r.messages.at(-1)!.type, "Unknown (7)");
});

s("reports a chunk stream written with chunks longer than the announced chunk size", () => {
  const segments: BuiltSegment[] = [];
  const c = new HandshakeClient();
  const sv = new HandshakeServer();
  const c0c1 = c.start();
  const ans = sv.push(c0c1).send;
  segments.push({ fromClient: true, payload: c0c1 }, { fromClient: false, payload: ans }, { fromClient: true, payload: c.push(ans).send });
  const w = new ChunkWriter();
  w.chunkSize = 4096; // never announced
  segments.push({ fromClient: true, payload: w.write({ chunkStreamId: 6, timestamp: 0, messageStreamId: 1, typeId: 9, payload: new Uint8Array(300).fill(0x9c) }) });
  const bad = traceCapture(buildTcpPcap(segments));
  assert.equal(codes(bad), ["ERR_RTMP_NO_PREVIOUS_HEADER"]);
  assert.match(bad.problems[0]!.message, /chunk longer than the announced chunk size 128/);
});

s("reports a message interrupted by a new header before its announced length", () => {
  const segments: BuiltSegment[] = [];
  const c = new HandshakeClient();
  const sv = new HandshakeServer();
  const c0c1 = c.start();
  const ans = sv.push(c0c1).send;
  segments.push({ fromClient: true, payload: c0c1 }, { fromClient: false, payload: ans }, { fromClient: true, payload: c.push(ans).send });
  // a 200-byte MP3 audio message cut after 128 bytes by a new fmt 0 header on the same chunk stream
  const hex = "06 000000 0000c8 08 01000000" + "22".repeat(128) + "06 000028 000002 08 01000000 2202";
  segments.push({ fromClient: true, payload: Buffer.from(hex.replace(/ /g, ""), "hex") });
  const r = traceCapture(buildTcpPcap(segments));
  assert.equal(codes(r), ["ERR_TRACE_MESSAGE_INTERRUPTED"]);
  assert.is(r.messages.length, 1);
});

s("formats one line per message after the session line, and the problems", () => {
  const r = traceCapture(syntheticSession([{ body: { type: "Raw", typeId: 7, payload: Uint8Array.of(1) }, csid: 3, ts: 0, msid: 0 }]).pcap);
  const lines = formatTrace(r).split("\n");
  assert.is(lines.length, 1 + r.messages.length + 1 + r.problems.length);
  assert.match(lines[0]!, /^session 0: 127\.0\.0\.1:50000 -> 127\.0\.0\.1:1935; C1 9\.0\.124\.2 digest scheme 0; S1 4\.5\.0\.1 digest scheme 0$/);
  assert.ok(lines.some((l) => /CommandAMF0 \(20\) connect\(1, \{app: "live"/.test(l)));
  assert.ok(lines.some((l) => /Video \(9\) H264 sequence header key profile 66 level 31 1280x720/.test(l)));
  assert.match(lines.at(-1)!, /ERR_TRACE_UNKNOWN_TYPE/);
});

s("gives JSON with plain AMF values", () => {
  const r = traceCapture(syntheticSession([]).pcap);
  const json = JSON.parse(traceToJson(r)) as { messages: TraceMessage[] };
  const meta = json.messages.find((m) => m.command === "@setDataFrame")!;
  assert.equal(meta.values, ["@setDataFrame", "onMetaData", { width: 640, height: 480, stereo: true }]);
});

s("finds RTMP on another port by its handshake shape, and ignores other TCP streams", () => {
  const { pcap } = syntheticSession([]);
  const moved = traceCapture(pcap, { ports: [] });
  assert.is(moved.sessions.length, 1);
  const sip = sharedFixture("sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap");
  if (sip !== undefined) assert.is(traceCapture(read(sip)).sessions.length, 0);
});

s.run();
real.run();
