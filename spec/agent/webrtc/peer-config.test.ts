import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ConfigError } from "../../../src/errors.ts";
import { mediaNetworkConfig } from "../../../src/agent/webrtc/network-config.ts";
import { advertisePublicAddresses, peerConnectionOptions } from "../../../src/agent/webrtc/peer-config.ts";

const test = suite("agent/webrtc/peer-config");
const base: { ice_interface_addresses: string[]; media_public_address: string[]; media_port_from: number; media_port_to: number } = { ice_interface_addresses: ["127.0.0.1"], media_public_address: [], media_port_from: 31000, media_port_to: 32000 };

test("ice_interface_addresses become the only host addresses werift gathers on, in the media port range", () => {
  const o = peerConnectionOptions(mediaNetworkConfig(base));
  assert.equal(o.icePortRange, [31000, 32000]);
  assert.is(o.iceUseIpv4, false);
  assert.is(o.iceUseIpv6, false);
  assert.equal(o.iceAdditionalHostAddresses, ["127.0.0.1"]);
  assert.equal(o.iceInterfaceAddresses, { udp4: "127.0.0.1" });
  assert.equal(o.codecs?.video?.map((c) => [c.mimeType, c.parameters]), [["video/H264", "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"]]);
  assert.equal(o.codecs?.audio?.map((c) => c.mimeType), ["audio/opus"]);
});

test("with no ice_interface_addresses werift gathers on every interface", () => {
  const o = peerConnectionOptions(mediaNetworkConfig({ ...base, ice_interface_addresses: [] }));
  assert.is(o.iceUseIpv4, undefined);
  assert.is(o.iceAdditionalHostAddresses, undefined);
});

test("with no ice_interface_addresses a bind_address naming one address is where media binds; 0.0.0.0 and :: leave every interface", () => {
  const net = (bind_address: string) => mediaNetworkConfig({ ...base, ice_interface_addresses: [], bind_address });
  assert.equal(peerConnectionOptions(net("127.0.0.1")).iceInterfaceAddresses, { udp4: "127.0.0.1" });
  assert.equal(peerConnectionOptions(net("::1")).iceInterfaceAddresses, { udp6: "::1" });
  assert.equal(net("0.0.0.0").interfaceAddresses, []);
  assert.equal(net("::").interfaceAddresses, []);
  assert.equal(mediaNetworkConfig({ ...base, bind_address: "127.0.0.1", ice_interface_addresses: ["127.0.0.2"] }).interfaceAddresses, ["127.0.0.2"], "ice_interface_addresses wins");
});

const BAD: { name: string; config: typeof base; key: string }[] = [
  { name: "an interface that is not an IP", config: { ...base, ice_interface_addresses: ["eth0"] }, key: "ice_interface_addresses" },
  { name: "a public address that is a host name", config: { ...base, media_public_address: ["media.example.com"] }, key: "media_public_address" },
  { name: "an empty port range", config: { ...base, media_port_from: 32000, media_port_to: 32000 }, key: "media_port_to" },
];
for (const bad of BAD) {
  test(`config error: ${bad.name} names ${bad.key}`, () => {
    try {
      mediaNetworkConfig(bad.config);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.is((err as ConfigError).key, bad.key);
    }
  });
}

test("media_public_address adds a candidate on the same port beside each gathered host candidate", () => {
  const answer = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=candidate:abc 1 udp 2130706431 127.0.0.1 31002 typ host generation 0\r\na=end-of-candidates\r\n";
  const out = advertisePublicAddresses(answer, ["203.0.113.7"]);
  assert.match(out, /a=candidate:abc 1 udp 2130706431 127\.0\.0\.1 31002 typ host generation 0\r\na=candidate:abcp0 1 udp 2130706430 203\.0\.113\.7 31002 typ host generation 0\r\n/);
  assert.is(advertisePublicAddresses(answer, []), answer);
});

test.run();
