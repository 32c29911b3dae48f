import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ParseError } from "../../src/errors.ts";
import { PCAP_ERR, readCapture, type CapturedPacket } from "../../src/pcap/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { fixture, SHARED_FIXTURES, sharedFixture } from "../support/fixtures.ts";
import { runFuzz } from "../support/fuzz.ts";
import { tsharkFields } from "../support/tshark.ts";
import { bytes, concat, epb, ethernet, idb, ipv4, pcapFile, pcapngBlock, shb, spb, tempDir, text, udp } from "./support/build.ts";

const frame1 = ethernet(ipv4(udp(5000, 6000, text("first"))));
const frame2 = ethernet(ipv4(udp(5002, 6002, text("second datagram"))));
const records = [
  { time: 1_700_000_000.25, data: frame1 },
  { time: 1_700_000_001.5, data: frame2 },
];

function pcapngBoth(le: boolean): Uint8Array {
  return concat(
    shb(le),
    idb(le, 1, 9), // nanosecond interface
    pcapngBlock(4, bytes(0, 0, 0, 0), le), // Name Resolution Block: skipped
    epb(le, 0, 1_700_000_000_250_000_000n, frame1),
    pcapngBlock(5, bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), le), // Interface Statistics: skipped
    pcapngBlock(0x0777, bytes(1, 2, 3, 4, 5), le), // a type nobody defined: skipped
    epb(le, 0, 1_700_000_001_500_000_000n, frame2),
  );
}

function summary(packets: readonly CapturedPacket[]) {
  return packets.map((p) => ({ frame: p.frame, time: p.time, linkType: p.linkType, data: Array.from(p.data) }));
}

const unit = suite("pcap/capture-file");

unit("reads a little-endian and a big-endian microsecond pcap to the same packets", () => {
  const le = readCapture(pcapFile(1, records, { le: true }));
  const be = readCapture(pcapFile(1, records, { le: false }));
  assert.equal(summary(le), summary(be));
  assert.is(le.length, 2);
  assert.is(le[0]!.time, 1_700_000_000.25);
  assert.is(le[1]!.frame, 2);
  assert.equal(Array.from(le[1]!.data), Array.from(frame2));
});

unit("reads nanosecond pcap timestamps", () => {
  const packets = readCapture(pcapFile(1, [{ time: 12.000000123, data: frame1 }], { ns: true }));
  assert.ok(Math.abs(packets[0]!.time - 12.000000123) < 1e-12);
});

unit("reads pcapng in both byte orders, with if_tsresol, and skips unknown blocks", () => {
  const le = readCapture(pcapngBoth(true));
  const be = readCapture(pcapngBoth(false));
  assert.equal(summary(le), summary(be));
  assert.equal(summary(le), summary(readCapture(pcapFile(1, records))));
});

unit("reads pcapng simple packet blocks and binary if_tsresol", () => {
  const file = concat(shb(true), idb(true, 101, 0x80 | 10), spb(true, ipv4(udp(1, 2, text("x")))));
  const [packet] = readCapture(file);
  assert.is(packet!.linkType, 101);
  assert.is(packet!.time, 0);
  assert.is(packet!.data.length, 29);
  const timed = readCapture(concat(shb(true), idb(true, 1, 0x80 | 10), epb(true, 0, 3n * 1024n + 512n, frame1)));
  assert.is(timed[0]!.time, 3.5);
});

unit("keeps the packets before a record cut short at the end of the file", () => {
  const file = pcapFile(1, records);
  assert.is(readCapture(file.subarray(0, file.length - 3)).length, 1);
  const ng = pcapngBoth(true);
  assert.is(readCapture(ng.subarray(0, ng.length - 3)).length, 1);
});

unit("does not change its input", () => {
  const file = pcapngBoth(false);
  const copy = file.slice();
  readCapture(file);
  assert.equal(Array.from(file), Array.from(copy));
});

