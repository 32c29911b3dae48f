/**
 * Fakes for transponder tests: an RTMP output whose start succeeds or fails as scripted and that
 * records what is sent, and an audio path that passes frames through.
 */
import type { AudioConfig, AudioFrame, Frame, TrackConfig } from "../../../src/codecs/frame.ts";
import type { PcmBlock } from "../../../src/audio/pcm.ts";
import type { AudioPath } from "../../../src/core/push/audio-path.ts";
import { RtmpPublishError, type RtmpOutput, type RtmpOutputMetadata } from "../../../src/core/push/rtmp-output.ts";
import type { RtmpPublisherEvents } from "../../../src/rtmp/client/publisher.ts";
import type { RtmpTarget } from "../../../src/rtmp/client/url.ts";
import { TypedEmitter } from "../../../src/events.ts";

export type Outcome = "ok" | "gated" | "refused" | "unreachable" | "closed" | "app-refused";

export class FakeOutput extends TypedEmitter<RtmpPublisherEvents> implements RtmpOutput {
  sent: string[] = [];
  bufferedBytes = 0;
  stopped = false;
  constructor(
    readonly target: RtmpTarget,
    private readonly outcome: Outcome,
  ) {
    super();
  }
  /** resolves a "gated" start */
  open: () => void = () => {};
  async start(): Promise<void> {
    if (this.outcome === "gated") await new Promise<void>((done) => (this.open = done));
    if (this.outcome === "app-refused") throw new RtmpPublishError("ERR_RTMP_CONNECT_REJECTED", "NetConnection.Connect.Rejected: no such application", false);
    if (this.outcome === "refused") throw new RtmpPublishError("ERR_RTMP_PUBLISH_REJECTED", "NetStream.Publish.BadName: name in use", false);
    if (this.outcome === "unreachable") throw new RtmpPublishError("ERR_RTMP_CONNECT", "connect ECONNREFUSED", true);
    if (this.outcome === "closed") throw new RtmpPublishError("ERR_RTMP_CLOSED_ON_PUBLISH", "the server closed the connection before publishing started", true);
  }
  sendMetadata(m: RtmpOutputMetadata): void {
    this.sent.push(`meta ${m.width}x${m.height} ${m.audioCodec}`);
  }
  sendConfig(c: TrackConfig, ts: number): void {
    this.sent.push(`config ${c.codec}@${ts}`);
  }
  sendFrame(f: Frame, ts: number): void {
    this.sent.push(`${f.kind}${f.kind === "video" && f.key ? "K" : ""}@${ts}`);
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  drop(reason: string): void {
    this.emit("close", { reason });
  }
  drain(): void {
    this.emit("drain", undefined);
  }
}

export class FakeAudio implements AudioPath {
  config: AudioConfig | undefined;
  muted = false;
  soundEnabled = false;
  sound?: PcmBlock;
  /** hands frames to the transponder later, as a path whose codecs run in a worker does */
  deliver: (frames: AudioFrame[]) => void = () => {};
  onOutput(deliver: (frames: AudioFrame[]) => void): void {
    this.deliver = deliver;
  }
  setSourceConfig(c: AudioConfig): void {
    this.config = c;
  }
  push(f: AudioFrame): AudioFrame[] {
    return [f];
  }
  setMuted(m: boolean): void {
    this.muted = m;
  }
  soundOn(pcm: PcmBlock): void {
    this.soundEnabled = true;
    this.sound = pcm;
  }
  tick(): AudioFrame[] {
    return [];
  }
  close(): void {}
  soundOff(): void {
    this.soundEnabled = false;
  }
}
