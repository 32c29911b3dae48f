import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../../src/errors.ts";
import { ChunkReader, type RtmpRawMessage } from "../../../src/rtmp/chunk/reader.ts";
import { decodeMessage } from "../../../src/rtmp/messages.ts";
import { readFileSync } from "node:fs";
import { readCapture, tcpStreams } from "../../../src/pcap/index.ts";
import { fixture, sharedFixture } from "../../support/fixtures.ts";
import { capturedStreams, HANDSHAKE_BYTES } from "../captures.ts";
import { expectErrorCode } from "../../support/errors.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const fill = (n: number, start = 0): string => Array.from({ length: n }, (_, i) => ((start + i) & 0xff).toString(16).padStart(2, "0")).join("");
const summary = (m: RtmpRawMessage): string => `${m.chunkStreamId}/${m.typeId}/${m.messageStreamId}@${m.timestamp}:${Buffer.from(m.payload).toString("hex")}`;

const streams = capturedStreams();
const s = suite("chunk reader");

for (const c of streams) {
  s(`parses the ${c.name} capture to its last byte with nothing left over`, () => {
    const r = new ChunkReader();
    const msgs = r.push(c.bytes.subarray(HANDSHAKE_BYTES));
    assert.ok(msgs.length > 0);
    assert.is(r.bytesBuffered, 0);
    assert.is(r.bytesRead, c.bytes.length - HANDSHAKE_BYTES);
    for (const m of msgs) decodeMessage(m); // every body decodes too
  });
}

s("parses both directions of every RTMP pcap fixture to the last byte with nothing left over", () => {
  const files = [
    fixture("rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap"),
    fixture("rtmp_publish_handshake_restream-ingest_wowza-style-result.pcap"),
    sharedFixture("rtmp_play_flash_wiki-sample_play-failed.cap"),
  ].filter((f): f is string => f !== undefined);
  const counts: number[] = [];
  for (const file of files) {
    for (const st of tcpStreams(readCapture(new Uint8Array(readFileSync(file))))) {
      if (st.server.port !== 1935 || st.clientToServer.length === 0) continue;
      for (const data of [st.clientToServer, st.serverToClient]) {
        const r = new ChunkReader();
        const msgs = r.push(data.subarray(HANDSHAKE_BYTES));
        msgs.forEach(decodeMessage);
        assert.is(r.bytesBuffered, 0, file);
        counts.push(msgs.length);
      }
    }
  }
  // OBS: 332 client messages (197 audio, 126 video, ...) and 7 from nginx; restream: 3 and 6; Flash: 5 and 8
  assert.equal(counts, [332, 7, 3, 6, 5, 8].slice(0, counts.length));
});

s("finds in the captures the messages the fixture index lists", () => {
  const count = (name: string, pred: (m: RtmpRawMessage) => boolean): number => {
    const c = streams.find((x) => x.name === name);
    return c === undefined ? -1 : new ChunkReader().push(c.bytes.subarray(HANDSHAKE_BYTES)).filter(pred).length;
  };
  // FFmpeg listen server: AAC sequence header + 409 AAC frames; Set Chunk Size 128
  assert.is(count("ffmpeg 4.4 listen server", (m) => m.typeId === 8), 410);
  const cmds = new ChunkReader().push(streams[0]!.bytes.subarray(HANDSHAKE_BYTES)).map(decodeMessage).flatMap((b) => (b.type === "Command" ? [b.name] : []));
  assert.equal(cmds, ["connect", "createStream", "_checkbw", "getStreamLength", "play", "deleteStream"]);
  if (streams.length > 2) {
    assert.is(count("flash player 10 play client", (m) => m.typeId === 3), 74); // 74 Acknowledgements
    assert.is(count("akamai fms 3.0.3 server", (m) => m.typeId === 22), 5); // 5 Aggregate messages
  }
});

s("gives the same messages fed all at once, byte by byte, and split at every offset", () => {
  const session = streams[0]!.bytes.subarray(HANDSHAKE_BYTES); // 445 bytes, 8 messages
  const whole = new ChunkReader().push(session).map(summary);
  const r1 = new ChunkReader();
  const bytewise = [...session].flatMap((b) => r1.push(Uint8Array.of(b))).map(summary);
  assert.equal(bytewise, whole);
  for (let cut = 0; cut <= session.length; cut++) {
    const r = new ChunkReader();
    const split = [...r.push(session.subarray(0, cut)), ...r.push(session.subarray(cut))].map(summary);
    assert.equal(split, whole, `split at ${cut}`);
  }
});

