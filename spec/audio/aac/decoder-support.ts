/**
 * Helpers of the AAC decoder tests: decode with ours and with ffmpeg's decoder, compare, and the
 * encoder suite's test signals as ffmpeg inputs.
 */
import { join } from "node:path";
import * as assert from "uvu/assert";
import { readAdtsFrames } from "../../../src/audio/aac/adts.ts";
import { AacDecoder } from "../../../src/audio/aac/decoder.ts";
import { hasProgram } from "../../support/e2e.ts";
import { run } from "./support.ts";

export const MIN_SNR_DB = 80;
export const RATES = [8000, 16000, 22050, 44100, 48000];

function f32(buf: Buffer): Float32Array {
  return new Float32Array(new Uint8Array(buf).buffer, 0, buf.length >> 2);
}

/** FFmpeg's decoder output for an ADTS stream, failing on any decoder error. */
function ffmpegDecodeAdts(adts: Uint8Array): Float32Array {
  const r = run("ffmpeg", ["-v", "error", "-err_detect", "explode", "-f", "aac", "-i", "pipe:0", "-f", "f32le", "pipe:1"], adts);
  assert.is(r.status, 0, r.stderr);
  return f32(r.stdout);
}

export function decodeAll(decoder: AacDecoder, frames: readonly Uint8Array[]): Float32Array {
  const out = new Float32Array(frames.length * 1024 * decoder.channels);
  frames.forEach((f, i) => out.set(decoder.decode(f), i * 1024 * decoder.channels));
  return out;
}

export function snrDb(reference: Float32Array, decoded: Float32Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i]! ** 2;
    noise += (reference[i]! - decoded[i]!) ** 2;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/** Decodes the ADTS stream with ours and ffmpeg's decoder; asserts same length, no errors, the SNR. */
export function matchesFfmpeg(name: string, adts: Uint8Array): number {
  const frames = readAdtsFrames(adts);
  const decoder = new AacDecoder({ sampleRate: frames[0]!.sampleRate, channels: frames[0]!.channels as 1 | 2 });
  const ours = decodeAll(decoder, frames.map((f) => f.payload));
  const theirs = ffmpegDecodeAdts(adts);
  assert.is(decoder.errorFrames, 0, `${name}: ${decoder.lastError?.message}`);
  assert.is(ours.length, theirs.length, `${name}: sample count`);
  const snr = snrDb(theirs, ours);
  assert.ok(snr >= MIN_SNR_DB, `${name}: SNR ${snr.toFixed(1)} dB against ffmpeg's decoder`);
  return snr;
}

export function ffmpegEncodeAdts(inputArgs: string[], rate: number, channels: number, codecArgs: string[]): Uint8Array {
  const r = run("ffmpeg", ["-v", "error", ...inputArgs, "-ar", String(rate), "-ac", String(channels), "-c:a", "aac", ...codecArgs, "-f", "adts", "pipe:1"]);
  assert.is(r.status, 0, r.stderr);
  return new Uint8Array(r.stdout);
}

export const CHORDS =
  "aevalsrc=0.2*sin(2*PI*261.63*t)+0.2*sin(2*PI*329.63*t)+0.2*sin(2*PI*392*t)+0.1*sin(2*PI*523.25*t)+0.05*random(0)|" +
  "0.2*sin(2*PI*220*t)+0.2*sin(2*PI*277.18*t)+0.2*sin(2*PI*329.63*t)+0.05*random(1):s=48000:d=1";

/** The encoder suite's signals as ffmpeg input arguments (speech, written to `dir`, needs espeak-ng). */
export function signals(dir: string): Record<string, string[]> {
  const out: Record<string, string[]> = {
    "1 kHz": ["-f", "lavfi", "-i", "sine=f=1000:r=48000:d=1"],
    sweep: ["-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*(50*t+(20000-50)/2*t*t)):s=48000:d=1"],
    music: ["-f", "lavfi", "-i", CHORDS],
    clicks: ["-f", "lavfi", "-i", "aevalsrc=0.1*sin(2*PI*440*t)+0.8*exp(-300*mod(t+0.1\\,0.25))*sin(2*PI*2500*t):s=48000:d=1"],
  };
  if (hasProgram("espeak-ng")) {
    const wav = join(dir, "speech.wav");
    const r = run("espeak-ng", ["-w", wav, "The quick brown fox jumps over the lazy dog."]);
    assert.is(r.status, 0, r.stderr);
    out.speech = ["-i", wav];
  } else {
    console.log("  skip: speech signal needs espeak-ng on PATH");
  }
  return out;
}

