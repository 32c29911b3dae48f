import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { Amf0EcmaArray } from "../../src/flv/amf0.ts";
import { ChunkReader, type RtmpRawMessage } from "../../src/rtmp/chunk/reader.ts";
import { decodeMessage, encodeMessage, messageTypeName, type MessageBody } from "../../src/rtmp/messages.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { HANDSHAKE_BYTES } from "./captures.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/#.*$/gm, "").replace(/\s+/g, ""), "hex"));
const raw = (typeId: number, payload: Uint8Array, timestamp = 0): RtmpRawMessage => ({ chunkStreamId: 3, timestamp, typeId, messageStreamId: 1, payload });
const ascii = (s: string): string => Buffer.from(s).toString("hex");

/** {typeId, bytes, body}: one table for decode and encode. */
const CASES: readonly { name: string; typeId: number; hex: string; body: MessageBody }[] = [
  { name: "Set Chunk Size 4096", typeId: 1, hex: "00001000", body: { type: "SetChunkSize", chunkSize: 4096 } },
  { name: "Abort chunk stream 4", typeId: 2, hex: "00000004", body: { type: "Abort", chunkStreamId: 4 } },
  { name: "Acknowledgement 626175", typeId: 3, hex: "00098dff", body: { type: "Acknowledgement", sequenceNumber: 626175 } },
  { name: "Window Ack Size 2500000", typeId: 5, hex: "002625a0", body: { type: "WindowAckSize", size: 2500000 } },
  { name: "Set Peer Bandwidth 2500000 dynamic", typeId: 6, hex: "002625a0 02", body: { type: "SetPeerBandwidth", size: 2500000, limitType: 2 } },
  { name: "Stream Begin 1", typeId: 4, hex: "0000 00000001", body: { type: "UserControl", event: "StreamBegin", streamId: 1 } },
  { name: "Stream EOF 1", typeId: 4, hex: "0001 00000001", body: { type: "UserControl", event: "StreamEOF", streamId: 1 } },
  { name: "Stream Dry 1", typeId: 4, hex: "0002 00000001", body: { type: "UserControl", event: "StreamDry", streamId: 1 } },
  { name: "Set Buffer Length 3000 ms", typeId: 4, hex: "0003 00000001 00000bb8", body: { type: "UserControl", event: "SetBufferLength", streamId: 1, bufferLength: 3000 } },
  { name: "Stream Is Recorded 1", typeId: 4, hex: "0004 00000001", body: { type: "UserControl", event: "StreamIsRecorded", streamId: 1 } },
  { name: "Ping Request", typeId: 4, hex: "0006 17abdaa3", body: { type: "UserControl", event: "PingRequest", timestamp: 397138595 } },
  { name: "Ping Response", typeId: 4, hex: "0007 17abdaa3", body: { type: "UserControl", event: "PingResponse", timestamp: 397138595 } },
  { name: "SWF verification request (event 26) kept raw", typeId: 4, hex: "001a 00", body: { type: "UserControl", event: "Unknown", eventType: 26, data: hex("00") } },
  { name: "audio", typeId: 8, hex: "af00 1210", body: { type: "Audio", data: hex("af001210") } },
  { name: "video", typeId: 9, hex: "1701 000000", body: { type: "Video", data: hex("1701000000") } },
  {
    name: "command createStream",
    typeId: 20,
    hex: `02 000c ${ascii("createStream")}   # name
          00 4000000000000000               # transaction id 2
          05                                # command object null`,
    body: { type: "Command", name: "createStream", transactionId: 2, commandObject: null, args: [] },
  },
  {
    name: "command publish with arguments",
    typeId: 20,
    hex: `02 0007 ${ascii("publish")} 00 4014000000000000 05 02 0001 ${ascii("s")} 02 0004 ${ascii("live")}`,
    body: { type: "Command", name: "publish", transactionId: 5, commandObject: null, args: ["s", "live"] },
  },
  {
    name: "command in an AMF3 message (17) with a 0x00 prefix and AMF0 body (FFmpeg)",
    typeId: 17,
    hex: `00 02 0004 ${ascii("play")} 00 0000000000000000 05`,
    body: { type: "Command", name: "play", transactionId: 0, commandObject: null, args: [], amf3: true },
  },
  {
    name: "data @setDataFrame onMetaData",
    typeId: 18,
    hex: `02 000d ${ascii("@setDataFrame")} 02 000a ${ascii("onMetaData")} 08 00000001 0005 ${ascii("width")} 00 4094000000000000 000009`,
    body: { type: "Data", values: ["@setDataFrame", "onMetaData", new Amf0EcmaArray({ width: 1280 })] },
  },
  { name: "data in an AMF3 message (15)", typeId: 15, hex: `00 02 0001 ${ascii("x")}`, body: { type: "Data", values: ["x"], amf3: true } },
  { name: "shared object (19) kept raw", typeId: 19, hex: "0102", body: { type: "Raw", typeId: 19, payload: hex("0102") } },
  { name: "unknown type 7 kept raw", typeId: 7, hex: "ff", body: { type: "Raw", typeId: 7, payload: hex("ff") } },
];

