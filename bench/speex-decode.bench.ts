/**
 * Speex wideband decoder benchmark (issue 18). Input: espeak-ng speech looped to the wanted length,
 * coded by ffmpeg's libspeex at quality 8 (the default), two frames per FLV message as Flash sent.
 * Prints the decoder's real-time factor per core (audio seconds per CPU second; median of 5 runs
 * after a warm-up) beside ffmpeg's libspeex decoder on the same file in the same run (its -benchmark
 * CPU time, median of 5, reading the file included), and the CPU share of one Speex -> AAC stream
 * (decode, resample to 48 kHz, AAC encode: a Flash publisher republished to YouTube).
 *
 *   node --import tsx bench/speex-decode.bench.ts [seconds]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpeexWidebandDecoder } from "../src/audio/speex/decoder.ts";
import { AudioTranscoder } from "../src/audio/transcoder.ts";
import { speexPacketInfo } from "../src/codecs/speex.ts";
import { FlvReader } from "../src/flv/file-reader.ts";
import { TAG_TYPE } from "../src/flv/tag.ts";
import { cpuMs, ffmpegCpu, median } from "./measure.ts";

const seconds = Number(process.argv[2] ?? 60);
const dir = mkdtempSync(join(tmpdir(), "bench-speex-decode-"));

function decodeOurs(packets: readonly Uint8Array[]): number {
  const dec = new SpeexWidebandDecoder();
  const c0 = cpuMs();
  for (const p of packets) dec.decode(p);
  return cpuMs() - c0;
}

async function speexToAac(packets: readonly Uint8Array[]): Promise<number> {
  const t = await AudioTranscoder.create({ source: { codec: "SPEEX", sampleRate: 16000, channels: 1 }, target: { codec: "AAC", bitrate: 128000 } });
  const c0 = cpuMs();
  let ms = 0;
  for (const data of packets) {
    t.push({ kind: "audio", codec: "SPEEX", dts: ms, pts: ms, key: true, data });
    ms += speexPacketInfo(data).frames * 20;
  }
  const cpu = cpuMs() - c0;
  t.close();
  return cpu;
}

try {
  const wav = join(dir, "speech.wav");
  const said = spawnSync("espeak-ng", ["-w", wav, "The quick brown fox jumps over the lazy dog. Speex carried the voice of Flash Player to media servers for a decade."]);
  if (said.status !== 0) throw new Error(said.stderr.toString());
  const flv = join(dir, "speech.flv");
  const made = spawnSync("ffmpeg", ["-v", "error", "-y", "-stream_loop", "-1", "-i", wav, "-t", String(seconds), "-ar", "16000", "-ac", "1", "-c:a", "libspeex", "-frames_per_packet", "2", "-f", "flv", flv]);
  if (made.status !== 0) throw new Error(made.stderr.toString());
  const packets = new FlvReader().push(new Uint8Array(readFileSync(flv))).flatMap((o) => (o.type === "tag" && o.header.tagType === TAG_TYPE.AUDIO ? [o.data.subarray(1)] : []));
  decodeOurs(packets); // warm up the JIT
  const ours = (await median(5, () => decodeOurs(packets)))!;
  const ff = await median(5, () => ffmpegCpu(["-c:a", "libspeex", "-i", flv, "-f", "null", "-"]));
  await speexToAac(packets);
  const path = (await median(3, () => speexToAac(packets)))!;
  const ffPath = await median(3, () => ffmpegCpu(["-c:a", "libspeex", "-i", flv, "-ar", "48000", "-c:a", "aac", "-b:a", "128k", "-f", "null", "-"]));
  console.log(`Speex wideband decode, quality 8, ${seconds} s of speech (${packets.length} messages of 2 frames)`);
  console.log(`  Transpond: ${((seconds * 1000) / ours).toFixed(0)}x real time per core (${((ours * 1000) / (packets.length * 2)).toFixed(1)} us per 20 ms frame)`);
  console.log(`  ffmpeg libspeex: ${ff === undefined ? "n/a" : `${((seconds * 1000) / ff).toFixed(0)}x`}`);
  console.log(`Speex -> AAC 128 kb/s (decode + resample 16 -> 48 kHz + AAC encode), CPU per stream`);
  console.log(`  Transpond: ${((path / (seconds * 1000)) * 100).toFixed(2)} % of a core`);
  console.log(`  ffmpeg libspeex -> aac: ${ffPath === undefined ? "n/a" : `${((ffPath / (seconds * 1000)) * 100).toFixed(2)} %`}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
