/**
 * What `transpond trace` says about an audio (8) or video (9) message body: codec, keyframe flag,
 * and for sequence headers the decoded configuration (AVC: profile/level and size from the SPS;
 * AAC: object type, rate, channels from the AudioSpecificConfig); G.711 and Speex with the rate FLV
 * implies for them, Speex with its frame count per message. Never throws: a body that does not
 * decode gets an `error` text, which the trace lists as a problem.
 */
import { parseSps } from "../codecs/h264/sps.ts";
import { decodeAudioSpecificConfig } from "../codecs/aac-config.ts";
import { decodeAvcConfig } from "../flv/avc-config.ts";
import { errorMessage } from "../errors.ts";
import { SPEEX_WB_SAMPLE_RATE, speexPacketInfo } from "../codecs/speex.ts";

const VIDEO_CODECS: Readonly<Record<number, string>> = { 1: "JPEG", 2: "H263", 3: "Screen", 4: "VP6", 5: "VP6A", 6: "Screen2", 7: "H264", 12: "HEVC" };
const AUDIO_CODECS: Readonly<Record<number, string>> = {
  0: "PCM",
  1: "ADPCM",
  2: "MP3",
  3: "PCM-LE",
  4: "Nellymoser-16k",
  5: "Nellymoser-8k",
  6: "Nellymoser",
  7: "G711A",
  8: "G711U",
  10: "AAC",
  11: "Speex",
  14: "MP3-8k",
  15: "Device",
};

export interface MediaInfo {
  readonly kind: "video" | "audio";
  readonly codec: string;
  /** video: frame type 1 (keyframe); audio: always false */
  readonly key: boolean;
  /** AVC/AAC sequence header (configuration record) */
  readonly sequenceHeader: boolean;
  /** AVC end of sequence */
  readonly endOfSequence?: boolean;
  /** AVC composition time offset (ms) */
  readonly compositionTime?: number;
  readonly avc?: { readonly profile: number; readonly level: number; readonly width?: number; readonly height?: number; readonly fps?: number };
  readonly aac?: { readonly objectType: number; readonly sampleRate: number; readonly channels: number };
  /** G.711 and Speex: the implied rate and channels; Speex: the speech frames in this message */
  readonly sound?: { readonly sampleRate: number; readonly channels: number; readonly frames?: number };
  /** the body could not be decoded */
  readonly error?: string;
}

export function describeVideo(p: Uint8Array): MediaInfo {
  if (p.length === 0) return { kind: "video", codec: "none", key: false, sequenceHeader: false, error: "empty video message" };
  const frameType = p[0]! >> 4;
  const codecId = p[0]! & 0x0f;
  const codec = VIDEO_CODECS[codecId] ?? `codec ${codecId}`;
  const base = { kind: "video" as const, codec, key: frameType === 1 };
  if (codecId !== 7) return { ...base, sequenceHeader: false };
  if (p.length < 5) return { ...base, sequenceHeader: false, error: `AVC video message of ${p.length} bytes is shorter than its 5-byte header` };
  const packetType = p[1]!;
  const ct = (p[2]! << 16) | (p[3]! << 8) | p[4]!;
  const compositionTime = ct & 0x800000 ? ct - 0x1000000 : ct;
  if (packetType === 2) return { ...base, sequenceHeader: false, endOfSequence: true };
  if (packetType !== 0) return { ...base, sequenceHeader: false, compositionTime };
  try {
    const config = decodeAvcConfig(p.subarray(5));
    let size: { width?: number; height?: number; fps?: number } = {};
    const sps = config.sps[0];
    if (sps !== undefined) {
      const parsed = parseSps(sps);
      size = { width: parsed.width, height: parsed.height, ...(parsed.fps !== undefined ? { fps: parsed.fps } : {}) };
    }
    return { ...base, sequenceHeader: true, avc: { profile: config.profileIndication, level: config.levelIndication, ...size } };
  } catch (err) {
    return { ...base, sequenceHeader: true, error: `AVC sequence header: ${errorMessage(err)}` };
  }
}

export function describeAudio(p: Uint8Array): MediaInfo {
  if (p.length === 0) return { kind: "audio", codec: "none", key: false, sequenceHeader: false, error: "empty audio message" };
  const format = p[0]! >> 4;
  const base = { kind: "audio" as const, codec: AUDIO_CODECS[format] ?? `format ${format}`, key: false };
  if (format === 7 || format === 8) return { ...base, sequenceHeader: false, sound: { sampleRate: 8000, channels: 1 } };
  if (format === 11) return describeSpeex(base, p.subarray(1));
  if (format !== 10) return { ...base, sequenceHeader: false };
  if (p.length < 2) return { ...base, sequenceHeader: false, error: "AAC audio message without its packet type" };
  if (p[1] !== 0) return { ...base, sequenceHeader: false };
  try {
    const asc = decodeAudioSpecificConfig(p.subarray(2));
    return { ...base, sequenceHeader: true, aac: { objectType: asc.audioObjectType, sampleRate: asc.sampleRate, channels: asc.channelConfiguration } };
  } catch (err) {
    return { ...base, sequenceHeader: true, error: `AAC sequence header: ${errorMessage(err)}` };
  }
}

function describeSpeex(base: { kind: "audio"; codec: string; key: boolean }, packet: Uint8Array): MediaInfo {
  const sound = { sampleRate: SPEEX_WB_SAMPLE_RATE, channels: 1 };
  try {
    return { ...base, sequenceHeader: false, sound: { ...sound, frames: speexPacketInfo(packet).frames } };
  } catch (err) {
    return { ...base, sequenceHeader: false, sound, error: `Speex: ${errorMessage(err)}` };
  }
}

/** Media that needs a sequence header first (AVC NALUs, raw AAC). */
export function needsSequenceHeader(m: MediaInfo): boolean {
  return !m.sequenceHeader && m.endOfSequence !== true && (m.codec === "H264" || m.codec === "AAC");
}
