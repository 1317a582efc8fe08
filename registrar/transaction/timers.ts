// RFC 3261 §17.1.2.2 and Table 4 timer values.
export interface TimerValues {
  /** RTT estimate, 500 ms. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests, 4 s. */
  t2: number;
  /** Maximum time a message remains in the network, 5 s. */
  t4: number;
}

export const DEFAULT_TIMERS: TimerValues = { t1: 500, t2: 4000, t4: 5000 };

/** Timer F: non-INVITE transaction timeout, 64·T1. */
export function timerF(t: TimerValues): number {
  return 64 * t.t1;
}

/** Timer K: wait for response retransmits, T4 on unreliable transports, 0 on reliable ones. */
export function timerK(t: TimerValues, reliable: boolean): number {
  return reliable ? 0 : t.t4;
}
