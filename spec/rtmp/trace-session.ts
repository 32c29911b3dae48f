/** A synthetic RTMP publish session as a pcap (handshake, connect, publish, media), plus extra messages, for trace tests. */
import { Amf0EcmaArray } from "../../src/flv/amf0.ts";
import { ChunkWriter } from "../../src/rtmp/chunk/writer.ts";
import { HandshakeClient, HandshakeServer } from "../../src/rtmp/handshake.ts";
import { encodeMessage, type MessageBody } from "../../src/rtmp/messages.ts";
import { buildTcpPcap, type BuiltSegment } from "./pcap-builder.ts";

export interface Sent {
  readonly body: MessageBody;
  readonly csid: number;
  readonly ts: number;
  readonly msid: number;
}

/** OBS 27's AVC sequence header from the OBS capture (Baseline, level 3.1, 1280x720). */
const AVC_SEQ = Buffer.from("17000000000142c01fffe1001c6742c01fda014016ec05a808080a000003000200000300791e30654001000468ce3c80", "hex");

export function syntheticSession(extra: readonly Sent[]): { pcap: Uint8Array; sent: Sent[] } {
  const client = new HandshakeClient({ random: (n) => new Uint8Array(n).fill(7), now: () => 0 });
  const server = new HandshakeServer({ random: (n) => new Uint8Array(n).fill(9), now: () => 0 });
  const segments: BuiltSegment[] = [];
  const c0c1 = client.start();
  segments.push({ fromClient: true, payload: c0c1 });
  const answer = server.push(c0c1).send;
  segments.push({ fromClient: false, payload: answer });
  segments.push({ fromClient: true, payload: client.push(answer).send });
  const writer = new ChunkWriter();
  const sent: Sent[] = [
    { body: { type: "SetChunkSize", chunkSize: 4096 }, csid: 2, ts: 0, msid: 0 },
    { body: { type: "Command", name: "connect", transactionId: 1, commandObject: { app: "live", tcUrl: "rtmp://127.0.0.1/live", fpad: false, capabilities: 15 }, args: [] }, csid: 3, ts: 0, msid: 0 },
    { body: { type: "Command", name: "createStream", transactionId: 2, commandObject: null, args: [] }, csid: 3, ts: 0, msid: 0 },
    { body: { type: "Command", name: "publish", transactionId: 3, commandObject: null, args: ["s", "live"] }, csid: 8, ts: 0, msid: 1 },
    { body: { type: "Data", values: ["@setDataFrame", "onMetaData", new Amf0EcmaArray({ width: 640, height: 480, stereo: true })] }, csid: 100, ts: 0, msid: 1 },
    { body: { type: "Video", data: AVC_SEQ }, csid: 6, ts: 0, msid: 1 },
    { body: { type: "Audio", data: Uint8Array.of(0xaf, 0, 0x12, 0x10) }, csid: 4, ts: 0, msid: 1 },
    { body: { type: "Video", data: Uint8Array.of(0x17, 1, 0, 0, 0, ...new Uint8Array(6000).fill(1)) }, csid: 6, ts: 40, msid: 1 },
    { body: { type: "Audio", data: Uint8Array.of(0xaf, 1, 1, 2, 3) }, csid: 4, ts: 0x01000000, msid: 1 },
    { body: { type: "Audio", data: Uint8Array.of(0xaf, 1, 4, 5, 6) }, csid: 4, ts: 0x01000017, msid: 1 },
    ...extra,
  ];
  for (const s of sent) {
    const payload = writer.write({ chunkStreamId: s.csid, timestamp: s.ts, messageStreamId: s.msid, ...encodeMessage(s.body) });
    segments.push({ fromClient: true, payload });
    if (s.body.type === "SetChunkSize") writer.chunkSize = s.body.chunkSize;
  }
  return { pcap: buildTcpPcap(segments), sent };
}
