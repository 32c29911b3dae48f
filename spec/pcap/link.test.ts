import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeLink, readCapture, udpDatagrams } from "../../src/pcap/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { sharedFixture } from "../support/fixtures.ts";
import { tsharkFields } from "../support/tshark.ts";
import { bytes, concat, epb, ethernet, idb, ipv4, ipv6, shb, tempDir, text, udp } from "./support/build.ts";

const v4 = ipv4(udp(4000, 5060, text("INVITE over v4")), { src: "192.0.2.1", dst: "198.51.100.7" });
const v6src = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]);
const v6dst = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 1, ...new Array<number>(9).fill(0), 2]);
const v6 = ipv6(udp(4001, 5061, text("INVITE over v6")), 17, v6src, v6dst);

function sll(protocol: number, packet: Uint8Array): Uint8Array {
  return concat(bytes(0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, protocol >> 8, protocol & 0xff), packet);
}

function sll2(protocol: number, packet: Uint8Array): Uint8Array {
  return concat(bytes(protocol >> 8, protocol & 0xff, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0), packet);
}

/** [name, link type, framed packet, expected network] */
const framings: readonly [string, number, Uint8Array, "ipv4" | "ipv6"][] = [
  ["Ethernet", 1, ethernet(v4), "ipv4"],
  ["Ethernet IPv6", 1, ethernet(v6, 0x86dd), "ipv6"],
  ["Ethernet with two 802.1Q tags", 1, ethernet(v4, 0x0800, [100, 200]), "ipv4"],
  ["Linux SLL", 113, sll(0x0800, v4), "ipv4"],
  ["Linux SLL IPv6", 113, sll(0x86dd, v6), "ipv6"],
  ["Linux SLL2", 276, sll2(0x0800, v4), "ipv4"],
  ["Linux SLL2 IPv6", 276, sll2(0x86dd, v6), "ipv6"],
  ["BSD null, little-endian AF_INET", 0, concat(bytes(2, 0, 0, 0), v4), "ipv4"],
  ["BSD null, big-endian AF_INET6 (macOS 30)", 0, concat(bytes(0, 0, 0, 30), v6), "ipv6"],
  ["BSD null, little-endian AF_INET6 (FreeBSD 28)", 0, concat(bytes(28, 0, 0, 0), v6), "ipv6"],
  ["OpenBSD loop AF_INET", 108, concat(bytes(0, 0, 0, 2), v4), "ipv4"],
  ["raw IP with IPv4", 101, v4, "ipv4"],
  ["raw IP with IPv6", 101, v6, "ipv6"],
  ["IPv4 link type", 228, v4, "ipv4"],
  ["IPv6 link type", 229, v6, "ipv6"],
];

const unit = suite("pcap/link");

unit("finds the IP datagram behind every supported link header", () => {
  for (const [name, linkType, framed, network] of framings) {
    const link = decodeLink(linkType, framed);
    assert.ok(link, name);
    assert.is(link!.network, network, name);
    const inner = network === "ipv4" ? v4 : v6;
    assert.equal(Array.from(link!.payload), Array.from(inner), name);
  }
});

unit("skips frames that are not IP or are shorter than their link header", () => {
  assert.is(decodeLink(1, ethernet(bytes(0, 1, 8, 0, 6, 4), 0x0806)), undefined, "ARP");
  assert.is(decodeLink(1, bytes(1, 2, 3)), undefined, "short Ethernet");
  assert.is(decodeLink(1, ethernet(v4, 0x0800, [1]).subarray(0, 15)), undefined, "VLAN tag cut short");
  assert.is(decodeLink(113, v4.subarray(0, 10)), undefined, "short SLL");
  assert.is(decodeLink(276, v4.subarray(0, 19)), undefined, "short SLL2");
  assert.is(decodeLink(0, concat(bytes(7, 0, 0, 0), v4)), undefined, "null with an unknown family");
  assert.is(decodeLink(101, bytes(0x50, 0)), undefined, "raw IP version 5");
  assert.is(decodeLink(147, v4), undefined, "a user link type");
});

unit.run();

const withTshark = e2eSuite("pcap/link vs tshark", ["tshark"]);

withTshark("every link framing gives the addresses, ports and payload tshark dissects", () => {
  const tmp = tempDir();
  try {
    // One pcapng with an interface per framing: also checks multi-interface files.
    const file = concat(
      shb(true),
      ...framings.map(([, linkType]) => idb(true, linkType)),
      ...framings.map(([, , framed], i) => epb(true, i, BigInt(i + 1) * 1_000_000n, framed)),
    );
    const path = tmp.write("links.pcapng", file);
    const packets = readCapture(file);
    assert.equal(packets.map((p) => p.linkType), framings.map(([, linkType]) => linkType));
    const datagrams = udpDatagrams(packets);
    const rows = tsharkFields(path, ["ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "udp.srcport", "udp.dstport", "udp.payload"]);
    assert.is(rows.length, framings.length);
    assert.is(datagrams.length, framings.length);
    for (const [i, [name]] of framings.entries()) {
      const ours = datagrams[i];
      const [ipSrc, ip6Src, ipDst, ip6Dst, srcPort, dstPort, payload] = rows[i]!;
      assert.ok(ours, name);
      assert.is(ours!.src, ipSrc![0] ?? ip6Src![0], `${name}: src`);
      assert.is(ours!.dst, ipDst![0] ?? ip6Dst![0], `${name}: dst`);
      assert.is(ours!.srcPort, Number(srcPort![0]), `${name}: src port`);
      assert.is(ours!.dstPort, Number(dstPort![0]), `${name}: dst port`);
      assert.is(Buffer.from(ours!.payload).toString("hex"), payload![0], `${name}: payload`);
    }
  } finally {
    tmp.cleanup();
  }
});

withTshark("reads the Linux cooked (SLL) RTCP capture as tshark does", () => {
  const path = sharedFixture("rtcp_compound_multiple-packets-per-datagram.pcap");
  if (!path) return;
  const packets = readCapture(readFileSync(path));
  assert.ok(packets.every((p) => p.linkType === 113));
  const ours = udpDatagrams(packets);
  const rows = tsharkFields(path, ["ip.src", "udp.srcport", "udp.payload"], "udp");
  assert.is(ours.length, 5);
  assert.equal(ours.map((d) => [d.src, String(d.srcPort), Buffer.from(d.payload).toString("hex")]), rows.map((r) => [r[0]![0], r[1]![0], r[2]![0]]));
});

withTshark.run();
