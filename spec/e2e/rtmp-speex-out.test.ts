/**
 * Speex out to a Flash-era RTMP server: ffmpeg publishes a 1 kHz AAC tone to Transpond, which
 * republishes it with rtmpTransponderAudioCodec speex16 (our encoder, quality 6, two frames per
 * message) to nginx-rtmp with recording on. ffprobe must report Speex 16 kHz mono, ffmpeg's
 * libspeex must decode the recording without an error, and the tone must come out at 1 kHz. The tone
 * has a noise floor: on a pure sine libspeex's decoding of our stream drifts apart from our encoder's
 * and clips (1 run in ~20 failed so: 1 kHz power 3.49 against ~500 expected).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { FlvReader } from "../../src/flv/file-reader.ts";
import { TAG_TYPE } from "../../src/flv/tag.ts";
import { startTestApp, type TestApp } from "../security/support/app.ts";
import { e2eSuite } from "../support/e2e.ts";
import { decodeErrors } from "../support/ffmpeg.ts";
import { waitFor } from "../support/net.ts";
import { NginxRtmp } from "../support/nginx.ts";
import { killChildren, run, start } from "../support/process.ts";
import { toneWithNoiseFloor, tonePower } from "../support/tone.ts";

const test = e2eSuite("e2e/speex16 republished to nginx-rtmp", ["ffmpeg", "ffprobe", "nginx"]);
const SECONDS = 8;
let server: TestApp | undefined;
let nginx: NginxRtmp | undefined;

test.before(async () => {
  server = await startTestApp();
  nginx = await NginxRtmp.start();
});

test.after(async () => {
  killChildren();
  await server?.close();
  await nginx?.dispose();
});

test("an AAC publisher republished as speex16: nginx records Speex 16 kHz mono in messages of two 20 ms frames that libspeex decodes cleanly to the 1 kHz tone", async () => {
  const app = server!.app;
  const source = join(server!.dir, "tone-aac.flv");
  const made = await run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", toneWithNoiseFloor(1000, 48000), "-t", String(SECONDS), "-ac", "1", "-c:a", "aac", "-b:a", "64k", "-f", "flv", source], 20000);
  assert.is(made.code, 0, made.stderr);
  const publisher = start("ffmpeg", ["-v", "error", "-re", "-i", source, "-c", "copy", "-f", "flv", `rtmp://127.0.0.1:${app.ports.rtmp}/live/tone`], (SECONDS + 20) * 1000);
  await waitFor("tone published", () => ((app.hub.get("tone")?.frames.audio ?? 0) > 0 ? true : undefined), 15000);
  assert.is(app.hub.get("tone")!.audioConfig?.codec, "AAC");
  const started = await server!.post("/rest-api/push/startup", { streamName: "tone", rtmpUrl: nginx!.url("live"), rtmpTransponderAudioCodec: "speex16" });
  assert.is(started.status, 200, started.text);
  assert.is(started.body.rtmpTransponderAudioCodec, "speex16");
  await waitFor("nginx recording rtmp_tone", () => (existsSync(nginx!.recording("rtmp_tone")) ? true : undefined), 15000);
  assert.is((await publisher.done).code, 0);
  await server!.post("/rest-api/push/terminate", { mediaSessionId: started.body.mediaSessionId });

  const file = await nginx!.recordingClosed("rtmp_tone", 15000);
  const probe = await run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "stream=codec_name,sample_rate,channels", "-of", "csv=p=0", file]);
  assert.is(probe.stdout.trim(), "speex,16000,1", probe.stderr);
  assert.is(await decodeErrors(file), "", "ffmpeg decodes the recording without errors");
  const tags = new FlvReader().push(new Uint8Array(readFileSync(file))).flatMap((o) => (o.type === "tag" && o.header.tagType === TAG_TYPE.AUDIO ? [o] : []));
  assert.ok(tags.length >= 25, `${tags.length} Speex messages, a second at least`);
  tags.forEach((t, k) => assert.is(t.header.timestamp - tags[0]!.header.timestamp, k * 40, "one message every 40 ms, none missing"));
  for (const t of tags) assert.is(t.data.length, 104, "sound format 11 byte + 103 bytes: two quality-6 frames");
  const pcm = await run("ffmpeg", ["-v", "error", "-y", "-c:a", "libspeex", "-i", file, "-f", "f32le", `${file}.f32`]);
  assert.is(pcm.code, 0, pcm.stderr);
  const bytes = readFileSync(`${file}.f32`);
  const samples = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~3)));
  const tone = tonePower(samples, 1000, 16000);
  const off = tonePower(samples, 1700, 16000);
  assert.ok(tone > 100 * off && tone > 1e-4, `1 kHz power ${tone.toExponential(2)}, 1.7 kHz ${off.toExponential(2)}`);
});

test.run();
