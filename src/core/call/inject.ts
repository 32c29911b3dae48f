/**
 * `inject_stream`: a hub stream's audio sent into a SIP call. The injection is a sink of the stream;
 * its audio (Opus from WebRTC, AAC from RTMP, G.711) goes through an AudioTranscoder (here or in the
 * stream's codec worker) to the call's
 * G.711 law and ptime, and the packets replace the call's silence in CallAudioSender. Video is
 * ignored. The transcoder is made again when the stream's audio config changes; frames that come
 * while it is being made (a worker's codec can take a while to load on a busy host) wait for it.
 */
import type { AudioConfig, AudioFrame } from "../../codecs/frame.ts";
import type { Transcoder, TranscoderMaker } from "../../audio/transcoders.ts";
import type { Logger } from "../../log.ts";
import type { CallAudioSender } from "./audio-out.ts";
import type { Stream } from "../stream/stream.ts";

/** Frames held while the transcoder is being made (about 2 s of G.711 or AAC). */
const MAX_WAITING = 100;

export class CallInjection {
  readonly streamName: string;
  #transcoder: Transcoder | undefined;
  #making: Promise<void> | undefined;
  #waiting: AudioFrame[] = [];
  #detach: () => void;
  #stopped = false;
  /** frames that could not be injected: more than MAX_WAITING came while the transcoder was being made, or it could not be made */
  dropped = 0;

  constructor(
    stream: Stream,
    private readonly sender: CallAudioSender,
    private readonly callId: string,
    private readonly log: Logger,
    private readonly make: TranscoderMaker,
  ) {
    this.streamName = stream.name;
    this.#detach = stream.addSink({
      config: (c) => {
        if (c.codec !== "H264") this.#configure(c as AudioConfig);
      },
      frame: (f) => {
        if (f.kind === "audio") this.#frame(f);
      },
      end: () => this.stop(),
    }, "sip");
  }

  #configure(config: AudioConfig): void {
    this.dropped += this.#waiting.length;
    this.#waiting = [];
    const made = this.make({ source: config, target: { codec: this.sender.law, ptimeMs: this.sender.ptimeMs } }, (frames) => this.#inject(frames)).then(
      (t) => {
        if (this.#stopped || this.#making !== made) return t.close();
        this.#making = undefined;
        this.#transcoder?.close();
        this.#transcoder = t;
        const waiting = this.#waiting;
        this.#waiting = [];
        for (const frame of waiting) this.#inject(t.push(frame));
      },
      (err: unknown) => {
        if (this.#making !== made) return;
        this.#making = undefined;
        this.dropped += this.#waiting.length;
        this.#waiting = [];
        this.log.warn("stream audio cannot be injected into the call", { callId: this.callId, stream: this.streamName, error: err as Error });
      },
    );
    this.#making = made;
  }

  #frame(frame: AudioFrame): void {
    if (this.#making && this.#waiting.length < MAX_WAITING) this.#waiting.push(frame);
    else if (!this.#making && this.#transcoder) this.#inject(this.#transcoder.push(frame));
    else this.dropped++;
  }

  #inject(frames: readonly AudioFrame[]): void {
    if (this.#stopped) return;
    for (const out of frames) this.sender.inject(out);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#detach();
    this.#waiting = [];
    this.#transcoder?.close();
    this.#transcoder = undefined;
    this.sender.clearInjected();
  }
}
