/**
 * The embedded RTMP server with the audio of Flash-era publishers: FFmpeg publishes A-law, µ-law
 * (8 kHz mono) and Speex wideband (libspeex, two frames per message as Flash Player sent them) with
 * `-c copy` from a file it encoded first (pink noise: no stretch of it repeats), so the payload
 * bytes are known. The server must record the
 * stream, play it back over RTMP and HTTP-FLV, and relay it (/push/startup into the same server)
 * with every audio payload unchanged, and ffprobe must name the codec, rate and channels.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import type { App } from "../../src/app.ts";
import { startTestApp, type TestApp } from "../security/support/app.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { waitFor } from "../support/net.ts";
import { killChildren, run, start } from "../support/process.ts";
import { toneWithNoiseFloor, tonePower } from "../support/tone.ts";

const test = e2eSuite("rtmp server: G.711 and Speex from ffmpeg", ["ffmpeg", "ffprobe"]);
const SECONDS = 5;
let server: TestApp | undefined;
let app: App;
let dir = "";

interface Codec {
  readonly name: string;
  readonly sampleRate: number;
  readonly encode: readonly string[];
  /** /push/startup's rtmpTransponderAudioCodec for a passthrough relay */
  readonly relayAs: string;
}

const CODECS: readonly Codec[] = [
  { name: "pcm_alaw", sampleRate: 8000, encode: ["-c:a", "pcm_alaw"], relayAs: "alaw" },
  { name: "pcm_mulaw", sampleRate: 8000, encode: ["-c:a", "pcm_mulaw"], relayAs: "ulaw" },
  { name: "speex", sampleRate: 16000, encode: ["-c:a", "libspeex", "-frames_per_packet", "2"], relayAs: "speex16" },
];

test.before(async () => {
  server = await startTestApp({ "rtmp.record": true });
  app = server.app;
  dir = server.dir;
});

test.after(async () => {
  killChildren();
  await server?.close();
});

const rtmpUrl = (name: string): string => `rtmp://127.0.0.1:${app.ports.rtmp}/live/${name}`;
const flvUrl = (name: string): string => `http://127.0.0.1:${app.ports.http}/live/${name}.flv`;

async function probeAudio(path: string): Promise<[string, number, number]> {
  const r = await run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_name,sample_rate,channels", "-of", "json", path], 20000);
  assert.is(r.code, 0, r.stderr);
  const s = (JSON.parse(r.stdout) as { streams: { codec_name: string; sample_rate: string; channels: number }[] }).streams[0];
  return [s?.codec_name ?? "", Number(s?.sample_rate ?? 0), s?.channels ?? 0];
}

/** The audio packets of a file, back to back, as ffmpeg demuxes them. */
async function audioPayload(path: string): Promise<Buffer> {
  const out = `${path}.audio`;
  const r = await run("ffmpeg", ["-v", "error", "-y", "-i", path, "-map", "0:a", "-c", "copy", "-f", "data", out], 20000);
  assert.is(r.code, 0, r.stderr);
  return readFileSync(out);
}

