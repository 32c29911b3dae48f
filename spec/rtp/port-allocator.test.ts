/** RTP/RTCP port pairs from the media range: even RTP ports, RTCP above, taken ports skipped. */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createSocket, type Socket } from "node:dgram";
import { PORT_ERR } from "../../src/rtp/errors.ts";
import { RtpPortAllocator, type RtpPortPair } from "../../src/rtp/port-allocator.ts";
import { grantedReceiveBuffer, receiveBufferSize } from "../../src/rtp/receive-buffer.ts";
import { TranspondError } from "../../src/errors.ts";
import { mediaPortRange } from "../support/media-ports.ts";

const test = suite("rtp/port-allocator");
const open: RtpPortPair[] = [];
const blockers: Socket[] = [];

test.after.each(() => {
  for (const p of open.splice(0)) {
    p.rtp.close();
    p.rtcp.close();
  }
  for (const s of blockers.splice(0)) s.close();
});

function base(): number {
  return mediaPortRange(20).media_port_from;
}

test("hands out even RTP ports with RTCP on the next odd port, bound on the given host, searching on from the drawn pair", async () => {
  const from = base() + 1; // odd: the range starts at the next even port
  const ports = new RtpPortAllocator(from, from + 10, { random: () => 0 });
  assert.is(ports.capacity, 5);
  const a = await ports.allocate("127.0.0.1");
  const b = await ports.allocate("127.0.0.1");
  open.push(a, b);
  assert.is(a.port, from + 1);
  assert.is(b.port, from + 3);
  assert.is(a.rtp.address().port, a.port);
  assert.is(a.rtcp.address().port, a.port + 1);
  assert.is(a.rtp.address().address, "127.0.0.1");
  assert.is(ports.inUse, 2);
});

test("skips a pair whose RTCP port another program holds", async () => {
  const from = base();
  const blocker = createSocket("udp4");
  blockers.push(blocker);
  await new Promise<void>((done) => blocker.bind(from + 1, "127.0.0.1", done));
  const ports = new RtpPortAllocator(from, from + 5, { random: () => 0 });
  const pair = await ports.allocate("127.0.0.1");
  open.push(pair);
  assert.is(pair.port, from + 2);
});

test("a full range throws ERR_RTP_PORTS_EXHAUSTED; a released pair can be had again", async () => {
  const from = base();
  const ports = new RtpPortAllocator(from, from + 3);
  const a = await ports.allocate("127.0.0.1");
  const b = await ports.allocate("127.0.0.1");
  open.push(a, b);
  try {
    await ports.allocate("127.0.0.1");
    assert.unreachable("a third pair does not fit");
  } catch (err) {
    assert.instance(err, TranspondError);
    assert.is((err as TranspondError).code, PORT_ERR.EXHAUSTED);
  }
  a.rtp.close();
  a.rtcp.close();
  open.splice(open.indexOf(a), 1);
  ports.release(a.port);
  const again = await ports.allocate("127.0.0.1");
  open.push(again);
  assert.is(again.port, a.port);
});

test("a range that holds no pair is a ConfigError-like ERR_RTP_PORT_RANGE", () => {
  for (const [from, to] of [[40001, 40001], [40000, 40000], [500, 600]] as const) {
    try {
      new RtpPortAllocator(from, to);
      assert.unreachable(`${from}..${to}`);
    } catch (err) {
      assert.is((err as TranspondError).code, PORT_ERR.RANGE);
    }
  }
});

test("pairs are drawn at random across the range: 20 allocations from 50 pairs are not in order", async () => {
  const from = base();
  const ports = new RtpPortAllocator(from, from + 99);
  const got: number[] = [];
  for (let i = 0; i < 20; i++) {
    const pair = await ports.allocate("127.0.0.1");
    open.push(pair);
    got.push(pair.port);
  }
  assert.is(new Set(got).size, 20);
  assert.ok(got.some((p, i) => i > 0 && p < got[i - 1]!), `ports ${got.join(",")} ascend`);
  assert.ok(got.every((p) => p >= from && p + 1 <= from + 99 && p % 2 === 0));
});

test("the RTP socket asks the kernel for the receive buffer given (media_receive_buffer); without one it keeps the kernel's default", async () => {
  const from = base();
  const asked = 512 * 1024;
  const sized = await new RtpPortAllocator(from, from + 9, { receiveBufferBytes: asked }).allocate("127.0.0.1");
  open.push(sized);
  const unsized = await new RtpPortAllocator(from + 10, from + 19).allocate("127.0.0.1");
  open.push(unsized);
  const granted = await grantedReceiveBuffer(asked);
  assert.is(receiveBufferSize(sized.rtp), granted);
  assert.ok(receiveBufferSize(unsized.rtp) < granted, `default ${receiveBufferSize(unsized.rtp)}, sized ${granted}`);
});

test.run();