s("gives the same messages for the larger captures fed in 7-byte and 1000-byte pieces", () => {
  for (const c of streams.slice(1)) {
    const session = c.bytes.subarray(HANDSHAKE_BYTES);
    const whole = new ChunkReader().push(session).map(summary);
    for (const step of [7, 1000]) {
      const r = new ChunkReader();
      const got: string[] = [];
      for (let at = 0; at < session.length; at += step) got.push(...r.push(session.subarray(at, at + step)).map(summary));
      assert.equal(got, whole, `${c.name} in ${step}-byte pieces`);
    }
  }
});

s("reassembles messages interleaved across chunk streams", () => {
  const msgs = new ChunkReader().push(
    hex(`
      04 000010 0000c8 08 01000000 ${fill(128)}   # csid 4 fmt 0: ts 16, 200-byte audio, stream 1, first 128
      06 000020 000082 09 01000000 ${fill(128, 50)} # csid 6 fmt 0: ts 32, 130-byte video, first 128
      c4 ${fill(72, 128)}                         # csid 4 fmt 3: the last 72 bytes of the audio
      c6 ${fill(2, 178)}                          # csid 6 fmt 3: the last 2 bytes of the video
    `.replace(/#.*$/gm, "")),
  );
  assert.equal(msgs.map(summary), [`4/8/1@16:${fill(200)}`, `6/9/1@32:${fill(130, 50)}`]);
});

s("decodes 2- and 3-byte chunk stream ids", () => {
  const msgs = new ChunkReader().push(
    hex(`
      00 06 000000 000001 08 00000000 aa      # fmt 0, csid 0 -> 2-byte form: 64 + 6 = 70
      01 01 01 000000 000001 08 00000000 bb   # fmt 0, csid 1 -> 3-byte form: 64 + 1 + 1*256 = 321
    `.replace(/#.*$/gm, "")),
  );
  assert.equal(msgs.map((m) => m.chunkStreamId), [70, 321]);
});

s("applies fmt 1, 2 and 3 headers as deltas on the previous header", () => {
  const msgs = new ChunkReader().push(
    hex(`
      04 000064 000001 08 01000000 aa   # fmt 0: ts 100, 1 byte, type 8, stream 1
      44 00000a 000002 08 bbbb          # fmt 1: delta 10 -> 110, 2 bytes
      84 000014 cccc                    # fmt 2: delta 20 -> 130, same length
      c4 dddd                           # fmt 3 new message: delta 20 again -> 150
    `.replace(/#.*$/gm, "")),
  );
  assert.equal(msgs.map((m) => m.timestamp), [100, 110, 130, 150]);
  assert.equal(msgs.map((m) => m.messageStreamId), [1, 1, 1, 1]);
});

s("reads extended timestamps, repeated in type 3 continuation chunks (spec, FFmpeg, nginx)", () => {
  const msgs = new ChunkReader().push(
    hex(`
      04 ffffff 0000c8 09 01000000 01000000 ${fill(128)}  # fmt 0 ts field 0xFFFFFF, extended 0x01000000
      c4 01000000 ${fill(72, 128)}                        # fmt 3 continuation repeats the extended field
    `.replace(/#.*$/gm, "")),
  );
  assert.equal(msgs.map(summary), [`4/9/1@${0x01000000}:${fill(200)}`]);
});

s("tolerates type 3 continuation chunks that omit the extended timestamp (librtmp-style detection)", () => {
  const msgs = new ChunkReader().push(
    hex(`
      04 ffffff 0000c8 09 01000000 01000000 ${fill(128)}  # fmt 0 with extended timestamp 0x01000000
      c4 ${fill(72, 128)}                                 # fmt 3 continuation without it
    `.replace(/#.*$/gm, "")),
  );
  assert.equal(msgs.map(summary), [`4/9/1@${0x01000000}:${fill(200)}`]);
});

s("reads the extended delta of a type 3 chunk that starts a new message, and wraps at 2^32", () => {
  const msgs = new ChunkReader().push(
    hex(`
      04 ffffff 000001 09 01000000 fffffff0 aa  # fmt 0: ts 0xFFFFFFF0 (extended)
      84 000020 bb                              # fmt 2: delta 0x20 -> wraps to 0x10
      84 ffffff 01000000 cc                     # fmt 2: extended delta 0x01000000
      c4 01000000 dd                            # fmt 3 new message: same extended delta again
    `.replace(/#.*$/gm, "")),
  );
  assert.equal(msgs.map((m) => m.timestamp), [0xfffffff0, 0x10, 0x01000010, 0x02000010]);
});

s("applies the peer's Set Chunk Size when it completes that message", () => {
  const msgs = new ChunkReader().push(
    hex(`
      02 000000 000004 01 00000000 00001000   # Set Chunk Size 4096
      04 000000 00012c 09 01000000 ${fill(300)} # 300 bytes in one chunk
    `.replace(/#.*$/gm, "")),
  );
  assert.is(msgs.length, 2);
  assert.is(msgs[1]!.payload.length, 300);
});

s("drops the partial message named by an Abort and goes on", () => {
  const r = new ChunkReader();
  const msgs = r.push(
    hex(`
      04 000000 0000c8 09 01000000 ${fill(128)} # first 128 of a 200-byte message on csid 4
      02 000000 000004 02 00000000 00000004     # Abort (2): chunk stream 4
      04 000005 000002 09 01000000 eeee         # a new message on csid 4
    `.replace(/#.*$/gm, "")),
  );
  assert.equal(msgs.map((m) => m.typeId), [2, 9]);
  assert.equal(decodeMessage(msgs[0]!), { type: "Abort", chunkStreamId: 4 });
  assert.is(summary(msgs[1]!), "4/9/1@5:eeee");
});

s("counts bytes for the acknowledgement window", () => {
  const r = new ChunkReader();
  r.push(hex("02 000000 000004 05 00000000 00002710")); // Window Ack Size 10000
  assert.is(r.bytesRead, 16);
});

const bad = suite("chunk reader bad input");

bad("refuses a 16 MB announcement at the header, before buffering any payload", () => {
  const r = new ChunkReader();
  const err = expectErrorCode(() => r.push(hex("04 000000 ffffff 09 01000000")), "ERR_RTMP_MESSAGE_TOO_LARGE", ParseError);
  assert.match(err.message, /16777215-byte message/);
});

bad("uses the configured rtmp.max_message_size", () => {
  const r = new ChunkReader({ limits: { maxMessageSize: 1024 } });
  expectErrorCode(() => r.push(hex("04 000000 000401 09 01000000")), "ERR_RTMP_MESSAGE_TOO_LARGE", ParseError);
  new ChunkReader({ limits: { maxMessageSize: 1024 } }).push(hex("04 000000 000400 09 01000000")); // 1024 is fine
});

bad("refuses fmt 1, 2 and 3 chunks on a chunk stream without a previous header", () => {
  for (const h of ["44 000000 000001 08 aa", "84 000000 aa", "c4 aa"]) expectErrorCode(() => new ChunkReader().push(hex(h)), "ERR_RTMP_NO_PREVIOUS_HEADER", ParseError);
});

bad("refuses more chunk streams than the limit", () => {
  const r = new ChunkReader({ limits: { maxChunkStreams: 4 } });
  const header = (csid: number): string => `${csid.toString(16).padStart(2, "0")} 000000 000001 08 01000000 aa`; // a 1-byte message
  r.push(hex([3, 4, 5, 6].map(header).join("")));
  expectErrorCode(() => r.push(hex(header(7))), "ERR_RTMP_TOO_MANY_CHUNK_STREAMS", ParseError);
});

bad("refuses Set Chunk Size 0", () => {
  expectErrorCode(() => new ChunkReader().push(hex("02 000000 000004 01 00000000 00000000")), "ERR_RTMP_BAD_CHUNK_SIZE", ParseError);
});

bad("bounds the bytes held by partly received messages", () => {
  const r = new ChunkReader({ limits: { maxPendingBytes: 300 } });
  const start = (csid: number): string => `${csid.toString(16).padStart(2, "0")} 000000 000100 08 01000000 ${fill(128)}`;
  r.push(hex(start(3) + start(4))); // 256 pending
  expectErrorCode(() => r.push(hex(start(5))), "ERR_RTMP_TOO_MUCH_PENDING", ParseError);
});

s.run();
bad.run();
