/**
 * Quality against FFmpeg's native encoder at the same bitrate on the same input (issue 3): 48 kHz
 * stereo at 128 kb/s, decoded by ffmpeg. Our SNR (aligned for the encoder delay) must be no more
 * than 1.5 dB below FFmpeg's, with no decoder errors, ffprobe reporting aac/LC/48000/2 and the
 * bitrate within 10% of the target.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as assert from "uvu/assert";
import { BitReader } from "../../../src/codecs/bits.ts";
import { AAC_ENCODER_DELAY } from "../../../src/audio/aac/index.ts";
import { e2eSuite, hasProgram } from "../../support/e2e.ts";
import { adtsStream, bestLag, encodeAll, ffmpegDecode, ffmpegEncode, ffmpegPcm, run, snrDb, totalBytes } from "./support.ts";

const test = e2eSuite("aac quality", ["ffmpeg", "ffprobe"]);
const RATE = 48000;
const CHANNELS = 2;
const BITRATE = 128000;
const opts = { sampleRate: RATE, channels: CHANNELS, bitrate: BITRATE } as const;
const MAX_GAP_DB = 1.5;

let dir = "";
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "aac-quality-"));
});
test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Measured {
  readonly ours: number;
  readonly ffmpeg: number;
  readonly kbps: number;
  readonly decoded: Float32Array;
  readonly lag: number;
}

function compare(name: string, pcm: Float32Array): Measured {
  const frames = encodeAll(pcm, opts);
  const adts = adtsStream(frames, opts);
  const ours = ffmpegDecode(adts);
  assert.is(ours.status, 0, `${name}: ffmpeg failed to decode our stream: ${ours.stderr}`);
  assert.is(ours.stderr, "", `${name}: ffmpeg reported decoder errors`);
  const probe = JSON.parse(run("ffprobe", ["-v", "error", "-show_streams", "-of", "json", "-f", "aac", "-i", "pipe:0"], adts).stdout.toString()) as {
    streams: { codec_name: string; profile: string; sample_rate: string; channels: number }[];
  };
  const s = probe.streams[0]!;
  assert.equal([s.codec_name, s.profile, s.sample_rate, s.channels], ["aac", "LC", "48000", 2], `${name}: ffprobe`);
  const theirs = ffmpegDecode(ffmpegEncode(pcm, RATE, CHANNELS, BITRATE));
  assert.is(theirs.status, 0);
  const lag = bestLag(pcm, ours.pcm, CHANNELS);
  assert.is(lag, AAC_ENCODER_DELAY, `${name}: decoded audio lags by the documented delay`);
  const snrOurs = snrDb(pcm, ours.pcm, CHANNELS, lag);
  const snrTheirs = snrDb(pcm, theirs.pcm, CHANNELS, bestLag(pcm, theirs.pcm, CHANNELS));
  const kbps = (totalBytes(frames) * 8) / ((frames.length * 1024) / RATE) / 1000;
  console.log(`  ${name}: SNR ours ${snrOurs.toFixed(2)} dB, ffmpeg ${snrTheirs.toFixed(2)} dB, ours ${kbps.toFixed(1)} kb/s`);
  assert.ok(Math.abs(kbps - BITRATE / 1000) <= BITRATE / 1000 / 10, `${name}: ${kbps.toFixed(1)} kb/s is not within 10% of ${BITRATE / 1000}`);
  assert.ok(snrOurs >= snrTheirs - MAX_GAP_DB, `${name}: SNR ${snrOurs.toFixed(2)} dB is more than ${MAX_GAP_DB} dB below ffmpeg's ${snrTheirs.toFixed(2)} dB`);
  return { ours: snrOurs, ffmpeg: snrTheirs, kbps, decoded: ours.pcm, lag };
}

/** Power of a single frequency over `n` samples of channel 0 (Goertzel). */
function tonePower(pcm: Float32Array, from: number, n: number, hz: number): number {
  const k = (2 * Math.PI * hz) / RATE;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = pcm[(from + i) * CHANNELS]! + 2 * Math.cos(k) * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - 2 * Math.cos(k) * s1 * s2;
}

