/**
 * Shared by spec/e2e/webrtc-rtmp-*.test.ts: Transpond (`startApp`) + nginx-rtmp recording + headless
 * Chromium with the official Web SDK, a REST client for `/rest-api/push/*`, and what ffprobe/ffmpeg
 * say about an nginx recording (packets per stream, decode errors, decoded PCM for level and tone
 * measurements).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, type App } from "../../src/app.ts";
import { makeConfig, type Config } from "../../src/config.ts";
import { startChromium, type ChromiumHarness } from "../support/chromium.ts";
import { hasProgram } from "../support/e2e.ts";
import { tonePower } from "../support/tone.ts";
import { mediaPortRange } from "../support/media-ports.ts";
import { freeTcpPort, waitFor } from "../support/net.ts";
import { NginxRtmp, type NginxOptions } from "../support/nginx.ts";

/** The outside programs every webrtc-rtmp e2e file needs. */
export const PROGRAMS = ["chromium", "ffmpeg", "ffprobe", "nginx"];
/** False when one is missing: the suite skips its tests, and its `before` must not start the rig. */
export const RIG_AVAILABLE = PROGRAMS.every(hasProgram);

/** The fake camera's picture size the pages ask for. */
export const WIDTH = 320;
export const HEIGHT = 240;

export interface RestAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export interface Transponder {
  readonly mediaSessionId: string;
  readonly streamName: string;
  readonly rtmpUrl: string;
  readonly width: number;
  readonly height: number;
  readonly muted: boolean;
  readonly soundEnabled: boolean;
  readonly status: string;
  readonly lastError: string;
  readonly reconnects: number;
}

export class Rig {
  readonly app: App;
  readonly nginx: NginxRtmp;
  readonly chromium: ChromiumHarness;
  readonly dir: string;
  readonly mediaDir: string;

  private constructor(app: App, nginx: NginxRtmp, chromium: ChromiumHarness, dir: string, mediaDir: string) {
    this.app = app;
    this.nginx = nginx;
    this.chromium = chromium;
    this.dir = dir;
    this.mediaDir = mediaDir;
  }

