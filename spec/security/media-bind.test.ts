/**
 * Issue 14, item 10: WebRTC media bound 0.0.0.0 whatever `bind_address` said. With
 * `bind_address=127.0.0.1` and no `ice_interface_addresses`, every UDP socket the server opens in
 * its media port range during a WebRTC publish is bound to 127.0.0.1, as the kernel lists it in
 * /proc/net/udp (sockets matched to this process by inode), and none is on IPv6.
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { signaledPublisher } from "../agent/support/werift-browser.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { startTestApp, type TestApp } from "./support/app.ts";

const test = suite("security/media-bind");
let server: TestApp | undefined;
let close: (() => Promise<void>) | undefined;

test.after.each(async () => {
  await close?.();
  await server?.close();
  close = undefined;
  server = undefined;
});

interface UdpSocket {
  readonly address: string;
  readonly port: number;
}

/** This process's UDP sockets from /proc/net/udp{,6}, with the local address as text. */
function ownUdpSockets(): UdpSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    const link = (() => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return ""; // closed between the listing and the read
      }
    })();
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]!);
  }
  const sockets: UdpSocket[] = [];
  for (const file of ["/proc/net/udp", "/proc/net/udp6"]) {
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9]!)) continue;
      const [hexAddress, hexPort] = cols[1]!.split(":") as [string, string];
      sockets.push({ address: kernelAddress(hexAddress), port: parseInt(hexPort, 16) });
    }
  }
  return sockets;
}

/** /proc/net/udp's address: IPv4 as one little-endian word, IPv6 as four. */
function kernelAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(""));
  if (words.length === 1) return words[0]!.match(/../g)!.map((b) => parseInt(b, 16)).join(".");
  return words.join("").match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, "")).join(":");
}

test("bind_address=127.0.0.1 without ice_interface_addresses: a WebRTC publish's media sockets are bound to 127.0.0.1", async () => {
  const range = mediaPortRange(50);
  server = await startTestApp({ bind_address: "127.0.0.1", ice_interface_addresses: [], ...range });
  const { browser, ws } = await signaledPublisher(`ws://127.0.0.1:${server.app.ports.ws}/`, "bound");
  close = async () => {
    ws.close();
    await browser.close();
  };
  const media = ownUdpSockets().filter((s) => s.port >= range.media_port_from && s.port <= range.media_port_to);
  assert.ok(media.length > 0, "the publish has a media socket in the range");
  assert.equal(media.filter((s) => s.address !== "127.0.0.1"), [], "media sockets bound elsewhere");
});

test.run();
