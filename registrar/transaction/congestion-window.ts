// Flow control of client transactions towards one destination: a congestion
// window of transactions in flight that adapts to response times, TCP-style.
//
// Why: over UDP a burst that outruns the registrar leaves requests queued
// there past T1; Timer E (RFC 3261 §17.1.2.2) then retransmits them and the
// retransmissions multiply the work of an already saturated server. The
// window keeps the server's queue short instead, so a slower registrar gets a
// gentler client.
//
// Rules (RFC 5681 AIMD with a delay signal, RTT estimation as RFC 6298):
//  - slow start (RFC 5681 §3.1): below ssthresh the window grows by one per
//    answered transaction (doubles per RTT); above it, congestion avoidance
//    adds 1/cwnd per answer (about one per RTT). It grows only while responses
//    come back within `floor + delayTargetMs` and the window is in use (at
//    least half of it in flight or requests waiting, RFC 7661's idea);
//  - slow start ends early when the RTT rises (HyStart++, RFC 9406 §4.2,
//    without its conservative phase): once a round trip's least RTT (of at
//    least 8 samples) exceeds the previous round's by max(4 ms, min(16 ms,
//    previous/8)), ssthresh = cwnd and growth becomes additive, before the
//    doubling overshoots a registrar whose queue has started to grow;
//  - multiplicative decrease on loss: the first retransmission (Timer E) or a
//    timeout of a transaction halves the window (RFC 5681 §3.1 eq. 4), once
//    per window of requests (a loss of a request sent before the last
//    decrease is the same congestion event, as RFC 6582 recovery); a lost
//    request leaves the flight (as after an RTO) so the window never stalls.
//    Only a server that answered something since the lost request was sent
//    is congested; one that answers nothing (down, unreachable) gives no
//    congestion signal, and shrinking the window for it would only hold its
//    registrations in 'registering' for minutes instead of letting them time
//    out (Timer F) and fail over;
//  - multiplicative decrease on delay: when even the least RTT of two
//    consecutive rounds (each an interval of at least DELAY_INTERVAL_MS and
//    one smoothed RTT) stays `delayLimitMs` above the floor (the least RTT
//    seen lately, a windowed minimum as BBR's min_rtt), a queue stands at the
//    server: the window shrinks by DELAY_BETA, once per window, before any
//    request reaches T1. A minimum over an interval, as CoDel's (RFC 8289
//    §3.2), ignores a burst of slow answers — e.g. responses that waited in
//    our own socket buffer while this process was busy for a few hundred ms —
//    which a standing queue cannot;
//  - Karn's rule (RFC 6298 §3): retransmitted transactions give no RTT sample;
//  - restart after idle (RFC 5681 §4.1): a window unused for longer than
//    the RTO starts again from at most the initial window (refresh bursts);
//  - never below MIN_WINDOW (1), never above maxWindow.
// Requests wait in two FIFO queues: urgent ones (continuations of an exchange
// already under way, such as the answer to a 401, and un-REGISTERs, which
// must finish before the shutdown deadline) go before new exchanges.
import type { Scheduler } from '../scheduler';

export interface FlowSettings {
  /** Window at start and after idle (RFC 6928's IW10, rounded up: a registrar is a server built for bursts). */
  initialWindow: number;
  /** Upper bound (socket buffers: 1,024 requests of ≈ 700 bytes fit in 1 MiB). */
  maxWindow: number;
  /** Responses within floor + this grow the window (default T1/10). */
  delayTargetMs: number;
  /** The least RTT of a round this far above the floor shrinks it (default T1/5, well before Timer E at T1). */
  delayLimitMs: number;
}

export const MIN_WINDOW = 1;
export const INITIAL_WINDOW = 16;
export const MAX_WINDOW = 1024;
/** Loss response: halve (RFC 5681 §3.1, eq. 4). */
export const LOSS_BETA = 0.5;
/** Delay response: gentler than loss (nothing was lost yet), as CUBIC's β = 0.7 (RFC 9438). */
export const DELAY_BETA = 0.7;
/** Shortest round over which the least RTT is taken (CoDel's interval, RFC 8289 §4.3). */
export const DELAY_INTERVAL_MS = 100;
/** HyStart++ constants (RFC 9406 §4.3): RTT rise threshold bounds and divisor, samples per round. */
const HYSTART_MIN_RTT_THRESH_MS = 4;
const HYSTART_MAX_RTT_THRESH_MS = 16;
const HYSTART_MIN_RTT_DIVISOR = 8;
const HYSTART_N_RTT_SAMPLE = 8;
/** RFC 6298 §2: SRTT gain α = 1/8. */
const SRTT_GAIN = 1 / 8;
/** The RTT floor is the least sample of the last FLOOR_WINDOW_MS (kept in two halves). */
export const FLOOR_WINDOW_MS = 10_000;

