/**
 * RIFF/RIFX WAVE reader for sound injection: uncompressed PCM only.
 *
 * Layout (Microsoft "Multimedia Programming Interface and Data Specifications 1.0", RIFF; RIFX is
 * the same with big-endian numbers):
 *   "RIFF" | "RIFX"  u32 size  "WAVE"  then chunks: id[4] u32 size, data, one pad byte if size is odd
 *   "fmt "  u16 wFormatTag  u16 nChannels  u32 nSamplesPerSec  u32 nAvgBytesPerSec
 *           u16 nBlockAlign  u16 wBitsPerSample  [u16 cbSize
 *           [u16 wValidBitsPerSample  u32 dwChannelMask  GUID SubFormat]]   (WAVE_FORMAT_EXTENSIBLE)
 *   "data"  interleaved frames of nBlockAlign bytes
 * Other chunks (LIST, fact, cue, bext, ...) are skipped. A data size of 0xFFFFFFFF (a file written to a
 * pipe) means "to the end of the file"; any other size past the end is refused. Accepted: wFormatTag 1 (PCM: unsigned 8,
 * signed 16/24/32 bit), 3 (IEEE float 32/64 bit), and 0xFFFE with the PCM or float SubFormat GUID.
 * Anything else is refused with a ParseError whose code names the problem. Samples become floats
 * exactly as ffmpeg converts them to f32 (u8: (v-128)/128, sN: v/2^(N-1)).
 */
import { ParseError } from "../errors.ts";
import type { PcmBlock } from "./pcm.ts";
import { AUDIO_ERR } from "./errors.ts";

export interface WavLimits {
  /** largest data chunk accepted, bytes (default 256 MiB) */
  readonly maxDataBytes?: number;
}

export interface WavFile {
  readonly byteOrder: "little" | "big";
  readonly encoding: "pcm" | "float";
  readonly bitsPerSample: number;
  readonly sampleRate: number;
  readonly channels: number;
  readonly frames: number;
  readonly pcm: PcmBlock;
}

export const WAV_MAX_CHANNELS = 64;
export const WAV_MIN_RATE = 1000;
export const WAV_MAX_RATE = 768000;
const DEFAULT_MAX_DATA = 256 * 1024 * 1024;
/** data size written by streaming writers that could not seek back: "until the end of the file" */
const STREAMING_SIZE = 0xffffffff;

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT are {0000000T-0000-0010-8000-00aa00389b71}, T = format tag */
const GUID_DATA4 = [0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/**
 * The format tag inside a SubFormat GUID, or -1 when the GUID is not of the {0000xxxx-0000-0010-8000-
 * 00aa00389b71} family. Data1..Data3 are little-endian in RIFF. RIFX writers differ: some store the
 * fields big-endian, sox stores the tag as a big-endian u16 at the start; both are accepted in RIFX.
 */
function subFormat(view: DataView, g: number, le: boolean): number {
  if (!GUID_DATA4.every((v, i) => view.getUint8(g + 8 + i) === v)) return -1;
  const b = (i: number) => view.getUint8(g + i);
  const tail = (k: number) => b(4) === 0 && b(5) === 0 && ((b(6) === 0x10 && b(7) === 0) || (k === 1 && b(6) === 0 && b(7) === 0x10));
  if (b(2) === 0 && b(3) === 0 && tail(le ? 0 : 1)) {
    if (le) return b(0) | (b(1) << 8);
    const lo = b(0) | (b(1) << 8);
    return lo === WAVE_FORMAT_PCM || lo === WAVE_FORMAT_IEEE_FLOAT ? lo : (b(0) << 8) | b(1);
  }
  if (!le && b(0) === 0 && b(1) === 0 && tail(1)) return (b(2) << 8) | b(3);
  return -1;
}

const FORMAT_NAMES: Record<number, string> = {
  0x0002: "MS ADPCM",
  0x0006: "A-law",
  0x0007: "µ-law",
  0x0011: "IMA ADPCM",
  0x0031: "GSM 6.10",
  0x0050: "MPEG",
  0x0055: "MP3",
  0x00ff: "AAC",
};

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
}