const s = suite("rtmp messages");
for (const c of CASES) {
  s(`decodes ${c.name}`, () => assert.equal(decodeMessage(raw(c.typeId, hex(c.hex))), c.body));
  s(`encodes ${c.name}`, () => {
    const e = encodeMessage(c.body);
    assert.is(e.typeId, c.typeId);
    assert.is(Buffer.from(e.payload).toString("hex"), Buffer.from(hex(c.hex)).toString("hex"));
  });
}
s("names every message type as go-rtmp's list does", () => {
  assert.is(messageTypeName(1), "SetChunkSize (1)");
  assert.is(messageTypeName(22), "Aggregate (22)");
  assert.is(messageTypeName(0), "Unknown (0)");
});
s("splits an aggregate into its sub-messages with timestamps relative to the first (as FFmpeg)", () => {
  const body = hex(`
    08 000002 0003e8 00 000000  aaaa  0000000d   # audio, 2 bytes, ts 1000, back pointer 13
    09 000001 0003fc 00 000000  bb    0000000c   # video, 1 byte, ts 1020
  `);
  const d = decodeMessage(raw(22, body, 5000));
  assert.equal(d, {
    type: "Aggregate",
    messages: [
      { chunkStreamId: 3, timestamp: 5000, typeId: 8, messageStreamId: 1, payload: hex("aaaa") },
      { chunkStreamId: 3, timestamp: 5020, typeId: 9, messageStreamId: 1, payload: hex("bb") },
    ],
  });
  const again = encodeMessage(d);
  assert.equal(decodeMessage(raw(22, again.payload, 5000)), d);
});
s("decodes FFmpeg 4.4 listen server's control messages and commands as the fixture index lists them", () => {
  const bytes = new Uint8Array(readFileSync(fixture("rtmp_tcpstream_ffmpeg4.4_listen-server_server-to-client_aac.bin")));
  const bodies = new ChunkReader().push(bytes.subarray(HANDSHAKE_BYTES)).map(decodeMessage);
  assert.equal(bodies.slice(0, 4), [
    { type: "WindowAckSize", size: 2500000 },
    { type: "SetPeerBandwidth", size: 2500000, limitType: 2 },
    { type: "UserControl", event: "StreamBegin", streamId: 0 },
    { type: "SetChunkSize", chunkSize: 128 },
  ]);
  const first = bodies[4]!;
  assert.is(first.type === "Command" && (first.commandObject as { fmsVer: string }).fmsVer, "FMS/3,0,1,123");
  assert.equal(bodies[5], { type: "Command", name: "onBWDone", transactionId: 0, commandObject: null, args: [8192] });
  const status = bodies[9]!;
  // the description holds uninitialised bytes (an FFmpeg quirk); it still decodes
  assert.is(status.type === "Command" && (status.args[0] as { code: string }).code, "NetStream.Play.Start");
  const meta = bodies[10]!;
  assert.is(meta.type === "Data" && meta.values[1], "onMetaData");
  assert.is(meta.type === "Data" && (meta.values[2] as Amf0EcmaArray).value.streamName, "test stream");
});
s("splits Akamai FMS 3.0.3's five aggregates into audio and video with rising timestamps", () => {
  const path = sharedFixture("rtmp_tcpstream_akamai-fms3.0.3_play_server-to-client_h263-nellymoser-aggregate.bin");
  if (path === undefined) return;
  const msgs = new ChunkReader().push(new Uint8Array(readFileSync(path)).subarray(HANDSHAKE_BYTES));
  const aggs = msgs.filter((m) => m.typeId === 22).map((m) => ({ m, d: decodeMessage(m) }));
  assert.is(aggs.length, 5);
  for (const { m, d } of aggs) {
    if (d.type !== "Aggregate") throw new Error("not an aggregate");
    assert.ok(d.messages.length > 30);
    assert.is(d.messages[0]!.timestamp, m.timestamp);
    assert.ok(d.messages.every((x) => x.typeId === 8 || x.typeId === 9));
    // Sorenson H.263 (codec 2) video and Nellymoser (format 6) audio, as the index says
    assert.ok(d.messages.every((x) => (x.typeId === 9 ? (x.payload[0]! & 0x0f) === 2 : x.payload[0]! >> 4 === 6)));
  }
});

const BAD: readonly { name: string; typeId: number; hex: string; code: string }[] = [
  { name: "Set Chunk Size of 2 bytes", typeId: 1, hex: "0010", code: "ERR_RTMP_TRUNCATED_MESSAGE" },
  { name: "Set Peer Bandwidth without limit type", typeId: 6, hex: "002625a0", code: "ERR_RTMP_TRUNCATED_MESSAGE" },
  { name: "User Control of 1 byte", typeId: 4, hex: "00", code: "ERR_RTMP_TRUNCATED_MESSAGE" },
  { name: "Set Buffer Length without the length", typeId: 4, hex: "0003 00000001", code: "ERR_RTMP_TRUNCATED_MESSAGE" },
  { name: "command that starts with a number", typeId: 20, hex: "00 0000000000000000", code: "ERR_RTMP_BAD_COMMAND" },
  { name: "empty command", typeId: 20, hex: "", code: "ERR_RTMP_BAD_COMMAND" },
  { name: "command with a truncated AMF0 string", typeId: 20, hex: "02 0009 61", code: "ERR_AMF0_TRUNCATED" },
  { name: "AMF3 command with a real AMF3 body", typeId: 17, hex: "11 06 09", code: "ERR_RTMP_AMF3_UNSUPPORTED" },
  { name: "empty AMF3 data", typeId: 15, hex: "", code: "ERR_RTMP_TRUNCATED_MESSAGE" },
  { name: "aggregate sub-message longer than the aggregate", typeId: 22, hex: "08 000010 000000 00 000000 aa", code: "ERR_RTMP_BAD_AGGREGATE" },
  { name: "aggregate with a cut header", typeId: 22, hex: "08 0000", code: "ERR_RTMP_BAD_AGGREGATE" },
];
const bad = suite("rtmp messages bad input");
for (const c of BAD) {
  bad(`rejects ${c.name} with ${c.code}`, () => {
    try {
      decodeMessage(raw(c.typeId, hex(c.hex)));
    } catch (err) {
      assert.instance(err, ParseError);
      assert.is((err as ParseError).code, c.code);
      return;
    }
    assert.unreachable("no error");
  });
}
s.run();
bad.run();
