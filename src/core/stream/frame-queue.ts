/**
 * A bounded send queue between a stream and a slow consumer (DESIGN: sinks never block a source).
 * When the queued media spans more than `maxSpanMs`, video is dropped up to the next keyframe (never
 * half a GOP) and audio older than the span is dropped; what was dropped is counted.
 */
import type { Frame } from "../../codecs/frame.ts";

export interface FrameQueueStats {
  queued: number;
  droppedVideo: number;
  droppedAudio: number;
}

export class FrameQueue {
  private frames: Frame[] = [];
  private waitingForKey = false;
  private readonly maxSpanMs: number;
  readonly stats: FrameQueueStats = { queued: 0, droppedVideo: 0, droppedAudio: 0 };

  constructor(maxSpanMs: number) {
    this.maxSpanMs = maxSpanMs;
  }

  get length(): number {
    return this.frames.length;
  }

  push(frame: Frame): void {
    if (frame.kind === "video" && this.waitingForKey) {
      if (!frame.key) {
        this.stats.droppedVideo++;
        return;
      }
      this.waitingForKey = false;
    }
    this.frames.push(frame);
    this.stats.queued = this.frames.length;
    if (this.spanMs() > this.maxSpanMs) this.shed();
  }

  shift(): Frame | undefined {
    const frame = this.frames.shift();
    this.stats.queued = this.frames.length;
    return frame;
  }

  clear(): void {
    this.frames = [];
    this.stats.queued = 0;
  }

  private spanMs(): number {
    if (this.frames.length < 2) return 0;
    return this.frames[this.frames.length - 1]!.dts - this.frames[0]!.dts;
  }

  /**
   * Drops video before the newest queued keyframe (all queued video when there is none, and then
   * waits for the next keyframe) and the audio that is older than the span.
   */
  private shed(): void {
    const newest = this.frames[this.frames.length - 1]!.dts;
    let lastKey = -1;
    this.frames.forEach((f, i) => {
      if (f.kind === "video" && f.key) lastKey = i;
    });
    const kept: Frame[] = [];
    this.frames.forEach((frame, i) => {
      if (frame.kind === "video" && i < lastKey) this.stats.droppedVideo++;
      else if (frame.kind === "video" && lastKey < 0) this.stats.droppedVideo++;
      else if (frame.kind === "audio" && newest - frame.dts > this.maxSpanMs) this.stats.droppedAudio++;
      else kept.push(frame);
    });
    this.frames = kept;
    if (lastKey < 0) this.waitingForKey = true;
    this.stats.queued = kept.length;
  }
}
