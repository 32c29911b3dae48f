import { createSocket } from "node:dgram";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SipPorts } from "../../../src/sip/transport/ports.ts";
import { freeUdpPort, waitFor } from "../../support/net.ts";

const test = suite("sip/transport/ports");

function bindUdp(port: number): Promise<ReturnType<typeof createSocket>> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", (err) => (socket.close(), reject(err)));
    socket.bind(port, "127.0.0.1", () => resolve(socket));
  });
}

test("sip.port 0: every call listens on a port of its own", async () => {
  const ports = new SipPorts("127.0.0.1", 0);
  const a = await ports.open("UDP", "127.0.0.1");
  const b = await ports.open("UDP", "127.0.0.1");
  assert.is.not(a.local.port, b.local.port);
  await Promise.all([a.close(), b.close()]);
});

test("a fixed sip.port is shared by the calls, opened with the first and freed with the last", async () => {
  const port = await freeUdpPort();
  const ports = new SipPorts("127.0.0.1", port);
  const [a, b] = await Promise.all([ports.open("UDP", "127.0.0.1"), ports.open("UDP", "127.0.0.1")]);
  assert.equal([a.local.port, b.local.port], [port, port]);
  await a.close();
  const takenByUs = await bindUdp(port).then((s) => (s.close(), false), () => true);
  assert.ok(takenByUs, "still held by the second call");
  await b.close();
  const c = await ports.open("UDP", "127.0.0.1"); // waits for the close, then listens again
  assert.is(c.local.port, port);
  await c.close();
  // the last close releases the shared socket without waiting for it
  await waitFor("the port to be free again", () => bindUdp(port).then((s) => (s.close(), true), () => undefined));
});

test("a sip.port someone else holds fails the call with an error naming the key", async () => {
  const port = await freeUdpPort();
  const holder = await bindUdp(port);
  try {
    const ports = new SipPorts("127.0.0.1", port);
    await ports.open("UDP", "127.0.0.1").then(
      () => assert.unreachable("the port is taken"),
      (err: Error) => assert.match(err.message, new RegExp(`sip.port ${port} \\(UDP\\) cannot be opened on 127.0.0.1: .*EADDRINUSE`)),
    );
  } finally {
    holder.close();
  }
});

test.run();
