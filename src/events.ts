/**
 * The one event style of every object that owns a socket or a job (werift's typed events, SIP.js
 * `Emitter`): listeners are type-checked against an event map, `on` returns the unsubscribe function, a throwing listener does not stop
 * the others (its error is rethrown on a later tick so it is not lost).
 */
export type EventMap = Record<string, unknown>;

export class TypedEmitter<M extends EventMap> {
  private readonly listeners = new Map<keyof M, Set<(value: never) => void>>();

  on<K extends keyof M>(event: K, listener: (value: M[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (value: never) => void);
    return () => set.delete(listener as (value: never) => void);
  }

  once<K extends keyof M>(event: K, listener: (value: M[K]) => void): () => void {
    const off = this.on(event, (value) => {
      off();
      listener(value);
    });
    return off;
  }

  /** Resolves with the next `event`. */
  next<K extends keyof M>(event: K): Promise<M[K]> {
    return new Promise((resolve) => this.once(event, resolve));
  }

  protected emit<K extends keyof M>(event: K, value: M[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (value: M[K]) => void)(value);
      } catch (err) {
        setImmediate(() => {
          throw err;
        });
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}