for (const codec of CODECS) {
  test(`${codec.name}: recorded, played over RTMP and HTTP-FLV and relayed as ${codec.relayAs} with the published payload unchanged`, async () => {
    const name = codec.name.replace("_", "");
    const source = join(dir, `${name}-source.flv`);
    const made = await run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", `anoisesrc=color=pink:amplitude=0.3:seed=7:sample_rate=${codec.sampleRate}`, "-t", String(SECONDS), "-ac", "1", ...codec.encode, "-f", "flv", source], 20000);
    assert.is(made.code, 0, made.stderr);
    const publisher = start("ffmpeg", ["-v", "error", "-re", "-i", source, "-c", "copy", "-f", "flv", rtmpUrl(name)], (SECONDS + 20) * 1000);
    await waitFor(`${name} published with audio`, () => ((app.hub.get(name)?.frames.audio ?? 0) > 0 ? true : undefined), 15000);
    assert.equal(app.hub.get(name)!.audioConfig, { codec: codec.name === "speex" ? "SPEEX" : codec.name === "pcm_alaw" ? "PCMA" : "PCMU", sampleRate: codec.sampleRate, channels: 1 });
    const rtmpCopy = join(dir, `${name}-rtmp.flv`);
    const httpCopy = join(dir, `${name}-http.flv`);
    const players = [rtmpUrl(name), flvUrl(name)].map((url, i) => run("ffmpeg", ["-v", "error", "-y", "-i", url, "-c", "copy", "-f", "flv", [rtmpCopy, httpCopy][i]!], (SECONDS + 20) * 1000));
    const relayCopy = join(dir, `${name}-relay.flv`);
    const started = await server!.post("/rest-api/push/startup", { streamName: name, rtmpUrl: `rtmp://127.0.0.1:${app.ports.rtmp}/live`, rtmpTransponderAudioCodec: codec.relayAs });
    assert.is(started.status, 200, started.text);
    assert.is(started.body.rtmpTransponderAudioCodec, codec.relayAs);
    await waitFor(`relayed stream rtmp_${name}`, () => ((app.hub.get(`rtmp_${name}`)?.frames.audio ?? 0) > 0 ? true : undefined), 15000);
    const relay = run("ffmpeg", ["-v", "error", "-y", "-i", rtmpUrl(`rtmp_${name}`), "-c", "copy", "-f", "flv", relayCopy], (SECONDS + 20) * 1000);
    const published = await publisher.done;
    assert.is(published.code, 0, published.stderr);
    for (const played of await Promise.all(players)) assert.is(played.code, 0, played.stderr);
    const relayed = await relay;
    assert.is(relayed.code, 0, relayed.stderr);
    await waitFor(`${name} unpublished`, () => (app.hub.get(name) === undefined ? true : undefined), 10000);
    const records = readdirSync(join(dir, "records")).filter((f) => f.startsWith(`${name}-`) && f.endsWith(".flv"));
    assert.is(records.length, 1, `records: ${records.join(", ")}`);
    const recording = join(dir, "records", records[0]!);

    const sent = await audioPayload(source);
    const copies = [recording, rtmpCopy, httpCopy, relayCopy];
    for (const copy of copies) {
      assert.equal(await probeAudio(copy), [codec.name, codec.sampleRate, 1], copy);
      assert.is(await decodeErrors(copy), "", `ffmpeg decodes ${copy} without errors`);
      const got = await audioPayload(copy);
      assert.ok(got.length >= sent.length / 3, `${copy}: ${got.length} of ${sent.length} payload bytes`);
      assert.ok(sent.indexOf(got) >= 0, `${copy}: its audio payload is one run of the published payload, unchanged`);
    }
    assert.ok((await audioPayload(recording)).equals(sent), "the recording holds every published payload byte");
  });
}

test("a Speex publisher is decoded for targets of other codecs: relayed as alaw and as aac, the 1 kHz tone it carries is what ffmpeg decodes", async () => {
  const source = join(dir, "tone-source.flv");
  const made = await run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", toneWithNoiseFloor(1000, 16000), "-t", String(SECONDS), "-ac", "1", "-c:a", "libspeex", "-frames_per_packet", "2", "-f", "flv", source], 20000);
  assert.is(made.code, 0, made.stderr);
  const publisher = start("ffmpeg", ["-v", "error", "-re", "-i", source, "-c", "copy", "-f", "flv", rtmpUrl("tone")], (SECONDS + 20) * 1000);
  await waitFor("tone published", () => ((app.hub.get("tone")?.frames.audio ?? 0) > 0 ? true : undefined), 15000);
  const copies: [string, string, string, number][] = [];
  for (const [codec, expected, rate] of [["alaw", "pcm_alaw", 8000], ["aac", "aac", 48000]] as const) {
    const relayed = `tone_${codec}`;
    const started = await server!.post("/rest-api/push/startup", { streamName: "tone", rtmpUrl: rtmpUrl(relayed), rtmpTransponderFullUrl: true, rtmpTransponderAudioCodec: codec });
    assert.is(started.status, 200, started.text);
    await waitFor(`relay ${relayed} publishing`, () => ((app.hub.get(relayed)?.frames.audio ?? 0) > 0 ? true : undefined), 15000);
    copies.push([relayed, join(dir, `${relayed}.flv`), expected, rate]);
  }
  const players = copies.map(([relayed, file]) => run("ffmpeg", ["-v", "error", "-y", "-i", rtmpUrl(relayed), "-t", "2", "-c", "copy", "-f", "flv", file], (SECONDS + 20) * 1000));
  for (const played of await Promise.all(players)) assert.is(played.code, 0, played.stderr);
  assert.is((await publisher.done).code, 0);
  for (const [, file, expected, rate] of copies) {
    const [codec, sampleRate] = await probeAudio(file);
    assert.equal([codec, sampleRate], [expected, rate], file);
    assert.is(await decodeErrors(file), "", `ffmpeg decodes ${file} without errors`);
    const pcm = await run("ffmpeg", ["-v", "error", "-y", "-i", file, "-f", "f32le", "-ac", "1", `${file}.f32`]);
    assert.is(pcm.code, 0, pcm.stderr);
    const bytes = readFileSync(`${file}.f32`);
    const samples = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~3)));
    // Goertzel over the whole unwindowed copy: its cut ends leak a little into 1.7 kHz (20-40 dB below)
    const tone = tonePower(samples, 1000, rate);
    const off = tonePower(samples, 1700, rate);
    assert.ok(samples.length > rate, `${file}: ${samples.length} samples`);
    assert.ok(tone > 100 * off && tone > 1e-4, `${file}: 1 kHz power ${tone.toExponential(2)}, 1.7 kHz ${off.toExponential(2)}`);
  }
});

test.run();
