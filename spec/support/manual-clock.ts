/** A manual clock (pion `mock_time.go`): time moves only when a test calls `advance`. */
import type { Clock } from "../../src/clock.ts";

interface Timer {
  at: number;
  readonly every: number;
  readonly fn: () => void;
}

export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): () => void {
    return this.add(ms, 0, fn);
  }

  every(ms: number, fn: () => void): () => void {
    return this.add(ms, ms, fn);
  }

  private add(ms: number, every: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + ms, every, fn });
    return () => this.timers.delete(id);
  }

  /** Moves time forward by `ms`, firing every timer due on the way in time order (equal times: first set first). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, Timer] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
      if (!next) break;
      const [id, timer] = next;
      this.time = timer.at;
      if (timer.every > 0) timer.at += timer.every;
      else this.timers.delete(id);
      timer.fn();
    }
    this.time = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}