/** Defaults derived from T1 (RFC 3261 §17.1.1.1: the RTT estimate, 500 ms). */
export function defaultFlowSettings(t1Ms: number): FlowSettings {
  return { initialWindow: INITIAL_WINDOW, maxWindow: MAX_WINDOW, delayTargetMs: t1Ms / 10, delayLimitMs: t1Ms / 5 };
}

export interface FlowCounters {
  /** Transactions that had to wait for the window. */
  queued: number;
  lossDecreases: number;
  delayDecreases: number;
  /** Largest window reached. */
  maxWindow: number;
}

/** What the holder of a slot reports, exactly once. */
export interface FlowSignals {
  answered(seq: number, rttMs: number): void;
  lost(seq: number, sentAt: number): void;
  release(): void;
}

/**
 * One destination's window. `start(item, seq)` is called when an item gets a
 * slot; its holder then reports `answered`, `lost` or `release` exactly once.
 */
export class CongestionWindow<T> implements FlowSignals {
  private cwnd: number;
  private ssthresh = Infinity;
  private flight = 0;
  /** drain() under way (a release from an item it starts only frees room for its loop). */
  private draining = false;
  private srtt: number | null = null;
  /** Least RTT sample of the current round and of the one before, and when the round began. */
  private roundMin = Infinity;
  private prevRoundMin = Infinity;
  private roundStart: number;
  /** HyStart++ round trips (by sequence number: a round ends when a request sent after it began is answered). */
  private hsRoundEnd = 0;
  private hsLastMin = Infinity;
  private hsMin = Infinity;
  private hsSamples = 0;
  private floorNow = Infinity;
  private floorPrev = Infinity;
  private floorRotatedAt: number;
  /** Highest sequence number sent; a congestion event ends the window up to here. */
  private sent = 0;
  private recoverSeq = 0;
  private lastActive: number;
  private lastAnsweredAt = -Infinity;
  private readonly urgent: T[] = [];
  private urgentHead = 0;
  private readonly normal: T[] = [];
  private normalHead = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly settings: FlowSettings,
    private readonly rtoMs: number,
    private readonly start: (item: T, seq: number) => void,
    private readonly counters: FlowCounters,
  ) {
    this.cwnd = settings.initialWindow;
    this.lastActive = this.floorRotatedAt = this.roundStart = scheduler.now();
  }

  get window(): number {
    return Math.floor(this.cwnd);
  }

  get inFlight(): number {
    return this.flight;
  }

  get waiting(): number {
    return this.urgent.length - this.urgentHead + this.normal.length - this.normalHead;
  }

  /** Sends `item` now if the window allows, else queues it (urgent ones first). */
  submit(item: T, urgent: boolean): void {
    if (this.hasRoom(urgent)) {
      this.launch(item);
      return;
    }
    this.counters.queued++;
    if (urgent) this.urgent.push(item);
    else this.normal.push(item);
  }

  /**
   * A final response to the request sent as `seq`, never retransmitted (a retransmitted one
   * left the flight as lost: Karn's rule, its RTT sample would be ambiguous).
   */
  answered(seq: number, rttMs: number): void {
    this.flight--;
    const now = this.scheduler.now();
    this.lastActive = this.lastAnsweredAt = now;
    this.sample(now, rttMs);
    const floor = this.floor();
    const roundMin = this.endOfRound(now, rttMs);
    if (roundMin !== null && roundMin - floor > this.settings.delayLimitMs && seq > this.recoverSeq) {
      this.decrease(DELAY_BETA);
      this.counters.delayDecreases++;
    } else if (this.cwnd < this.ssthresh && this.slowStartRttRose(seq, rttMs)) {
      this.ssthresh = this.cwnd;
    } else if (rttMs <= floor + this.settings.delayTargetMs && this.inUse()) {
      this.cwnd += this.cwnd < this.ssthresh ? 1 : 1 / this.cwnd;
      if (this.cwnd > this.settings.maxWindow) this.cwnd = this.settings.maxWindow;
      if (this.window > this.counters.maxWindow) this.counters.maxWindow = this.window;
    }
    this.drain();
  }

  /**
   * The request sent as `seq` at `sentAt` was retransmitted or timed out: it leaves the flight;
   * the window halves, once per window, if the server answered anything since.
   */
  lost(seq: number, sentAt: number): void {
    this.flight--;
    this.lastActive = this.scheduler.now();
    if (seq > this.recoverSeq && this.lastAnsweredAt >= sentAt) {
      this.decrease(LOSS_BETA);
      this.counters.lossDecreases++;
    }
    this.drain();
  }

  /** The holder gives its slot back with no verdict (transport error, abandoned). */
  release(): void {
    this.flight--;
    this.drain();
  }

  private decrease(beta: number): void {
    this.cwnd = Math.max(MIN_WINDOW, this.cwnd * beta);
    this.ssthresh = Math.max(MIN_WINDOW, this.cwnd);
    this.recoverSeq = this.sent;
  }

  /** Window-limited lately: growing an unused window would only store up a burst (RFC 7661). */
  private inUse(): boolean {
    return this.waiting > 0 || this.flight + 1 >= this.cwnd / 2;
  }

  private sample(now: number, rtt: number): void {
    this.srtt = this.srtt === null ? rtt : this.srtt + SRTT_GAIN * (rtt - this.srtt);
    if (now - this.floorRotatedAt >= FLOOR_WINDOW_MS / 2) {
      this.floorPrev = this.floorNow;
      this.floorNow = Infinity;
      this.floorRotatedAt = now;
    }
    if (rtt < this.floorNow) this.floorNow = rtt;
  }

  /** HyStart++ (RFC 9406 §4.2): true when this round trip's least RTT rose above the last one's by the threshold. */
  private slowStartRttRose(seq: number, rtt: number): boolean {
    if (rtt < this.hsMin) this.hsMin = rtt;
    this.hsSamples++;
    let rose = false;
    if (this.hsSamples >= HYSTART_N_RTT_SAMPLE && this.hsLastMin !== Infinity) {
      const eta = Math.min(HYSTART_MAX_RTT_THRESH_MS, Math.max(HYSTART_MIN_RTT_THRESH_MS, this.hsLastMin / HYSTART_MIN_RTT_DIVISOR));
      rose = this.hsMin >= this.hsLastMin + eta;
    }
    if (seq >= this.hsRoundEnd) {
      this.hsLastMin = this.hsMin;
      this.hsMin = Infinity;
      this.hsSamples = 0;
      this.hsRoundEnd = this.sent;
    }
    return rose;
  }

  /** Folds a sample into the round; at the end of a round, returns the least RTT of it and the round before (else null). */
  private endOfRound(now: number, rtt: number): number | null {
    if (rtt < this.roundMin) this.roundMin = rtt;
    if (now - this.roundStart < Math.max(DELAY_INTERVAL_MS, this.srtt ?? 0)) return null;
    const min = Math.min(this.roundMin, this.prevRoundMin);
    this.prevRoundMin = this.roundMin;
    this.roundMin = Infinity;
    this.roundStart = now;
    return min;
  }

  private floor(): number {
    return Math.min(this.floorNow, this.floorPrev);
  }

  /** RFC 6298 §2.2 without RTTVAR: twice the smoothed RTT, at least the transaction layer's T1. */
  private rto(): number {
    return Math.max(this.rtoMs, 2 * (this.srtt ?? 0));
  }

  /**
   * The sequence number of a send the window allows now (it counts in the flight from here, as
   * a submitted item launched at once), or null when it would queue: the caller then submits.
   */
  takeNow(urgent: boolean): number | null {
    if (!this.hasRoom(urgent)) return null;
    this.flight++;
    return ++this.sent;
  }

  /** Whether a request submitted now goes out at once (nothing ahead of it in the queue it would join). */
  private hasRoom(urgent: boolean): boolean {
    const now = this.scheduler.now();
    // RFC 5681 §4.1: after an idle period longer than the RTO, restart from the initial window.
    if (this.flight === 0 && now - this.lastActive > this.rto()) this.cwnd = Math.min(this.cwnd, this.settings.initialWindow);
    this.lastActive = now;
    return this.flight < this.window && (urgent ? this.urgentHead === this.urgent.length : this.waiting === 0);
  }

  private launch(item: T): void {
    this.flight++;
    this.start(item, ++this.sent);
  }

  private drain(): void {
    // A slot given back while the loop below starts an item (a waiter that sends nothing after
    // all) is taken by that loop: no drain within a drain, however long the queue.
    if (this.draining) return;
    this.draining = true;
    try {
      this.launchWaiting();
    } finally {
      this.draining = false;
    }
    if (this.urgentHead === this.urgent.length) this.urgent.length = this.urgentHead = 0;
    if (this.normalHead === this.normal.length) this.normal.length = this.normalHead = 0;
  }

  private launchWaiting(): void {
    while (this.flight < this.window) {
      let item: T;
      if (this.urgentHead < this.urgent.length) {
        item = this.urgent[this.urgentHead];
        this.urgent[this.urgentHead++] = undefined as T;
      } else if (this.normalHead < this.normal.length) {
        item = this.normal[this.normalHead];
        this.normal[this.normalHead++] = undefined as T;
      } else {
        break;
      }
      this.launch(item);
    }
  }
}