interface Format {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bits: number;
}

function readFormat(view: DataView, at: number, size: number, le: boolean): Format {
  if (size < 16) throw new ParseError(AUDIO_ERR.WAV_FMT_SHORT, `fmt chunk is ${size} bytes, needs at least 16`, at);
  const f: Format = {
    tag: view.getUint16(at, le),
    channels: view.getUint16(at + 2, le),
    sampleRate: view.getUint32(at + 4, le),
    blockAlign: view.getUint16(at + 12, le),
    bits: view.getUint16(at + 14, le),
  };
  if (f.tag === WAVE_FORMAT_EXTENSIBLE) {
    const cbSize = size >= 18 ? view.getUint16(at + 16, le) : 0;
    if (size < 40 || cbSize < 22) {
      throw new ParseError(AUDIO_ERR.WAV_EXTENSIBLE, `WAVE_FORMAT_EXTENSIBLE needs a 22-byte extension (cbSize ${cbSize}, chunk ${size} bytes)`, at);
    }
    const valid = view.getUint16(at + 18, le);
    if (valid > f.bits) {
      throw new ParseError(AUDIO_ERR.WAV_EXTENSIBLE, `wValidBitsPerSample ${valid} exceeds the ${f.bits}-bit container`, at + 18);
    }
    const sub = subFormat(view, at + 24, le);
    if (sub !== WAVE_FORMAT_PCM && sub !== WAVE_FORMAT_IEEE_FLOAT) {
      throw new ParseError(AUDIO_ERR.WAV_FORMAT, "WAVE_FORMAT_EXTENSIBLE sub-format is not PCM or IEEE float", at + 24);
    }
    f.tag = sub;
  }
  if (f.tag !== WAVE_FORMAT_PCM && f.tag !== WAVE_FORMAT_IEEE_FLOAT) {
    const name = FORMAT_NAMES[f.tag] ?? `format tag 0x${f.tag.toString(16).padStart(4, "0")}`;
    throw new ParseError(AUDIO_ERR.WAV_FORMAT, `compressed or unknown WAV encoding (${name}); only PCM and float are read`, at);
  }
  if (f.channels === 0 || f.channels > WAV_MAX_CHANNELS) {
    throw new ParseError(AUDIO_ERR.WAV_CHANNELS, `${f.channels} channels (1..${WAV_MAX_CHANNELS} accepted)`, at + 2);
  }
  if (f.sampleRate < WAV_MIN_RATE || f.sampleRate > WAV_MAX_RATE) {
    throw new ParseError(AUDIO_ERR.WAV_RATE, `sample rate ${f.sampleRate} Hz (${WAV_MIN_RATE}..${WAV_MAX_RATE} accepted)`, at + 4);
  }
  const okBits = f.tag === WAVE_FORMAT_PCM ? [8, 16, 24, 32] : [32, 64];
  if (!okBits.includes(f.bits)) {
    const kind = f.tag === WAVE_FORMAT_PCM ? "PCM" : "float";
    throw new ParseError(AUDIO_ERR.WAV_BITS, `${f.bits}-bit ${kind} samples (${okBits.join("/")} accepted)`, at + 14);
  }
  if (f.blockAlign !== (f.channels * f.bits) / 8) {
    throw new ParseError(AUDIO_ERR.WAV_BLOCK_ALIGN, `block align ${f.blockAlign} does not match ${f.channels} x ${f.bits} bits`, at + 12);
  }
  return f;
}

function convert(bytes: Uint8Array, f: Format, le: boolean, frames: number): Float32Array {
  const n = frames * f.channels;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (f.tag === WAVE_FORMAT_IEEE_FLOAT) {
    if (f.bits === 32) for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, le);
    else for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, le);
    return out;
  }
  switch (f.bits) {
    case 8:
      for (let i = 0; i < n; i++) out[i] = (bytes[i]! - 128) / 128;
      break;
    case 16:
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, le) / 32768;
      break;
    case 24:
      for (let i = 0; i < n; i++) {
        const a = bytes[i * 3]!, b = bytes[i * 3 + 1]!, c = bytes[i * 3 + 2]!;
        const v = le ? a | (b << 8) | (c << 16) : c | (b << 8) | (a << 16);
        out[i] = ((v << 8) >> 8) / 8388608;
      }
      break;
    default:
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, le) / 2147483648;
  }
  return out;
}

