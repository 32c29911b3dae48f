import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readCapture, tcpStreams, type TcpStream } from "../../src/pcap/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { fixture, sharedFixture } from "../support/fixtures.ts";
import { tsharkFollowTcp } from "../support/tshark.ts";
import { ethernet, ipv4, pcapFile, tempDir, tcp, text, type TcpOptions } from "./support/build.ts";

const CLIENT = { address: "10.0.0.1", port: 40000 };
const SERVER = { address: "10.0.0.2", port: 1935 };

function up(o: TcpOptions, data = ""): Uint8Array {
  return ethernet(ipv4(tcp(CLIENT.port, SERVER.port, o, text(data)), { src: CLIENT.address, dst: SERVER.address, protocol: 6 }));
}

function down(o: TcpOptions, data = ""): Uint8Array {
  return ethernet(ipv4(tcp(SERVER.port, CLIENT.port, o, text(data)), { src: SERVER.address, dst: CLIENT.address, protocol: 6 }));
}

function capture(frames: readonly Uint8Array[]): Uint8Array {
  return pcapFile(1, frames.map((data, i) => ({ time: 100 + i / 10, data })));
}

const decoder = new TextDecoder();
const str = (b: Uint8Array) => decoder.decode(b);

/** "hello abcdef world!" sent with reordering, a retransmission and an overlapping resend. */
const messy = [
  up({ seq: 1000, syn: true }),
  down({ seq: 5000, ack: 1001, syn: true }),
  up({ seq: 1001, ack: 5001 }),
  up({ seq: 1001, ack: 5001 }, "hello "),
  up({ seq: 1013, ack: 5001 }, " world!"), // arrives before the bytes it follows
  up({ seq: 1007, ack: 5001 }, "abcdef"),
  up({ seq: 1001, ack: 5001 }, "hello "), // retransmission
  up({ seq: 1010, ack: 5001 }, "def wo"), // overlaps two earlier segments
  down({ seq: 5001, ack: 1020 }, "ok"),
  down({ seq: 5003, ack: 1020, fin: true }),
  up({ seq: 1020, ack: 5004, fin: true }),
  down({ seq: 5004, ack: 1021 }),
];

const unit = suite("pcap/tcp");

unit("reassembles out-of-order, retransmitted and overlapping segments by sequence number", () => {
  const [stream, ...others] = tcpStreams(readCapture(capture(messy)));
  assert.is(others.length, 0);
  assert.equal(stream!.client, CLIENT);
  assert.equal(stream!.server, SERVER);
  assert.is(str(stream!.clientToServer), "hello abcdef world!");
  assert.is(str(stream!.serverToClient), "ok");
  assert.equal(stream!.gaps, []);
  assert.is(stream!.syn, true);
  assert.equal(stream!.fin, { client: true, server: true });
  assert.is(stream!.reset, false);
});

unit("tells which captured segment delivered each byte range first", () => {
  const [stream] = tcpStreams(readCapture(capture(messy)));
  assert.equal(
    stream!.segments.map((s) => [s.frame, s.direction, s.offset, s.length]),
    [
      [4, "clientToServer", 0, 6],
      [5, "clientToServer", 12, 7],
      [6, "clientToServer", 6, 6],
      [9, "serverToClient", 0, 2],
    ],
  );
  assert.is(stream!.segments[0]!.time, 100.3);
  const covered = stream!.segments.filter((s) => s.direction === "clientToServer").reduce((n, s) => n + s.length, 0);
  assert.is(covered, stream!.clientToServer.length);
});

unit("without a SYN the first sender is the client and missing bytes become a gap", () => {
  const frames = [
    down({ seq: 900 }, "late"), // server speaks first
    up({ seq: 77 }, "abc"),
    up({ seq: 83 }, "ghi"), // "def" never captured
  ];
  const [stream] = tcpStreams(readCapture(capture(frames)));
  assert.equal(stream!.client, SERVER);
  assert.is(str(stream!.clientToServer), "late");
  assert.is(str(stream!.serverToClient), "abcghi");
  assert.equal(stream!.gaps, [{ direction: "serverToClient", offset: 3, length: 3 }]);
  assert.is(stream!.syn, false);
});

unit("with only the SYN-ACK captured, its receiver is the client", () => {
  const frames = [down({ seq: 10, ack: 501, syn: true }), up({ seq: 501, ack: 11 }, "hi")];
  const [stream] = tcpStreams(readCapture(capture(frames)));
  assert.equal(stream!.client, CLIENT);
  assert.is(str(stream!.clientToServer), "hi");
});

