/**
 * The H.264 RTP code against ffmpeg over loopback UDP: ffmpeg's RTP muxer (libx264, STAP-A + FU-A,
 * RTCP SR with a CNAME) into our decoders and depacketizer, and our packetizer into ffmpeg's RTP
 * demuxer, whose output must hold exactly the NAL units we sent.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { joinAnnexB, splitAnnexB } from "../../../src/codecs/h264/index.ts";
import type { VideoFrame } from "../../../src/codecs/frame.ts";
import { decodeRtp, encodeRtp, isRtcp, rtpPacket } from "../../../src/rtp/packet.ts";
import { decodeRtcpCompound } from "../../../src/rtp/rtcp/compound.ts";
import { sdesText } from "../../../src/rtp/rtcp/sdes.ts";
import { H264Depacketizer } from "../../../src/rtp/h264/depacketizer.ts";
import { packetizeH264 } from "../../../src/rtp/h264/packetizer.ts";
import { JitterBuffer } from "../../../src/rtp/jitter-buffer.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { freeUdpPort, sleep, waitFor } from "../../support/net.ts";
import { hex } from "../captures.ts";

const test = e2eSuite("rtp/h264 vs ffmpeg over UDP", ["ffmpeg", "ffprobe"]);
const children: ChildProcess[] = [];
const sockets: Socket[] = [];
const dir = mkdtempSync(join(tmpdir(), "transpond-rtp-"));

test.after(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const s of sockets) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", (err) => (s.close(), reject(err)));
    s.bind(port, "127.0.0.1", () => {
      sockets.push(s);
      resolve(s);
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once("exit", (code) => r(code)));
}

test("ffmpeg's RTP muxer (libx264, 500-byte packets) -> our decoders: 50 frames of 320x240, SR and CNAME read", async () => {
  let port = await freeUdpPort();
  if (port % 2) port = await freeUdpPort(); // RTCP goes to port + 1
  const rtp = await bind(port);
  const rtcp = await bind(port + 1);
  const jb = new JitterBuffer({ clockRate: 90000 });
  const dep = new H264Depacketizer();
  const frames: VideoFrame[] = [];
  const sizes: string[] = [];
  const cnames: string[] = [];
  let stap = 0;
  let fu = 0;
  rtp.on("message", (msg) => {
    const p = decodeRtp(new Uint8Array(msg));
    if ((p.payload[0]! & 0x1f) === 24) stap++;
    if ((p.payload[0]! & 0x1f) === 28) fu++;
    for (const o of jb.push(p)) {
      if (o.type !== "packet") continue;
      for (const x of dep.push(o.packet)) {
        if (x.type === "frame") frames.push(x.frame);
        if (x.type === "config") sizes.push(`${x.config.width}x${x.config.height}`);
      }
    }
  });
  rtcp.on("message", (msg) => {
    const bytes = new Uint8Array(msg);
    assert.ok(isRtcp(bytes));
    for (const p of decodeRtcpCompound(bytes)) if (p.type === "sdes") cnames.push(...p.chunks.flatMap((c) => c.items.map(sdesText)));
  });
  const ff = spawn("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "50", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "baseline", "-g", "25", "-f", "rtp", "-cname", "transpond-test", "-pkt_size", "500", `rtp://127.0.0.1:${port}?rtcpport=${port + 1}`], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(ff);
  let stderr = "";
  ff.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  assert.is(await exited(ff), 0, stderr);
  // the last frame ends with a marker bit, so all 50 arrive without a flush
  await waitFor("50 frames", () => (frames.length >= 50 ? true : undefined), 5000);
  assert.is(frames.length, 50);
  assert.equal([...new Set(sizes)], ["320x240"]);
  assert.ok(stap > 0 && fu > 0, `STAP-A ${stap}, FU-A ${fu}`);
  assert.is(frames.filter((f) => f.key).length, 2);
  assert.ok(frames.every((f, i) => i === 0 || Math.abs(f.dts - frames[i - 1]!.dts - 40) < 0.01), "25 fps timestamps");
  assert.ok(cnames.includes("transpond-test"), `CNAMEs ${cnames}`);
  const annexB = Buffer.concat(frames.map((f) => joinAnnexB(f.data)));
  assert.is(execFileSync("ffmpeg", ["-v", "error", "-f", "h264", "-i", "-", "-f", "null", "-"], { input: annexB, encoding: "utf8" }), "");
});

test("our packetizer (mode 1, 400-byte MTU) -> ffmpeg's RTP demuxer: 30 frames of the same NAL units come out", async () => {
  // a source: 250 frames (10 s) from libx264
  const src = join(dir, "src.h264");
  execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-frames:v", "250", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-profile:v", "baseline", "-bsf:v", "h264_mp4toannexb", "-f", "h264", "-y", src]);
  const nalus = splitAnnexB(new Uint8Array(readFileSync(src)));
  // group into access units: a new unit starts at each slice after a slice (one slice per frame here)
  const units: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  for (const n of nalus) {
    current.push(n);
    const t = n[0]! & 0x1f;
    if (t === 1 || t === 5) {
      units.push(current);
      current = [];
    }
  }
  assert.is(units.length, 250);
  let port = await freeUdpPort();
  if (port % 2) port = await freeUdpPort();
  const sdp = join(dir, "in.sdp");
  writeFileSync(sdp, ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=transpond", "c=IN IP4 127.0.0.1", "t=0 0", `m=video ${port} RTP/AVP 96`, "a=rtpmap:96 H264/90000", "a=fmtp:96 packetization-mode=1", ""].join("\r\n"));
  const out = join(dir, "out.h264");
  const ff = spawn("ffmpeg", ["-v", "error", "-protocol_whitelist", "file,udp,rtp", "-analyzeduration", "400000", "-i", sdp, "-c", "copy", "-frames:v", "30", "-f", "h264", "-y", out], { stdio: ["ignore", "ignore", "pipe"] });
  children.push(ff);
  let stderr = "";
  ff.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  // ffmpeg has bound the port when we no longer can
  await waitFor("ffmpeg to listen", async () => {
    try {
      const s = await bind(port);
      sockets.splice(sockets.indexOf(s), 1);
      await new Promise<void>((r) => s.close(() => r()));
      return undefined;
    } catch {
      return true;
    }
  }, 10000);
  const tx = createSocket("udp4");
  sockets.push(tx);
  let seq = 65500;
  // ffmpeg reads past what it needs while probing, so keep sending until it has its 30 frames
  let done = false;
  void exited(ff).then(() => (done = true));
  for (const [i, unit] of units.entries()) {
    if (done) break;
    const payloads = packetizeH264(unit, { mtu: 400 });
    for (const [k, payload] of payloads.entries()) {
      const p = rtpPacket({ payloadType: 96, sequenceNumber: seq++ & 0xffff, timestamp: (0xfffff000 + i * 3600) >>> 0, ssrc: 0x1234, marker: k === payloads.length - 1, payload });
      await new Promise<void>((r) => tx.send(encodeRtp(p), port, "127.0.0.1", () => r()));
    }
    await sleep(2); // pace a little so nothing overflows the receive buffer
  }
  const stop = setTimeout(() => ff.kill("SIGINT"), 10000);
  await exited(ff);
  clearTimeout(stop);
  assert.ok(existsSync(out), stderr);
  const got = splitAnnexB(new Uint8Array(readFileSync(out))).filter((n) => (n[0]! & 0x1f) !== 9);
  const sent = units.slice(0, 30).flat();
  assert.is(got.length, sent.length, stderr);
  assert.ok(got.every((n, i) => hex(n) === hex(sent[i]!)), "byte-identical NAL units");
});

test.run();
