/**
 * RTP decode + H.264 depacketize throughput on the 90 s baseline capture (3,896 packets, FU-A and
 * single NAL; falls back to the str0m capture in fixtures/ when ../shared is absent). Prints
 * packets/s, payload MB/s and heap growth for: decodeRtp alone; decodeRtp + jitter buffer +
 * depacketizer; and, beside them, tshark dissecting the same file as RTP (its CPU time, same run).
 *
 *   node --import tsx bench/rtp-depacketize.bench.ts [rounds]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readCapture, udpDatagrams } from "../src/pcap/index.ts";
import { decodeRtp } from "../src/rtp/packet.ts";
import { JitterBuffer } from "../src/rtp/jitter-buffer.ts";
import { H264Depacketizer } from "../src/rtp/h264/depacketizer.ts";

const rounds = Number(process.argv[2] ?? 40);
const shared = resolve(import.meta.dirname, "../../shared/fixtures/rtp_h264_baseline-640x480_fua_pt96_no-signalling.pcap");
const file = existsSync(shared) ? shared : resolve(import.meta.dirname, "../fixtures/rtp_webrtc_h264_stapa-fua_hdrext_str0m.pcap");
const datagrams = udpDatagrams(readCapture(new Uint8Array(readFileSync(file)))).map((d) => d.payload);
const bytes = datagrams.reduce((n, d) => n + d.length, 0);

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(name: string, body: () => void): void {
  body(); // warm up
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const c0 = cpuMs();
  for (let r = 0; r < rounds; r++) body();
  const cpu = cpuMs() - c0;
  const heap = process.memoryUsage().heapUsed - heap0;
  const packets = (datagrams.length * rounds) / (cpu / 1000);
  const mbs = (bytes * rounds) / (cpu / 1000) / 1e6;
  console.log(`${name.padEnd(40)} ${Math.round(packets).toLocaleString("en").padStart(12)} packets/s ${mbs.toFixed(0).padStart(6)} MB/s  heap +${(heap / 1e6).toFixed(1)} MB`);
}

console.log(`${file.split("/").pop()}: ${datagrams.length} packets, ${(bytes / 1e6).toFixed(2)} MB, ${rounds} rounds`);
let sink = 0;
measure("decodeRtp", () => {
  for (const d of datagrams) sink += decodeRtp(d).payload.length;
});
measure("decodeRtp + jitter buffer + depacketizer", () => {
  const jb = new JitterBuffer({ clockRate: 90000 });
  const dep = new H264Depacketizer({ waitForKeyframeAfterDrop: false });
  for (const d of datagrams) for (const o of jb.push(decodeRtp(d))) if (o.type === "packet") for (const f of dep.push(o.packet)) if (f.type === "frame") sink += f.frame.data.length;
});

const port = file.includes("baseline") ? 53134 : 1235;
const t = spawnSync("bash", ["-c", `TIMEFORMAT=%U+%S; time tshark -r '${file}' -d udp.port==${port},rtp -q -z rtp,streams > /dev/null 2>&1`], { encoding: "utf8" });
const parts = /([\d.]+)\+([\d.]+)/.exec(t.stderr);
if (parts) {
  const cpu = Number(parts[1]) + Number(parts[2]);
  console.log(`${"tshark -z rtp,streams (one pass, CPU)".padEnd(40)} ${Math.round(datagrams.length / cpu).toLocaleString("en").padStart(12)} packets/s ${(bytes / cpu / 1e6).toFixed(0).padStart(6)} MB/s`);
} else console.log("tshark: not measured", t.stderr.slice(0, 200));
if (sink < 0) console.log(sink);
