/**
 * The AAC-LC decoder against FFmpeg's own decoder (issue 11): every test signal at 8 to 48 kHz,
 * mono and stereo, coded by ffmpeg `aac` (its default twoloop coder, and with PNS, TNS and intensity
 * stereo), by our encoder, and the AAC tracks of the fixtures (FFmpeg FLVs, an FFmpeg RTMP server, OBS
 * to nginx-rtmp) decode to ffmpeg's PCM with an SNR of at least 80 dB and no error frame. Broken
 * frames are concealed and counted, never thrown.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { readAdtsFrames } from "../../../src/audio/aac/adts.ts";
import { AacDecoder } from "../../../src/audio/aac/decoder.ts";
import { toAdts } from "../../../src/audio/aac/index.ts";
import { ParseError, TranspondError } from "../../../src/errors.ts";
import { decodeAudioSpecificConfig } from "../../../src/codecs/aac-config.ts";
import { decodeAudioTag } from "../../../src/flv/audio-tag.ts";
import { FlvReader } from "../../../src/flv/file-reader.ts";
import { TAG_TYPE } from "../../../src/flv/tag.ts";
import { readCapture, tcpStreams } from "../../../src/pcap/index.ts";
import { ChunkReader } from "../../../src/rtmp/chunk/reader.ts";
import { e2eSuite } from "../../support/e2e.ts";
import { runFuzz } from "../../support/fuzz.ts";
import { fixture } from "../../support/fixtures.ts";
import { HANDSHAKE_BYTES } from "../../rtmp/captures.ts";
import { CHORDS, decodeAll, ffmpegEncodeAdts, matchesFfmpeg, RATES, signals, snrDb } from "./decoder-support.ts";
import { encodeAll, ffmpegPcm } from "./support.ts";

const test = e2eSuite("aac decoder", ["ffmpeg"]);

let dir = "";
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "aac-decoder-"));
});
test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("every signal, rate and channel count coded by ffmpeg decodes as ffmpeg's decoder does", () => {
  let worst = Infinity;
  for (const [name, input] of Object.entries(signals(dir))) {
    for (const rate of RATES) {
      for (const channels of [1, 2]) {
        const snr = matchesFfmpeg(`${name} ${rate} Hz ${channels} ch`, ffmpegEncodeAdts(input, rate, channels, []));
        worst = Math.min(worst, snr);
      }
    }
  }
  console.log(`  worst SNR against ffmpeg's decoder: ${worst.toFixed(1)} dB`);
});

test("our encoder's frames decode as ffmpeg decodes them", () => {
  for (const [rate, channels] of [[8000, 1], [48000, 2]] as const) {
    const pcm = ffmpegPcm(["-f", "lavfi", "-i", CHORDS], rate, channels);
    const opts = { sampleRate: rate, channels, bitrate: 32000 * channels };
    const adts = concat(encodeAll(pcm, opts).map((f) => toAdts(f, opts)));
    matchesFfmpeg(`our encoder ${rate} Hz ${channels} ch`, adts);
  }
});

interface AacTrack {
  readonly config: Uint8Array;
  readonly frames: Uint8Array[];
}

function trackOf(bodies: Iterable<Uint8Array>): AacTrack {
  let config: Uint8Array | undefined;
  const frames: Uint8Array[] = [];
  for (const body of bodies) {
    const tag = decodeAudioTag(body);
    if (tag.type === "aac-sequence-header") config = tag.config;
    if (tag.type === "aac-raw") frames.push(tag.data);
  }
  assert.ok(config, "an AAC sequence header");
  return { config, frames };
}

function flvTrack(name: string): AacTrack {
  const out = new FlvReader().push(new Uint8Array(readFileSync(fixture(name))));
  return trackOf(out.flatMap((o) => (o.type === "tag" && o.header.tagType === TAG_TYPE.AUDIO ? [o.data] : [])));
}

function rtmpTrack(bytes: Uint8Array): AacTrack {
  return trackOf(new ChunkReader().push(bytes.subarray(HANDSHAKE_BYTES)).filter((m) => m.typeId === 8).map((m) => m.payload));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

test("the fixtures' AAC tracks (FFmpeg FLV and RTMP, OBS) decode with no error frame, as ffmpeg decodes them", () => {
  const obs = tcpStreams(readCapture(new Uint8Array(readFileSync(fixture("rtmp_publish_obs27_to_nginx-rtmp_h264-720p_aac.pcap"))))).find((s) => s.server.port === 1935)!;
  const tracks: Record<string, AacTrack> = {
    "ffmpeg flv mono": flvTrack("flv_ffmpeg-lavf58_testsrc_1080p_h264-high_aac-mono_3s.flv"),
    "ffmpeg flv stereo": flvTrack("flv_ffmpeg-lavf61_bbb_480x270_h264-baseline_aac-stereo_33s.flv"),
    "ffmpeg rtmp server": rtmpTrack(new Uint8Array(readFileSync(fixture("rtmp_tcpstream_ffmpeg4.4_listen-server_server-to-client_aac.bin")))),
    "obs 27 publish": rtmpTrack(obs.clientToServer),
  };
  for (const [name, track] of Object.entries(tracks)) {
    const decoder = AacDecoder.fromAudioSpecificConfig(track.config);
    assert.ok(track.frames.length > 5, `${name}: AAC frames`);
    const asc = decodeAudioSpecificConfig(track.config);
    const adts = concat(track.frames.map((f) => toAdts(f, { sampleRate: asc.sampleRate, channels: asc.channelConfiguration })));
    const snr = matchesFfmpeg(name, adts);
    const ours = decodeAll(decoder, track.frames);
    assert.is(decoder.errorFrames, 0, `${name}: ${decoder.lastError?.message}`);
    // OBS published digital silence in this capture (ffmpeg decodes it to zeros too).
    assert.is(ours.some((v) => Math.abs(v) > 0.01), name !== "obs 27 publish", `${name}: sound`);
    console.log(`  ${name}: ${track.frames.length} frames, ${asc.sampleRate} Hz ${asc.channelConfiguration} ch, SNR ${snr.toFixed(1)} dB`);
  }
});

test("broken frames are concealed and counted; the stream goes on", () => {
  const adts = ffmpegEncodeAdts(["-f", "lavfi", "-i", "sine=f=1000:r=48000:d=1"], 48000, 2, []);
  const frames = readAdtsFrames(adts).map((f) => f.payload);
  const reference = decodeAll(new AacDecoder({ sampleRate: 48000, channels: 2 }), frames);
  const broken = frames.slice();
  broken[10] = broken[10]!.subarray(0, 5);
  broken[20] = new Uint8Array(broken[20]!.length).fill(0xff);
  broken[30] = new Uint8Array(0);
  broken[40] = Uint8Array.of(0x40, 0, 0, 0); // a coupling channel element
  const decoder = new AacDecoder({ sampleRate: 48000, channels: 2 });
  const out = decodeAll(decoder, broken);
  assert.is(decoder.errorFrames, 4);
  assert.is(decoder.frames, frames.length);
  assert.instance(decoder.lastError, ParseError);
  assert.is(out.length, reference.length);
  assert.ok(out.every(Number.isFinite));
  // Two frames after the last broken one, the output is the reference again.
  const from = 42 * 2048;
  assert.ok(snrDb(reference.subarray(from), out.subarray(from)) > 120, "decoding recovers");
  const mono = new AacDecoder({ sampleRate: 48000, channels: 1 });
  mono.decode(frames[5]!);
  assert.is(mono.errorFrames, 1, "a channel pair where the configuration says mono");
});

test("HE-AAC plays its AAC-LC core at the core rate", () => {
  const decoder = AacDecoder.fromAudioSpecificConfig(Uint8Array.of(0x2b, 0x92, 0x08, 0x00)); // AOT 5, 22.05 kHz core, 44.1 kHz out
  assert.equal([decoder.sampleRate, decoder.channels], [22050, 2]);
});

test("10,000 seeded mutations of real frames never throw out of decode and never give NaN", () => {
  const adts = ffmpegEncodeAdts(["-f", "lavfi", "-i", CHORDS], 44100, 2, ["-aac_pns", "1", "-aac_is", "1", "-aac_tns", "1", "-b:a", "64k"]);
  const frames = readAdtsFrames(adts).map((f) => f.payload);
  const decoder = new AacDecoder({ sampleRate: 44100, channels: 2 });
  const report = runFuzz("aac-decoder", {
    seed: 11,
    count: 10000,
    inputs: frames.filter((_, i) => i % 7 === 0),
    check: (bytes) => {
      const errors = decoder.errorFrames;
      const out = decoder.decode(bytes);
      assert.is(out.length, 2048);
      for (const v of out) if (!Number.isFinite(v)) throw new Error(`non-finite sample after ${decoder.errorFrames - errors} errors`);
    },
  });
  assert.is(report.cases, 10000);
  assert.ok(decoder.errorFrames > 1000, `${decoder.errorFrames} concealed frames`);
  const clean = new AacDecoder({ sampleRate: 44100, channels: 2 });
  assert.ok(decodeAll(clean, frames).every(Number.isFinite));
});

test("configurations outside AAC-LC mono/stereo are refused with a typed error", () => {
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.instance(err, TranspondError);
      return (err as TranspondError).code;
    }
    return "none";
  };
  assert.is(codeOf(() => AacDecoder.fromAudioSpecificConfig(Uint8Array.of(0x0a, 0x10))), "ERR_AAC_OBJECT_TYPE"); // AAC Main
  assert.is(codeOf(() => AacDecoder.fromAudioSpecificConfig(Uint8Array.of(0x11, 0xb0))), "ERR_AAC_CHANNELS"); // 6 channels
  assert.is(codeOf(() => readAdtsFrames(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))), "ERR_ADTS_SYNC");
  assert.is(codeOf(() => readAdtsFrames(toAdts(new Uint8Array(10), { sampleRate: 48000, channels: 2 }).subarray(0, 12))), "ERR_ADTS_TRUNCATED");
});

test.run();