const bad: readonly [string, Uint8Array, string][] = [
  ["an empty file", new Uint8Array(0), PCAP_ERR.TRUNCATED_HEADER],
  ["a text file", text("hello world, this is not a capture"), PCAP_ERR.BAD_MAGIC],
  ["a pcap header cut at 10 bytes", pcapFile(1, []).subarray(0, 10), PCAP_ERR.TRUNCATED_HEADER],
  ["pcap version 3", (() => { const f = pcapFile(1, []); f[4] = 3; return f; })(), PCAP_ERR.BAD_VERSION],
  ["a pcapng header cut short", shb(true).subarray(0, 20), PCAP_ERR.TRUNCATED_HEADER],
  ["a pcapng header cut at 6 bytes", shb(true).subarray(0, 6), PCAP_ERR.TRUNCATED_HEADER],
  ["a pcapng header without byte-order magic", (() => { const f = shb(true); f[8] = 0; return f; })(), PCAP_ERR.BAD_MAGIC],
  ["pcapng version 2", (() => { const f = shb(true); f[12] = 2; return f; })(), PCAP_ERR.BAD_VERSION],
  ["a pcapng block length of 13", concat(shb(true), bytes(1, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), PCAP_ERR.BAD_BLOCK_LENGTH],
  ["a pcapng block trailer that disagrees", (() => { const f = concat(shb(true), idb(true, 1)); f[f.length - 4] = 99; return f; })(), PCAP_ERR.BAD_BLOCK_LENGTH],
  ["a packet on an interface never described", concat(shb(true), epb(true, 0, 0n, frame1)), PCAP_ERR.UNKNOWN_INTERFACE],
];

unit("rejects a corrupt file header with a ParseError code", () => {
  for (const [name, input, code] of bad) {
    try {
      readCapture(input);
      assert.unreachable(`${name} was accepted`);
    } catch (err) {
      assert.instance(err, ParseError, name);
      assert.is((err as ParseError).code, code, name);
    }
  }
});

unit("fuzzed capture headers and blocks give ParseError only", () => {
  const report = runFuzz("pcap-capture-file", {
    seed: 0x9ca9,
    count: 3000,
    inputs: [pcapFile(1, records), pcapFile(113, records, { le: false, ns: true }), pcapngBoth(true), pcapngBoth(false), readFileSync(fixture("rtmp_publish_handshake_restream-ingest_wowza-style-result.pcap")).subarray(0, 2000)],
    check: (input) => {
      for (const packet of readCapture(input)) assert.ok(packet.data.length <= input.length);
    },
  });
  assert.ok(report.accepted > 0 && report.codes.size > 0, "both accepted and rejected cases were exercised");
});

unit.run();

const withTshark = e2eSuite("pcap/capture-file vs tshark", ["tshark", "editcap", "capinfos"]);

function sharedCaptures(): string[] {
  if (!existsSync(SHARED_FIXTURES)) {
    sharedFixture("*.pcap");
    return [];
  }
  return readdirSync(SHARED_FIXTURES).filter((f) => /\.(pcap|cap|pcapng)$/.test(f)).map((f) => join(SHARED_FIXTURES, f));
}

function assertSameAsTshark(path: string, packets: readonly CapturedPacket[]): void {
  const rows = tsharkFields(path, ["frame.number", "frame.time_epoch", "frame.cap_len"]);
  assert.is(packets.length, rows.length, `${path}: packet count`);
  for (const [i, row] of rows.entries()) {
    const packet = packets[i]!;
    assert.is(packet.frame, Number(row[0]![0]), `${path}: frame number`);
    assert.ok(Math.abs(packet.time - Number(row[1]![0])) < 2e-6, `${path} frame ${packet.frame}: time ${packet.time} vs ${row[1]![0]}`);
    assert.is(packet.data.length, Number(row[2]![0]), `${path} frame ${packet.frame}: captured length`);
  }
}

withTshark("every shared capture reads without error with capinfos' packet count", () => {
  const files = sharedCaptures();
  if (files.length === 0) return;
  const counts = new Map(
    execFileSync("capinfos", ["-c", "-T", "-r", ...files], { encoding: "utf8" })
      .trim()
      .split("\n")
      .map((line) => line.split("\t") as [string, string]),
  );
  for (const path of files) assert.is(readCapture(readFileSync(path)).length, Number(counts.get(path)), path);
});

withTshark("captures of each link type read with tshark's frame times and lengths", () => {
  const names = [
    "rtcp_compound_multiple-packets-per-datagram.pcap",
    "rtmp_play_flash_wiki-sample_play-failed.cap",
    "sip_rtp_rfc2833-dtmf_pcma_ptime30_ipdect-brekeke.pcap",
  ];
  for (const name of names) {
    const path = sharedFixture(name);
    if (path) assertSameAsTshark(path, readCapture(readFileSync(path)));
  }
  const own = fixture("rtp_webrtc_h264_stapa-fua_hdrext_str0m.pcap");
  assertSameAsTshark(own, readCapture(readFileSync(own)));
});

withTshark("synthetic pcap and pcapng files in both byte orders read as tshark reads them", () => {
  const tmp = tempDir();
  try {
    const cases: [string, Uint8Array][] = [
      ["le-us.pcap", pcapFile(1, records)],
      ["be-ns.pcap", pcapFile(1, records, { le: false, ns: true })],
      ["le.pcapng", pcapngBoth(true)],
      ["be.pcapng", pcapngBoth(false)],
    ];
    for (const [name, data] of cases) assertSameAsTshark(tmp.write(name, data), readCapture(data));
  } finally {
    tmp.cleanup();
  }
});

withTshark("nanosecond and modified pcap written by editcap give the same packets", () => {
  const path = sharedFixture("sip_rtp_sipp-freeswitch1.6_opus48k.pcap") ?? fixture("rtmp_publish_handshake_restream-ingest_wowza-style-result.pcap");
  const original = readCapture(readFileSync(path));
  const tmp = tempDir();
  try {
    for (const format of ["nsecpcap", "modpcap"]) {
      const out = join(tmp.dir, `${format}.pcap`);
      execFileSync("editcap", ["-F", format, path, out], { stdio: "ignore" });
      const converted = readCapture(readFileSync(out));
      assert.is(converted.length, original.length, format);
      for (const [i, p] of original.entries()) {
        assert.ok(Math.abs(converted[i]!.time - p.time) < 1e-6, `${format} frame ${p.frame}: time`);
        assert.ok(Buffer.from(converted[i]!.data).equals(Buffer.from(p.data)), `${format} frame ${p.frame}: bytes`);
      }
    }
  } finally {
    tmp.cleanup();
  }
});

withTshark("pcapng written by tshark -F pcapng gives the same packets as the pcap", () => {
  const names = [
    "rtcp_compound_multiple-packets-per-datagram.pcap",
    "sip_linphone-asterisk11_invite401_pcma_te101_reinvite.pcap",
    "rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap",
  ];
  const tmp = tempDir();
  try {
    for (const name of names) {
      const path = name.startsWith("rtmp_publish_obs27") ? fixture(name) : sharedFixture(name);
      if (!path) continue;
      const out = join(tmp.dir, `${name}.pcapng`);
      execFileSync("tshark", ["-r", path, "-F", "pcapng", "-w", out], { stdio: "ignore" });
      const ng = readFileSync(out);
      assert.is(ng.readUInt32BE(0), 0x0a0d0d0a, "tshark wrote pcapng");
      const fromPcap = readCapture(readFileSync(path));
      const fromNg = readCapture(ng);
      assert.is(fromNg.length, fromPcap.length, name);
      for (const [i, p] of fromPcap.entries()) {
        const q = fromNg[i]!;
        assert.is(q.linkType, p.linkType, name);
        assert.ok(Math.abs(q.time - p.time) < 1e-6, `${name} frame ${p.frame}: time`);
        assert.ok(Buffer.from(q.data).equals(Buffer.from(p.data)), `${name} frame ${p.frame}: bytes`);
      }
    }
  } finally {
    tmp.cleanup();
  }
});

withTshark.run();