  /**
   * `config` is applied over the test defaults (free ports, 127.0.0.1, temp folders);
   * `chromiumArgs` are added to Chromium's flags.
   */
  static async start(config: (nginx: NginxRtmp) => Partial<Config> = () => ({}), nginxOptions: NginxOptions = {}, chromiumArgs: readonly string[] = []): Promise<Rig> {
    const dir = mkdtempSync(join(tmpdir(), "transpond-webrtc-rtmp-"));
    const mediaDir = join(dir, "media");
    mkdirSync(mediaDir);
    let nginx: NginxRtmp | undefined;
    let app: App | undefined;
    try {
      nginx = await NginxRtmp.start(nginxOptions);
      // a random 200-port media range so that files running at the same time do not collide
      app = await startApp(
        makeConfig({
          bind_address: "127.0.0.1",
          "http.port": await freeTcpPort(),
          "https.port": 0,
          "ws.port": await freeTcpPort(),
          "wss.port": 0,
          "rtmp.port": 0,
          ice_interface_addresses: ["127.0.0.1"],
          ...mediaPortRange(200),
          data_dir: join(dir, "data"),
          media_dir: mediaDir,
          record_dir: join(dir, "records"),
          rtmp_reconnect_min_delay: 300,
          rtmp_reconnect_max_delay: 1000,
          ...config(nginx),
        }),
      );
      const chromium = await startChromium(chromiumArgs);
      return new Rig(app, nginx, chromium, dir, mediaDir);
    } catch (err) {
      await app?.close();
      await nginx?.dispose();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.app.ports.ws}`;
  }

  /** POST (or GET without a body) to the REST API. */
  async rest(path: string, body?: unknown): Promise<RestAnswer> {
    const url = `http://127.0.0.1:${this.app.ports.http}/rest-api${path}`;
    const res = await fetch(url, body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  }

  async find(streamName: string): Promise<Transponder | undefined> {
    const answer = await this.rest("/push/find", { streamName });
    if (answer.status !== 200) return undefined;
    return (answer.body as Transponder[])[0];
  }

  /** Polls /push/find until the stream's transponder has `status`; every status seen in order. */
  async waitStatus(streamName: string, status: string, timeoutMs = 15000, seen: string[] = []): Promise<Transponder> {
    return waitFor(`transponder of ${streamName} ${status}`, async () => {
      const t = await this.find(streamName);
      if (t && seen.at(-1) !== t.status) seen.push(t.status);
      return t?.status === status ? t : undefined;
    }, timeoutMs, 50);
  }

  async close(): Promise<void> {
    await this.chromium.close();
    await this.app.close();
    await this.nginx.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---- what ffprobe / ffmpeg say about a recording ----

export interface Packet {
  readonly codec_type: "video" | "audio";
  readonly pts_time: number;
  readonly dts_time: number;
  readonly key: boolean;
}

export interface ProbedStream {
  readonly codec_type: string;
  readonly codec_name: string;
  readonly profile?: string;
  readonly width?: number;
  readonly height?: number;
  readonly sample_rate?: string;
  readonly channels?: number;
}

export interface Probe {
  readonly streams: ProbedStream[];
  readonly duration: number;
  readonly packets: Packet[];
}

interface RawProbe {
  streams: ProbedStream[];
  format: { duration?: string };
  packets: { codec_type: string; pts_time?: string; dts_time?: string; flags: string }[];
}

export function probe(file: string): Probe {
  const out = execFileSync("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-show_packets", "-of", "json", file], { encoding: "utf8", maxBuffer: 64 << 20 });
  const raw = JSON.parse(out) as RawProbe;
  return {
    streams: raw.streams,
    duration: Number(raw.format.duration ?? 0),
    packets: raw.packets.map((p) => ({
      codec_type: p.codec_type as "video" | "audio",
      pts_time: Number(p.pts_time),
      dts_time: Number(p.dts_time),
      key: p.flags.includes("K"),
    })),
  };
}

/**
 * The null muxer's "non monotonically increasing dts" lines, which `decodeErrors` of a browser
 * recording leaves out: ffmpeg 5.1 re-times decoded video to a 1/<guessed frame rate> time base, so
 * two frames of a browser's variable-rate capture that are closer than one tick (e.g. 8194 ms and
 * 8200 ms at a guessed 20 fps) collide there although the file's DTS increase. Callers check the
 * file's own DTS with `videoDtsIssues`.
 */
export const NULL_MUXER_DTS = /^\[null @ 0x[0-9a-f]+\] Application provided invalid, non monotonically increasing dts to muxer in stream 0/;

/** Video packets of the file whose DTS does not increase strictly. */
export function videoDtsIssues(packets: readonly Packet[]): number[] {
  const video = packets.filter((p) => p.codec_type === "video");
  return video.filter((p, i) => i > 0 && !(p.dts_time > video[i - 1]!.dts_time)).map((p) => p.dts_time);
}

export interface AudioTimingIssue {
  readonly at: number;
  readonly step: number;
}

/**
 * Audio timestamp steps (s) that are gaps (> 1.5 frame durations) or that do not go forward,
 * across the whole file.
 */
export function audioTimingIssues(packets: readonly Packet[], frameSeconds: number): AudioTimingIssue[] {
  const audio = packets.filter((p) => p.codec_type === "audio");
  const issues: AudioTimingIssue[] = [];
  for (let i = 1; i < audio.length; i++) {
    const step = audio[i]!.dts_time - audio[i - 1]!.dts_time;
    if (step <= 0 || step > 1.5 * frameSeconds) issues.push({ at: audio[i]!.dts_time, step });
  }
  return issues;
}

/**
 * The first channel of the recording's audio decoded by ffmpeg, 48 kHz, float samples. One channel at
 * its own level: ffmpeg's `-ac 1` would add stereo channels at -3 dB each, a tone 3 dB over its level.
 */
export function decodeAudio(file: string, rate = 48000): Float32Array {
  const out = execFileSync("ffmpeg", ["-v", "error", "-i", file, "-map", "0:a", "-af", "pan=mono|c0=c0", "-ar", String(rate), "-f", "f32le", "-"], { maxBuffer: 256 << 20 });
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** ffmpeg volumedetect's max_volume (dBFS) of the audio between `from` and `from + duration` seconds. */
export function maxVolume(file: string, from: number, duration: number): number {
  const run = spawnSync("ffmpeg", ["-v", "info", "-ss", String(from), "-t", String(duration), "-i", file, "-map", "0:a", "-af", "volumedetect", "-f", "null", "-"], { encoding: "utf8" });
  const m = /max_volume: (-?[\d.]+|-inf) dB/.exec(run.stderr);
  if (!m) throw new Error(`volumedetect printed no max_volume: ${run.stderr.slice(-500)}`);
  return m[1] === "-inf" ? -Infinity : Number(m[1]);
}

/** Peak level (dBFS) of each window of `windowSeconds`. */
export function windowPeaks(pcm: Float32Array, rate: number, windowSeconds: number): number[] {
  const n = Math.round(rate * windowSeconds);
  const out: number[] = [];
  for (let start = 0; start + n <= pcm.length; start += n) {
    let peak = 0;
    for (let i = start; i < start + n; i++) peak = Math.max(peak, Math.abs(pcm[i]!));
    out.push(peak > 0 ? 20 * Math.log10(peak) : -Infinity);
  }
  return out;
}

/** Amplitude of the `freq` component (Goertzel) of each window of `windowSeconds`, in dBFS of a sine. */
export function windowTone(pcm: Float32Array, rate: number, windowSeconds: number, freq: number): number[] {
  const n = Math.round(rate * windowSeconds);
  const out: number[] = [];
  for (let start = 0; start + n <= pcm.length; start += n) {
    const amplitude = 2 * Math.sqrt(tonePower(pcm.subarray(start, start + n), freq, rate) / n);
    out.push(amplitude > 0 ? 20 * Math.log10(amplitude) : -Infinity);
  }
  return out;
}

/** Runs of consecutive windows where `test` holds: [first index, length]. */
export function runs(values: readonly number[], test: (v: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  values.forEach((v, i) => {
    if (test(v)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push([start, i - start]);
      start = -1;
    }
  });
  if (start >= 0) out.push([start, values.length - start]);
  return out;
}

/** A 16-bit stereo 48 kHz WAV in `dir`: `toneSeconds` of a sine at `freq` (amplitude 0.5, -6 dBFS), then `silenceSeconds`. */
export function writeToneWav(dir: string, name: string, freq: number, toneSeconds: number, silenceSeconds: number): string {
  const file = join(dir, name);
  const sine = `0.5*sin(2*PI*${freq}*t)`;
  const source = `aevalsrc=${sine}|${sine}:s=48000:d=${toneSeconds}`;
  const filter = silenceSeconds > 0 ? ["-af", `apad=pad_dur=${silenceSeconds}`] : [];
  execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", source, ...filter, "-c:a", "pcm_s16le", file]);
  return file;
}
