/**
 * What the four transaction state machines share (RFC 3261 17): a string-union state, one
 * `transition(to)` that checks the allowed moves and clears the timers of the state it leaves, and
 * named timers on the injected clock. Subclasses add the per-state behaviour in `enter()`.
 */
import { InvalidStateError } from "../../errors.ts";
import type { SipMessage } from "../messages.ts";
import { headerValue } from "../message/headers.ts";
import { decodeVia } from "../headers/via.ts";
import type { Clock } from "../../clock.ts";
import type { TimerTable } from "./timers.ts";

export interface TransactionOptions {
  /** Hands a message to the transport; throws or calls back on failure. */
  readonly send: (message: SipMessage) => void;
  readonly reliable: boolean;
  readonly clock: Clock;
  readonly timers: TimerTable;
}

export abstract class Transaction<S extends string> {
  private current: S;
  private readonly running = new Map<string, () => void>();
  /** The branch of the top Via of the request (RFC 3261 17.1.3, 17.2.3). */
  readonly branch: string;

  protected constructor(
    protected readonly options: TransactionOptions,
    initial: S,
    private readonly table: Readonly<Record<S, readonly S[]>>,
    topVia: string,
  ) {
    this.current = initial;
    this.branch = decodeVia(topVia).params.branch ?? "";
  }

  get state(): S {
    return this.current;
  }

  /** Moves to `to` if the table allows it; leaves every timer of the old state behind. */
  protected transition(to: S): void {
    const allowed = this.table[this.current];
    if (!allowed.includes(to)) throw new InvalidStateError(this.constructor.name, this.current, to, allowed);
    for (const cancel of this.running.values()) cancel();
    this.running.clear();
    this.current = to;
    this.enter(to);
  }

  protected abstract enter(state: S): void;

  protected startTimer(name: string, ms: number, fn: () => void): void {
    this.running.get(name)?.();
    const cancel = this.options.clock.after(ms, () => {
      this.running.delete(name);
      fn();
    });
    this.running.set(name, cancel);
  }

  /**
   * The wait-then-terminate timers (D, I, J, K of RFC 3261 17): zero, as on reliable transports,
   * ends the transaction at once. Every transaction has a "terminated" state.
   */
  protected terminateAfter(name: string, ms: number): void {
    const end = () => this.transition("terminated" as S);
    if (ms === 0) end();
    else this.startTimer(name, ms, end);
  }

  protected stopTimer(name: string): void {
    this.running.get(name)?.();
    this.running.delete(name);
  }

  /** Stops every timer, sending and reporting nothing more: for a user agent that is going away. */
  dispose(): void {
    for (const cancel of this.running.values()) cancel();
    this.running.clear();
  }

  /** Names of the timers now running (for tests and diagnostics). */
  get timersRunning(): string[] {
    return [...this.running.keys()];
  }

  protected trySend(message: SipMessage, onError: (err: unknown) => void): void {
    try {
      this.options.send(message);
    } catch (err) {
      onError(err);
    }
  }
}

export function topViaOf(message: SipMessage): string {
  return headerValue(message, "Via") ?? "";
}