test("a 1 kHz sine keeps its SNR, its peak at 1000 Hz and its level", () => {
  const pcm = ffmpegPcm(["-f", "lavfi", "-i", "sine=f=1000:r=48000:d=4"], RATE, CHANNELS);
  const m = compare("sine 1 kHz", pcm);
  const from = RATE + m.lag;
  let peak = 0;
  let peakHz = 0;
  for (let hz = 900; hz <= 1100; hz += 5) {
    const p = tonePower(m.decoded, from, RATE, hz);
    if (p > peak) {
      peak = p;
      peakHz = hz;
    }
  }
  assert.is(peakHz, 1000);
  const levelDb = 10 * Math.log10(peak / tonePower(pcm, RATE, RATE, 1000));
  assert.ok(Math.abs(levelDb) < 0.1, `level error ${levelDb.toFixed(3)} dB`);
});

test("a 50 Hz to 20 kHz sweep is no worse than ffmpeg's encoder", () => {
  compare("sweep", ffmpegPcm(["-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*(50*t+(20000-50)/(2*6)*t*t)):s=48000:d=6"], RATE, CHANNELS));
});

test("speech from espeak-ng is no worse than ffmpeg's encoder", () => {
  if (!hasProgram("espeak-ng")) {
    console.log("  skip: speech case needs espeak-ng on PATH");
    return;
  }
  const wav = join(dir, "speech.wav");
  const r = run("espeak-ng", ["-w", wav, "The quick brown fox jumps over the lazy dog. Transpond turns browser audio into AAC, and it must sound clean."]);
  assert.is(r.status, 0, r.stderr);
  compare("speech", ffmpegPcm(["-i", wav], RATE, CHANNELS));
});

test("a music-like signal (chords and pink noise) is no worse than ffmpeg's encoder", () => {
  const chords =
    "aevalsrc=0.2*sin(2*PI*261.63*t)+0.2*sin(2*PI*329.63*t)+0.2*sin(2*PI*392*t)+0.1*sin(2*PI*523.25*t)|" +
    "0.2*sin(2*PI*220*t)+0.2*sin(2*PI*277.18*t)+0.2*sin(2*PI*329.63*t):s=48000:d=5";
  const pcm = ffmpegPcm(
    ["-f", "lavfi", "-i", chords, "-f", "lavfi", "-i", "anoisesrc=c=pink:r=48000:a=0.1:d=5:seed=7",
      "-filter_complex", "[1]aformat=channel_layouts=stereo[n];[0][n]amix=inputs=2:normalize=0"],
    RATE, CHANNELS);
  compare("music-like", pcm);
});

test("drum-like clicks over a tone (block switching) are no worse than ffmpeg's encoder", () => {
  const clicks = "aevalsrc=0.1*sin(2*PI*440*t)+0.8*exp(-300*mod(t+0.1\\,0.25))*sin(2*PI*2500*t):s=48000:d=4";
  const pcm = ffmpegPcm(["-f", "lavfi", "-i", clicks], RATE, CHANNELS);
  compare("clicks", pcm);
  // The encoder really switched: count EIGHT_SHORT_SEQUENCE frames (CPE: id 3, tag 4, common_window 1,
  // ics_reserved_bit 1, then window_sequence 2 bits).
  const sequences = encodeAll(pcm, opts).map((f) => {
    const r = new BitReader(f);
    r.skip(9);
    return r.read(2);
  });
  const shortFrames = sequences.filter((s) => s === 2).length;
  assert.ok(shortFrames >= 14, `${shortFrames} EIGHT_SHORT frames for 16 clicks`);
  assert.ok(shortFrames <= 40, `${shortFrames} EIGHT_SHORT frames: too many for 16 clicks`);
});

test.run();
