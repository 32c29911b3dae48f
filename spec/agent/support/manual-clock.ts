import type { SessionClock } from "../../../src/agent/signaling/clock.ts";

/** A clock advanced by hand (`tick(ms)`), for tests. */
export class ManualClock implements SessionClock {
  now = 0;
  private timers: { at: number; every: number; fn: () => void; live: boolean }[] = [];

  every(ms: number, fn: () => void): () => void {
    return this.add(ms, ms, fn);
  }

  after(ms: number, fn: () => void): () => void {
    return this.add(ms, 0, fn);
  }

  private add(ms: number, every: number, fn: () => void): () => void {
    const timer = { at: this.now + ms, every, fn, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Advances time, firing due timers in order. */
  tick(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.now = due.at;
      if (due.every > 0) due.at += due.every;
      else due.live = false;
      due.fn();
    }
    this.now = end;
    this.timers = this.timers.filter((t) => t.live);
  }

  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
}
