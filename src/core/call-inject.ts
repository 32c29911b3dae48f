/**
 * `inject_stream`: a hub stream's audio sent into a SIP call. The injection is a sink of the stream;
 * its audio (Opus from WebRTC, AAC from RTMP, G.711) goes through an AudioTranscoder to the call's
 * G.711 law and ptime, and the packets replace the call's silence in CallAudioSender. Video is
 * ignored. The transcoder is made again when the stream's audio config changes.
 */
import type { AudioConfig, AudioFrame } from "../codecs/frame.ts";
import { AudioTranscoder } from "../audio/transcoder.ts";
import type { Logger } from "../log.ts";
import type { CallAudioSender } from "./call-audio-out.ts";
import type { Stream } from "./stream.ts";

export class CallInjection {
  readonly streamName: string;
  #transcoder: AudioTranscoder | undefined;
  #making: Promise<void> | undefined;
  #detach: () => void;
  #stopped = false;
  /** frames that came while the transcoder was being made */
  dropped = 0;

  constructor(
    stream: Stream,
    private readonly sender: CallAudioSender,
    private readonly callId: string,
    private readonly log: Logger,
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
    });
  }

  #configure(config: AudioConfig): void {
    const made = AudioTranscoder.create({ source: config, target: { codec: this.sender.law, ptimeMs: this.sender.ptimeMs } }).then(
      (t) => {
        if (this.#stopped || this.#making !== made) return t.close();
        this.#making = undefined;
        this.#transcoder?.close();
        this.#transcoder = t;
      },
      (err: unknown) => this.log.warn("stream audio cannot be injected into the call", { callId: this.callId, stream: this.streamName, error: err as Error }),
    );
    this.#making = made;
  }

  #frame(frame: AudioFrame): void {
    if (!this.#transcoder) {
      this.dropped++;
      return;
    }
    for (const out of this.#transcoder.push(frame)) this.sender.inject(out);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#detach();
    this.#transcoder?.close();
    this.#transcoder = undefined;
    this.sender.clearInjected();
  }
}