/** Parse a whole WAV file held in memory. The input is not changed. */
export function decodeWav(bytes: Uint8Array, limits: WavLimits = {}): WavFile {
  if (bytes.length < 12) throw new ParseError(AUDIO_ERR.WAV_TRUNCATED, `file is ${bytes.length} bytes, shorter than a RIFF header`, 0);
  const magic = fourcc(bytes, 0);
  if (magic !== "RIFF" && magic !== "RIFX") {
    const hint = magic === "RF64" ? " (RF64 is not supported)" : "";
    throw new ParseError(AUDIO_ERR.WAV_NOT_RIFF, `not a RIFF/RIFX file${hint}`, 0);
  }
  if (fourcc(bytes, 8) !== "WAVE") throw new ParseError(AUDIO_ERR.WAV_NOT_WAVE, `RIFF form type is not WAVE`, 8);
  const le = magic === "RIFF";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const maxData = limits.maxDataBytes ?? DEFAULT_MAX_DATA;
  let format: Format | undefined;
  let data: { at: number; size: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(bytes, at);
    const size = view.getUint32(at + 4, le);
    const body = at + 8;
    if (id === "fmt ") {
      if (format) throw new ParseError(AUDIO_ERR.WAV_DUPLICATE_FMT, "more than one fmt chunk", at);
      if (body + size > bytes.length) throw new ParseError(AUDIO_ERR.WAV_TRUNCATED, `fmt chunk of ${size} bytes runs past the end of the file`, at);
      format = readFormat(view, body, size, le);
    } else if (id === "data") {
      if (data) throw new ParseError(AUDIO_ERR.WAV_DUPLICATE_DATA, "more than one data chunk", at);
      if (size === STREAMING_SIZE) {
        // written to a pipe (ffmpeg, sox): the data runs to the end of the file
        const rest = bytes.length - body;
        if (rest > maxData) throw new ParseError(AUDIO_ERR.WAV_TOO_LARGE, `data of ${rest} bytes exceeds the ${maxData}-byte limit`, at);
        data = { at: body, size: rest };
        if (format) break;
        at = bytes.length;
        continue;
      }
      if (size > maxData) throw new ParseError(AUDIO_ERR.WAV_TOO_LARGE, `data chunk of ${size} bytes exceeds the ${maxData}-byte limit`, at);
      if (body + size > bytes.length) {
        throw new ParseError(AUDIO_ERR.WAV_DATA_PAST_END, `data chunk claims ${size} bytes but only ${bytes.length - body} remain`, at);
      }
      data = { at: body, size };
    } else if (body + size > bytes.length) {
      throw new ParseError(AUDIO_ERR.WAV_CHUNK_PAST_END, `chunk "${printable(id)}" of ${size} bytes runs past the end of the file`, at);
    }
    if (format && data) break;
    at = body + size + (size & 1);
  }
  if (!format) throw new ParseError(AUDIO_ERR.WAV_NO_FMT, "no fmt chunk", at);
  if (!data) throw new ParseError(AUDIO_ERR.WAV_NO_DATA, "no data chunk", at);
  // a partial frame at the end is ignored, as ffmpeg does
  const frames = Math.floor(data.size / format.blockAlign);
  const samples = convert(bytes.subarray(data.at, data.at + frames * format.blockAlign), format, le, frames);
  return {
    byteOrder: le ? "little" : "big",
    encoding: format.tag === WAVE_FORMAT_PCM ? "pcm" : "float",
    bitsPerSample: format.bits,
    sampleRate: format.sampleRate,
    channels: format.channels,
    frames,
    pcm: { sampleRate: format.sampleRate, channels: format.channels, samples },
  };
}

function printable(id: string): string {
  return id.replace(/[^\x20-\x7e]/g, "?");
}