unit("a new SYN after a closed connection on the same ports starts a new stream", () => {
  const frames = [
    up({ seq: 1, syn: true }),
    down({ seq: 100, ack: 2, syn: true }),
    up({ seq: 2, ack: 101 }, "one"),
    up({ seq: 5, ack: 101, rst: true }),
    up({ seq: 9000, syn: true }),
    down({ seq: 700, ack: 9001, syn: true }),
    up({ seq: 9001, ack: 701 }, "two"),
  ];
  const streams = tcpStreams(readCapture(capture(frames)));
  assert.equal(streams.map((s) => [str(s.clientToServer), s.reset, s.firstFrame]), [["one", true, 1], ["two", false, 5]]);
});

unit("a SYN with a new initial sequence number on open ports starts a new stream", () => {
  const frames = [up({ seq: 1, syn: true }), up({ seq: 2, ack: 1 }, "old"), up({ seq: 5000, syn: true }), up({ seq: 5001, ack: 1 }, "new")];
  assert.equal(tcpStreams(readCapture(capture(frames))).map((s) => str(s.clientToServer)), ["old", "new"]);
  const retransmittedSyn = [up({ seq: 1, syn: true }), up({ seq: 1, syn: true }), up({ seq: 2, ack: 1 }, "one")];
  assert.equal(tcpStreams(readCapture(capture(retransmittedSyn))).map((s) => str(s.clientToServer)), ["one"]);
});

unit("follows sequence numbers across the 32-bit wrap", () => {
  const frames = [up({ seq: 0xfffffff9, syn: true }), up({ seq: 0xfffffffa, ack: 1 }, "abcdef"), up({ seq: 0, ack: 1 }, "ghij")];
  const [stream] = tcpStreams(readCapture(capture(frames)));
  assert.is(str(stream!.clientToServer), "abcdefghij");
});

unit("ignores segments with a header longer than the packet", () => {
  const broken = up({ seq: 5 }, "x");
  broken[14 + 20 + 12] = 0xf0; // data offset 60 bytes
  assert.equal(tcpStreams(readCapture(capture([broken]))), []);
});

unit("reassembles the OBS publish to 1,362,991 bytes up and 3,602 bytes down", () => {
  const streams = tcpStreams(readCapture(readFileSync(fixture("rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap"))));
  const rtmp = streams.filter((s) => s.server.port === 1935);
  assert.is(rtmp.length, 1);
  assert.is(rtmp[0]!.clientToServer.length, 1_362_991);
  assert.is(rtmp[0]!.serverToClient.length, 3_602);
  assert.is(rtmp[0]!.clientToServer[0], 3, "the stream starts with the RTMP C0 version byte");
  assert.equal(rtmp[0]!.gaps, []);
});

unit.run();

const withTshark = e2eSuite("pcap/tcp vs tshark", ["tshark"]);

function assertSameAsFollow(path: string, stream: TcpStream, index: number): void {
  const followed = tsharkFollowTcp(path, index);
  const fromNode0IsClient = followed.node0.endsWith(`:${stream.client.port}`) && followed.node0.startsWith(stream.client.address);
  const clientBytes = fromNode0IsClient ? followed.fromNode0 : followed.fromNode1;
  const serverBytes = fromNode0IsClient ? followed.fromNode1 : followed.fromNode0;
  assert.ok(Buffer.from(stream.clientToServer).equals(Buffer.from(clientBytes)), `${path} stream ${index}: client bytes (${stream.clientToServer.length} vs ${clientBytes.length})`);
  assert.ok(Buffer.from(stream.serverToClient).equals(Buffer.from(serverBytes)), `${path} stream ${index}: server bytes (${stream.serverToClient.length} vs ${serverBytes.length})`);
}

withTshark("TCP streams of the RTMP and SIP-over-TCP captures equal tshark's Follow TCP Stream", () => {
  const paths = [
    fixture("rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap"),
    fixture("rtmp_publish_handshake_restream-ingest_wowza-style-result.pcap"),
    sharedFixture("rtmp_play_flash_wiki-sample_play-failed.cap"),
    sharedFixture("sip_tcp_audiocodes-ipphone-gw_pcma_cn_rtcp.pcap"),
    sharedFixture("sip_websocket_sipjs-opensips407-freeswitch_webrtc-sdp.pcap"),
  ];
  let compared = 0;
  for (const path of paths) {
    if (!path) continue;
    const streams = tcpStreams(readCapture(readFileSync(path)));
    for (const [index, stream] of streams.entries()) {
      if (stream.clientToServer.length + stream.serverToClient.length === 0) continue;
      assertSameAsFollow(path, stream, index);
      compared++;
    }
  }
  assert.ok(compared >= paths.filter((p) => p !== undefined).length, `compared ${compared} streams`);
});

withTshark("the reordered synthetic stream equals tshark's Follow TCP Stream", () => {
  const tmp = tempDir();
  try {
    const file = capture(messy);
    const path = tmp.write("messy.pcap", file);
    assertSameAsFollow(path, tcpStreams(readCapture(file))[0]!, 0);
  } finally {
    tmp.cleanup();
  }
});

withTshark.run();
