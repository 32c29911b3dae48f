/**
 * RFC 3261 timers in one table (Table 4 of 17 and RFC 6026 L/M), computed from T1, T2 and T4 and
 * the transport: over a reliable transport D, I, J, K are 0 and A, E, G are not used. Tests and
 * e2e runs shrink T1 (e.g. 50 ms makes Timer B 3.2 s); the proportions stay those of the RFC.
 *
 *   A  INVITE request retransmit interval (UDP)       initially T1, doubles
 *   B  INVITE transaction timeout                     64*T1
 *   D  wait time for response retransmits             >32 s UDP (64*T1), 0 TCP
 *   E  non-INVITE request retransmit interval (UDP)   initially T1, doubles up to T2
 *   F  non-INVITE transaction timeout                 64*T1
 *   G  INVITE response retransmit interval (UDP)      initially T1, doubles up to T2
 *   H  wait time for ACK receipt                      64*T1
 *   I  wait time for ACK retransmits                  T4 UDP, 0 TCP
 *   J  wait time for non-INVITE request retransmits   64*T1 UDP, 0 TCP
 *   K  wait time for response retransmits             T4 UDP, 0 TCP
 *   L  wait time for accepted INVITE request retransmits (RFC 6026)  64*T1
 *   M  wait time for retransmission of 2xx to INVITE (RFC 6026)      64*T1
 */
export interface TimerSettings {
  /** RTT estimate, ms (default 500). */
  readonly T1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses, ms (default 4000). */
  readonly T2: number;
  /** Longest time a message stays in the network, ms (default 5000). */
  readonly T4: number;
}

export const DEFAULT_TIMER_SETTINGS: TimerSettings = { T1: 500, T2: 4000, T4: 5000 };

export interface TimerTable extends TimerSettings {
  readonly A: number;
  readonly B: number;
  readonly D: number;
  readonly E: number;
  readonly F: number;
  readonly G: number;
  readonly H: number;
  readonly I: number;
  readonly J: number;
  readonly K: number;
  readonly L: number;
  readonly M: number;
}

export function timerTable(settings: TimerSettings, reliable: boolean): TimerTable {
  const { T1, T4 } = settings;
  return {
    ...settings,
    A: T1,
    B: 64 * T1,
    D: reliable ? 0 : 64 * T1,
    E: T1,
    F: 64 * T1,
    G: T1,
    H: 64 * T1,
    I: reliable ? 0 : T4,
    J: reliable ? 0 : 64 * T1,
    K: reliable ? 0 : T4,
    L: 64 * T1,
    M: 64 * T1,
  };
}
