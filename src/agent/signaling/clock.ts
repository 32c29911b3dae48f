/** The timers a signaling session uses, injected so tests drive keep-alive and timeouts by hand. */
export interface SessionClock {
  /** Calls `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void;
  /** Calls `fn` once after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const realClock: SessionClock = {
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};
