/**
 * Audio path benchmark (real-time factor per core = audio seconds per CPU second), each beside
 * ffmpeg doing the same job on the same input in the same run (ffmpeg's own -benchmark CPU time):
 *   - Opus decode (48 kHz stereo, 20 ms packets from libopus) vs ffmpeg -c:a libopus;
 *   - G.711 A-law decode + resample 8 -> 48 kHz vs ffmpeg (swr default);
 *   - Opus -> AAC-LC 48 kHz stereo 128 kb/s (the whole browser -> RTMP transcoder path) vs ffmpeg
 *     -c:a libopus -> -c:a aac;
 *   - G.711 -> AAC-LC 48 kHz stereo 128 kb/s (the whole SIP -> RTMP transcoder path) vs ffmpeg -c:a aac.
 *
 *   node --import tsx bench/audio-codecs.bench.ts [seconds]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeG711Float, encodeG711 } from "../src/audio/g711.ts";
import { OpusPacketDecoder } from "../src/audio/opus-decoder.ts";
import { Resampler } from "../src/audio/resampler.ts";
import { AudioTranscoder } from "../src/audio/transcoder.ts";
import type { AudioFrame } from "../src/codecs/frame.ts";

const seconds = Number(process.argv[2] ?? 30);
const dir = mkdtempSync(join(tmpdir(), "transpond-bench-audio-"));

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function ffmpeg(args: string[], input?: Uint8Array): { stdout: Buffer; cpuS: number } {
  const r = spawnSync("ffmpeg", ["-hide_banner", "-nostdin", "-benchmark", ...args], { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  const m = /utime=([\d.]+)s stime=([\d.]+)s/.exec(r.stderr.toString());
  return { stdout: r.stdout, cpuS: m ? Number(m[1]) + Number(m[2]) : NaN };
}

/** Ogg pages -> packets (single stream), enough for ffmpeg's own output. */
function oggPackets(file: Uint8Array): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let parts: Buffer[] = [];
  let at = 0;
  while (at + 27 <= file.length) {
    const nseg = file[at + 26]!;
    let body = at + 27 + nseg;
    for (let s = 0; s < nseg; s++) {
      const lace = file[at + 27 + s]!;
      parts.push(Buffer.from(file.subarray(body, body + lace)));
      body += lace;
      if (lace < 255) {
        packets.push(new Uint8Array(Buffer.concat(parts)));
        parts = [];
      }
    }
    at = body;
  }
  return packets.slice(2);
}

function row(name: string, oursCpuS: number, theirsCpuS: number): void {
  const ours = seconds / oursCpuS;
  const theirs = seconds / theirsCpuS;
  console.log(`${name.padEnd(38)} ours ${ours.toFixed(0).padStart(6)}x RT/core   ffmpeg ${theirs.toFixed(0).padStart(6)}x RT/core   ratio ${(ours / theirs).toFixed(2)}`);
}

try {
  console.log(`audio-codecs bench: ${seconds} s of audio, node ${process.version}`);
  // ---- Opus decode
  const ogg = join(dir, "music.ogg");
  ffmpeg(["-v", "error", "-f", "lavfi", "-i", `sine=f=440:r=48000:d=${seconds}`, "-f", "lavfi", "-i", `anoisesrc=r=48000:d=${seconds}:c=pink:a=0.2`,
    "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", "-y", ogg]);
  const packets = oggPackets(new Uint8Array(spawnSync("cat", [ogg]).stdout));
  const dec = await OpusPacketDecoder.create();
  for (const p of packets.slice(0, 500)) dec.decode(p); // warm up (WebAssembly tier-up)
  let t = cpuMs();
  for (const p of packets) dec.decode(p);
  const opusOurs = (cpuMs() - t) / 1000;
  dec.free();
  const opusTheirs = ffmpeg(["-v", "info", "-c:a", "libopus", "-i", ogg, "-f", "f32le", "-y", "/dev/null"]).cpuS;
  row("Opus decode 48k stereo", opusOurs, opusTheirs);

  // ---- Opus -> AAC whole path
  const opusToAac = await AudioTranscoder.create({ source: { codec: "OPUS", sampleRate: 48000, channels: 2 }, target: { codec: "AAC", sampleRate: 48000, channels: 2, bitrate: 128000 } });
  t = cpuMs();
  packets.forEach((data, i) => void opusToAac.push({ kind: "audio", codec: "OPUS", dts: i * 20, pts: i * 20, key: true, data }));
  const opusAacOurs = (cpuMs() - t) / 1000;
  const opusAacTheirs = ffmpeg(["-v", "info", "-c:a", "libopus", "-i", ogg, "-c:a", "aac", "-b:a", "128k", "-f", "adts", "-y", "/dev/null"]).cpuS;
  row("Opus -> AAC 48k stereo 128k", opusAacOurs, opusAacTheirs);

  // ---- G.711 decode + resample to 48 kHz
  const pcm = new Int16Array(seconds * 8000);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(12000 * Math.sin(i * 0.3) + 3000 * Math.sin(i * 1.7));
  const alaw = encodeG711("PCMA", pcm);
  const alawPath = join(dir, "speech.alaw");
  writeFileSync(alawPath, alaw);
  const rs = new Resampler(8000, 48000, 1);
  for (let i = 0; i < 8000 * 2; i += 160) rs.process(decodeG711Float("PCMA", alaw.subarray(i, i + 160))); // warm up
  t = cpuMs();
  for (let i = 0; i < alaw.length; i += 160) rs.process(decodeG711Float("PCMA", alaw.subarray(i, i + 160)));
  const g711Ours = (cpuMs() - t) / 1000;
  const g711Theirs = ffmpeg(["-v", "info", "-f", "alaw", "-ar", "8000", "-ac", "1", "-i", alawPath, "-ar", "48000", "-f", "f32le", "-y", "/dev/null"]).cpuS;
  row("G.711 decode + resample 8k->48k", g711Ours, g711Theirs);

  // ---- G.711 -> AAC whole path
  const tr = await AudioTranscoder.create({ source: { codec: "PCMA", sampleRate: 8000, channels: 1 }, target: { codec: "AAC", sampleRate: 48000, channels: 2, bitrate: 128000 } });
  let bytes = 0;
  t = cpuMs();
  for (let i = 0; i < alaw.length; i += 160) {
    const f: AudioFrame = { kind: "audio", codec: "PCMA", dts: i / 8, pts: i / 8, key: true, data: alaw.subarray(i, i + 160) };
    for (const o of tr.push(f)) bytes += o.data.length;
  }
  const aacOurs = (cpuMs() - t) / 1000;
  const aacTheirs = ffmpeg(["-v", "info", "-f", "alaw", "-ar", "8000", "-ac", "1", "-i", alawPath, "-ar", "48000", "-ac", "2", "-c:a", "aac", "-b:a", "128k", "-f", "adts", "-y", "/dev/null"]).cpuS;
  row("G.711 -> AAC 48k stereo 128k", aacOurs, aacTheirs);
  console.log(`(AAC out: ${((bytes * 8) / seconds / 1000).toFixed(1)} kb/s)`);
  const mem = process.memoryUsage();
  console.log(`rss ${(mem.rss / 1048576).toFixed(1)} MiB, heap ${(mem.heapUsed / 1048576).toFixed(1)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
