/**
 * Failed logins per client address. After `freeFailures` failures an address must wait before its
 * next attempt is even checked: 1 s, doubling per further failure up to `maxDelayMs`, so guessing
 * drops from thousands per second to a handful per minute; a success clears the address. The table
 * is bounded: the oldest addresses are forgotten first.
 */
export interface LoginThrottleOptions {
  readonly freeFailures?: number;
  readonly maxDelayMs?: number;
  readonly maxAddresses?: number;
  readonly now?: () => number;
}

interface Failures {
  count: number;
  blockedUntil: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly freeFailures: number;
  private readonly maxDelayMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.freeFailures = options.freeFailures ?? 3;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds `address` must still wait before a login attempt is checked; 0 when it may try. */
  waitMs(address: string): number {
    const entry = this.failures.get(address);
    return entry ? Math.max(0, entry.blockedUntil - this.now()) : 0;
  }

  /** Records a failure; returns the number of failures of this address in a row. */
  failed(address: string): number {
    const entry = this.failures.get(address) ?? { count: 0, blockedUntil: 0 };
    this.failures.delete(address);
    entry.count++;
    const over = entry.count - this.freeFailures;
    if (over >= 0) entry.blockedUntil = this.now() + Math.min(this.maxDelayMs, 1000 * 2 ** Math.min(over, 20));
    this.failures.set(address, entry);
    if (this.failures.size > this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
    return entry.count;
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }
}
