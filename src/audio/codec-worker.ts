/**
 * The entry of a codec worker thread (./worker-pool.ts): one AudioTranscoder per pool session, fed
 * and drained by the jobs of ./pooled-transcoder.ts. Encoded frames go back with their buffers
 * transferred.
 */
import type { AudioFrame } from "../codecs/frame.ts";

import type { PcmBlock } from "./pcm.ts";
import { AudioTranscoder, type TranscoderOptions } from "./transcoder.ts";
import { serveJobs } from "./worker-pool.ts";
import { AUDIO_ERR, AudioError } from "./errors.ts";

const transcoders = new Map<number, AudioTranscoder>();

function transcoderOf(session: number): AudioTranscoder {
  const t = transcoders.get(session);
  if (!t) throw new AudioError(AUDIO_ERR.WORKER_SESSION, `no transcoder for session ${session}`);
  return t;
}

/** Frames out with their buffers handed over; a view into a larger buffer is cut out first. */
function framesReply(frames: AudioFrame[]): { result: AudioFrame[]; transfer: ArrayBuffer[] } {
  const owned = frames.map((f) => (f.data.byteOffset === 0 && f.data.byteLength === f.data.buffer.byteLength ? f : { ...f, data: f.data.slice() }));
  return { result: owned, transfer: owned.map((f) => f.data.buffer as ArrayBuffer) };
}

/**
 * Compiles the Opus and AAC codecs once when the worker starts: the first transcoder that needs one
 * otherwise waits for the WebAssembly compile (0.2 s on a loaded 2-core host, 2 ms once compiled),
 * and a stream injected into a call lost that much audio at its start.
 */
async function warmUp(): Promise<void> {
  const opus = { codec: "OPUS", sampleRate: 48000, channels: 2 } as const;
  const aac = { codec: "AAC", sampleRate: 48000, channels: 2 } as const;
  for (const options of [{ source: opus, target: { codec: "AAC" } }, { source: aac, target: { codec: "OPUS" } }] as const) {
    (await AudioTranscoder.create(options)).close();
  }
}

void warmUp().catch(() => undefined); // a codec that cannot load fails again, with its error, in the job that needs it

serveJobs({
  create: async (session, options: TranscoderOptions) => {
    const made = await AudioTranscoder.create(options);
    transcoders.get(session)?.close();
    transcoders.set(session, made);
    return { result: made.output };
  },
  push: (session, frame: AudioFrame) => framesReply(transcoderOf(session).push(frame)),
  tick: (session, nowMs: number) => framesReply(transcoderOf(session).tick(nowMs)),
  flush: (session) => framesReply(transcoderOf(session).flush()),
  mute: (session, muted: boolean) => ({ result: transcoderOf(session).setMuted(muted) }),
  soundOn: (session, sound: { pcm: PcmBlock; loop: boolean }) => ({ result: transcoderOf(session).soundOn(sound.pcm, sound.loop) }),
  soundOff: (session) => ({ result: transcoderOf(session).soundOff() }),
  close: (session) => {
    transcoders.get(session)?.close();
    transcoders.delete(session);
    return { result: undefined };
  },
});
