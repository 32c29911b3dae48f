import { suite } from "uvu";
import * as assert from "uvu/assert";
import { decodeIp, ipDatagrams, ipv6Text, readCapture, udpDatagrams } from "../../src/pcap/index.ts";
import { e2eSuite } from "../support/e2e.ts";
import { tsharkFields } from "../support/tshark.ts";
import { bytes, concat, ethernet, ipv4, ipv6, pcapFile, tempDir, udp } from "./support/build.ts";

function address(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

const big = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
const whole = udp(7000, 7001, big); // 3008 bytes, sent in three IPv4 fragments
const fragments = [
  ipv4(whole.subarray(0, 1480), { id: 0x1234, moreFragments: true }),
  ipv4(whole.subarray(1480, 2960), { id: 0x1234, fragmentOffset: 1480, moreFragments: true }),
  ipv4(whole.subarray(2960), { id: 0x1234, fragmentOffset: 2960 }),
];

/** IPv6 with hop-by-hop and destination-options headers, then a fragment header. */
function ipv6WithExtensions(payload: Uint8Array, fragment?: { offset: number; more: boolean; id: number }): Uint8Array {
  const hopByHop = bytes(60, 0, 1, 4, 0, 0, 0, 0); // next: destination options; PadN
  const destOptions = bytes(fragment ? 44 : 17, 0, 1, 4, 0, 0, 0, 0); // next: fragment or UDP
  const fragmentHeader = fragment
    ? bytes(17, 0, (fragment.offset >> 8) & 0xff, (fragment.offset & 0xf8) | (fragment.more ? 1 : 0), 0, 0, (fragment.id >> 8) & 0xff, fragment.id & 0xff)
    : new Uint8Array(0);
  return ipv6(concat(hopByHop, destOptions, fragmentHeader, payload), 0, address("fe800000000000000000000000000001"), address("ff020000000000000000000000000fb0"));
}

const unit = suite("pcap/ip");

unit("writes IPv6 addresses in RFC 5952 form", () => {
  const cases: [string, string][] = [
    ["20010db8000000000000000000000001", "2001:db8::1"],
    ["20010db8000000010000000000000001", "2001:db8:0:1::1"],
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["20010db8000100000000000100000000", "2001:db8:1::1:0:0"],
    ["00000000000000000000000000000000", "::"],
    ["00000000000000000000000000000001", "::1"],
    ["20010db8aaaa0000bbbbccccddddeeee", "2001:db8:aaaa:0:bbbb:cccc:dddd:eeee"],
    ["fe80000000000000021122fffe334455", "fe80::211:22ff:fe33:4455"],
  ];
  for (const [hex, expected] of cases) assert.is(ipv6Text(address(hex)), expected, hex);
});

unit("skips IPv4 options to find the payload", () => {
  const packet = ipv4(udp(1, 2, bytes(9, 9)), { options: bytes(0x94, 0x04, 0, 0) }); // router alert
  const ip = decodeIp("ipv4", packet);
  assert.is(ip!.protocol, 17);
  assert.equal(Array.from(ip!.payload), Array.from(udp(1, 2, bytes(9, 9))));
});

unit("drops Ethernet padding after the IPv4 total length", () => {
  const packet = concat(ipv4(udp(1, 2, bytes(1))), new Uint8Array(20));
  assert.is(decodeIp("ipv4", packet)!.payload.length, 9);
});

unit("skips IPv4 and IPv6 packets cut shorter than their length fields", () => {
  const v4 = ipv4(udp(1, 2, bytes(1, 2, 3)));
  assert.is(decodeIp("ipv4", v4.subarray(0, v4.length - 1)), undefined);
  assert.is(decodeIp("ipv4", v4.subarray(0, 19)), undefined);
  const badIhl = v4.slice();
  badIhl[0] = 0x44;
  assert.is(decodeIp("ipv4", badIhl), undefined);
  const v6 = ipv6WithExtensions(udp(1, 2, bytes(1)));
  assert.is(decodeIp("ipv6", v6.subarray(0, v6.length - 1)), undefined);
});

unit("reassembles IPv4 fragments in any order and drops an incomplete datagram", () => {
  const inOrder = readCapture(pcapFile(101, fragments.map((data, i) => ({ time: i, data }))));
  const shuffled = readCapture(pcapFile(101, [fragments[2]!, fragments[0]!, fragments[1]!].map((data, i) => ({ time: i, data }))));
  for (const packets of [inOrder, shuffled]) {
    const [datagram, ...rest] = ipDatagrams(packets);
    assert.is(rest.length, 0);
    assert.is(datagram!.frame, 3, "carries the frame of the last fragment");
    assert.equal(Array.from(datagram!.payload), Array.from(whole));
  }
  const missing = readCapture(pcapFile(101, [fragments[0]!, fragments[2]!].map((data, i) => ({ time: i, data }))));
  assert.is(ipDatagrams(missing).length, 0);
});

unit("walks IPv6 extension headers and reassembles IPv6 fragments", () => {
  const payload = udp(5004, 5005, big.subarray(0, 200));
  const plain = decodeIp("ipv6", ipv6WithExtensions(payload));
  assert.is(plain!.protocol, 17);
  assert.is(plain!.src, "fe80::1");
  assert.is(plain!.dst, "ff02::fb0");
  assert.equal(Array.from(plain!.payload), Array.from(payload));
  const first = ipv6WithExtensions(payload.subarray(0, 104), { offset: 0, more: true, id: 77 });
  const second = ipv6WithExtensions(payload.subarray(104), { offset: 104, more: false, id: 77 });
  const [datagram] = udpDatagrams(readCapture(pcapFile(101, [{ time: 1, data: first }, { time: 2, data: second }])));
  assert.equal(Array.from(datagram!.payload), Array.from(big.subarray(0, 200)));
});

unit.run();

const withTshark = e2eSuite("pcap/ip vs tshark", ["tshark"]);

withTshark("fragmented IPv4 and IPv6 datagrams reassemble to tshark's UDP payload", () => {
  const payload = udp(5004, 5005, big.subarray(0, 200));
  const v6 = [
    ipv6WithExtensions(payload.subarray(0, 104), { offset: 0, more: true, id: 77 }),
    ipv6WithExtensions(payload.subarray(104), { offset: 104, more: false, id: 77 }),
  ].map((p) => ethernet(p, 0x86dd));
  const v4 = fragments.map((p) => ethernet(p));
  const tmp = tempDir();
  try {
    for (const [name, frames] of [["v4", v4], ["v6", v6]] as const) {
      const file = pcapFile(1, frames.map((data, i) => ({ time: 10 + i, data })));
      const path = tmp.write(`${name}.pcap`, file);
      const rows = tsharkFields(path, ["frame.number", "udp.payload"], "udp");
      const ours = udpDatagrams(readCapture(file));
      assert.is(ours.length, 1, name);
      assert.equal([[String(ours[0]!.frame)], [Buffer.from(ours[0]!.payload).toString("hex")]], rows[0], name);
    }
  } finally {
    tmp.cleanup();
  }
});

withTshark.run();
