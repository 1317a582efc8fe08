// Client transaction layer: creates non-INVITE client transactions, routes
// responses to them by top Via branch + CSeq method (RFC 3261 §17.1.3), hands
// requests to the request handler (the stateless UAS, registrar/uas/), drops
// (and counts) malformed or unmatched messages, and tells listeners about
// lost stream flows. Completed UDP
// transactions are remembered only as branch → Timer K deadline, swept in
// batches, so 10,000 finished exchanges cost a map entry each for T4.
import { SipError } from '../errors';
import { parseCSeq } from '../message/cseq';
import { parseMessage } from '../message/parser';
import { DEFAULT_LIMITS, type ParseLimits, type SipMessage, type SipRequest, type SipResponse } from '../message/types';
import { topViaBranch } from '../message/via';
import type { ScheduledTask, Scheduler } from '../scheduler';
import type { RemoteAddress, Transport, TransportProtocol, TransportTarget } from '../transport/types';
import { ClientTransaction, type TransactionHost, type TransactionResult } from './client-transaction';
import { CongestionWindow, defaultFlowSettings, type FlowCounters, type FlowSettings } from './congestion-window';
import { newTransactionCounters, observeLatency, type TransactionCounters } from './counters';
import { DEFAULT_TIMERS, type TimerValues } from './timers';

/** Granularity of the Timer K sweep: entries may linger this much past T4. */
const SWEEP_MS = 500;

/** Receives every parsed inbound request (the proxy, registrar/proxy/, else the UAS, registrar/uas/). */
export type RequestHandler = (request: SipRequest, remote: RemoteAddress) => void;

/**
 * Receives responses that match no client transaction of ours (responses to requests the proxy
 * relayed, registrar/proxy/); true when it took the response, false to count it unmatched.
 */
export type ResponseHandler = (response: SipResponse, remote: RemoteAddress) => boolean;

export interface TransactionLayerOptions {
  scheduler: Scheduler;
  transports: Partial<Record<TransportProtocol, Transport>>;
  timers?: TimerValues;
  limits?: ParseLimits;
  /** Congestion window settings (default: derived from T1). */
  flow?: Partial<FlowSettings>;
}

/** Options of one request. */
export interface RequestOptions {
  onProvisional?: (r: TransactionResult) => void;
  /** Goes before new exchanges in the congestion window's queue (a continuation, an un-REGISTER). */
  urgent?: boolean;
  /** A slot from admit(): sent at once. */
  slot?: FlowSlot;
  /**
   * Sent on the next timer turn, with every other batched request made meanwhile (the REGISTERs
   * of the engine's registrations): see TransactionLayer.startLater.
   */
  batched?: boolean;
}

/** Room for one request in a destination's congestion window, from admit(). */
export interface FlowSlot {
  readonly window: Window;
  readonly seq: number;
}

/** What waits in a window: a queued request, or an admit() to resolve. */
type Waiter = ClientTransaction | ((seq: number) => void);
type Window = CongestionWindow<Waiter>;

export class TransactionLayer implements TransactionHost {
  readonly scheduler: Scheduler;
  readonly timers: TimerValues;
  readonly counters: TransactionCounters = newTransactionCounters();
  private requestHandler: RequestHandler | null = null;
  private responseHandler: ResponseHandler | null = null;
  private readonly transactions = new Map<string, ClientTransaction>();
  /**
   * Completed transactions (§17.1.2.2): branch → Timer K deadline. Timer K is
   * the same for all, so insertion order is deadline order and a sweep stops
   * at the first entry still running.
   */
  private readonly absorbing = new Map<string, number>();
  private sweepTask: ScheduledTask | null = null;
  private readonly transports: Partial<Record<TransportProtocol, Transport>>;
  private readonly limits: ParseLimits;
  private readonly flowLostListeners: Array<(remote: RemoteAddress, error: SipError) => void> = [];
  /** One congestion window per destination (transport:host:port): two carriers differ. */
  private readonly windows = new Map<string, Window>();
  /** Each target object's window (checked against `windows`: resetFlow() forgets them all). */
  private readonly windowOf = new WeakMap<TransportTarget, { key: string; window: Window }>();
  /** Waiters admitted since the last turn and their slots (whenAdmitted), and batched requests (startLater): nextTurn. */
  private ready: Array<(slot: FlowSlot) => void> = [];
  private readySlots: FlowSlot[] = [];
  private starts: ClientTransaction[] = [];
  private turnArmed = false;
  private inTurn = false;
  private readonly flowSettings: FlowSettings;
  readonly flowCounters: FlowCounters = { queued: 0, lossDecreases: 0, delayDecreases: 0, maxWindow: 0 };

  constructor(options: TransactionLayerOptions) {
    this.scheduler = options.scheduler;
    this.timers = options.timers ?? DEFAULT_TIMERS;
    this.transports = options.transports;
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.flowSettings = { ...defaultFlowSettings(this.timers.t1), ...options.flow };
    const onInbound = (data: Buffer, remote: RemoteAddress): void => this.receive(data, remote);
    const onConnectionError = (remote: RemoteAddress, error: SipError): void => this.connectionFailed(remote, error);
    for (const t of Object.values(this.transports)) {
      t?.setInboundHandler(onInbound);
      t?.setConnectionErrorHandler?.(onConnectionError);
    }
  }

  /** Live transactions (trying, proceeding or completed). */
  get size(): number {
    return this.transactions.size + this.absorbing.size;
  }

  /**
   * Starts a non-INVITE client transaction: at once with a `slot` from
   * admit(), else once the destination's congestion window admits it.
   * `branch` must be the branch of the top Via in `data`; `method` the CSeq method.
   */
  request(target: TransportTarget, data: Buffer, branch: string, method: string, options: RequestOptions = {}): ClientTransaction {
    const tx = new ClientTransaction(this, branch, method, target, data, options.onProvisional);
    this.transactions.set(branch, tx);
    const slot = options.slot;
    if (options.batched) tx.batched = true;
    if (slot) TransactionLayer.launch(tx, slot.seq, slot.window);
    else this.windowFor(target).submit(tx, options.urgent ?? false);
    return tx;
  }

  /**
   * Resolves when `target`'s congestion window has room for one more request: the caller
   * builds it then (fresh credentials, nothing held while it waits) and passes the slot
   * to request(), or gives it back with release() if it sends nothing.
   */
  admit(target: TransportTarget, urgent: boolean): Promise<FlowSlot> {
    const window = this.windowFor(target);
    return new Promise<FlowSlot>((resolve) => window.submit((seq: number) => resolve({ window, seq }), urgent));
  }

  /**
   * Calls `ready` with a slot when `target`'s window has room: at once (synchronously) if it has
   * now, else in its turn. What waits is this one callback, not a suspended exchange with its
   * promises (a start-up burst of 10,000 queued ≈ 25 MB less heap, issue 12). A caller that
   * no longer needs the slot gives it back with release().
   */
  whenAdmitted(target: TransportTarget, urgent: boolean, ready: (slot: FlowSlot) => void): void {
    const window = this.windowFor(target);
    let waited = false;
    window.submit((seq: number) => {
      if (waited) this.readyLater(ready, { window, seq });
      else ready({ window, seq });
    }, urgent);
    waited = true;
  }

  /**
   * A waiter's turn came as a response freed its slot: it runs on the next turn (nextTurn) with
   * the others admitted meanwhile, not inside that response's processing, one by one.
   */
  private readyLater(ready: (slot: FlowSlot) => void, slot: FlowSlot): void {
    this.ready.push(ready);
    this.readySlots.push(slot);
    this.armTurn();
  }

  /** Whether `slot` is room in `target`'s window (a slot taken for one server is not spent on another). */
  slotFor(slot: FlowSlot, target: TransportTarget): boolean {
    return this.windowFor(target) === slot.window;
  }

  /** A slot now when `target`'s window has room and nothing waits ahead, else null (then admit()). */
  admitNow(target: TransportTarget, urgent: boolean): FlowSlot | null {
    const window = this.windowFor(target);
    const seq = window.takeNow(urgent);
    return seq === null ? null : { window, seq };
  }

  /** Gives back a slot from admit() that was not used. */
  release(slot: FlowSlot): void {
    slot.window.release();
  }

  /** Forgets every window (engine stopped: its transactions' timers are gone, their slots with them). */
  resetFlow(): void {
    this.windows.clear();
  }

  private windowFor(target: TransportTarget): Window {
    // The targets of a cached lookup are the same objects for every REGISTER to them: found by
    // identity first, without building and hashing the key string each time.
    const known = this.windowOf.get(target);
    if (known && this.windows.get(known.key) === known.window) return known.window;
    const key = `${target.transport}:${target.host}:${target.port}`;
    let w = this.windows.get(key);
    if (!w) {
      w = new CongestionWindow<Waiter>(this.scheduler, this.flowSettings, this.timers.t1, (item, seq) => TransactionLayer.admitted(item, seq, w as Window), this.flowCounters);
      this.windows.set(key, w);
    }
    this.windowOf.set(target, { key, window: w });
    return w;
  }

  /** The window's turn: a waiting admit() gets its slot, a queued request is sent. */
  private static admitted(item: Waiter, seq: number, window: Window): void {
    if (typeof item === 'function') item(seq);
    else TransactionLayer.launch(item, seq, window);
  }

  private static launch(tx: ClientTransaction, seq: number, window: Window): void {
    tx.flow = window;
    tx.flowSeq = seq;
    const layer = tx.host as TransactionLayer;
    layer.counters.started++;
    if (tx.batched) layer.startLater(tx);
    else tx.start();
  }

  /**
   * Batched requests leave together on the next turn (nextTurn, ≤ 1 ms later), not one by one as
   * the responses that cause them come in: each datagram sent to a registrar whose workers went
   * idle wakes one (our send() runs its wake-up), and a burst that trickles out one request per
   * response keeps them idle between (tests/bench/product.ts with perf: sock_def_readable →
   * try_to_wake_up took twice the samples of our main thread). Timers E and F start when the
   * request is sent (ClientTransaction.start); one abandoned meanwhile is not sent.
   */
  private startLater(tx: ClientTransaction): void {
    this.starts.push(tx);
    if (!this.inTurn) this.armTurn();
  }

  /** One clock timer for the next turn, apart from the scheduler's heap: due work queued there does not hold it back. */
  private armTurn(): void {
    if (this.turnArmed) return;
    this.turnArmed = true;
    this.scheduler.clock.setTimeout(this.nextTurn, 0);
  }

  /** Admitted waiters first (the requests they make join this turn's), then every batched request, in order. */
  private readonly nextTurn = (): void => {
    this.turnArmed = false;
    this.inTurn = true;
    try {
      const ready = this.ready;
      const slots = this.readySlots;
      this.ready = [];
      this.readySlots = [];
      for (let i = 0; i < ready.length; i++) ready[i](slots[i]);
    } catch (err) {
      // The requests queued so far still leave (on a turn of their own), whatever a waiter threw.
      this.inTurn = false;
      if (this.starts.length > 0) this.armTurn();
      throw err;
    }
    this.inTurn = false;
    const starts = this.starts;
    this.starts = [];
    for (const tx of starts) if (tx.state === 'trying') tx.start();
  };

  /** Inbound requests go to `handler`; without one they are dropped and counted as unmatched. */
  setRequestHandler(handler: RequestHandler): void {
    this.requestHandler = handler;
  }

  /** Responses matching no client transaction go to `handler` before they are counted as unmatched. */
  setResponseHandler(handler: ResponseHandler): void {
    this.responseHandler = handler;
  }

  /** Inbound message from any transport. */
  receive(data: Buffer, remote: RemoteAddress): void {
    let message: SipMessage;
    try {
      message = parseMessage(data, this.limits);
    } catch {
      this.counters.droppedMalformed++;
      return;
    }
    if (message.kind === 'request') {
      if (this.requestHandler) this.requestHandler(message, remote);
      else this.counters.droppedUnmatched++;
      return;
    }
    let branch: string | null;
    let method: string;
    try {
      branch = topViaBranch(message.headers.get('via'));
      method = parseCSeq(message.headers.get('cseq')).method;
    } catch {
      this.counters.droppedMalformed++;
      return;
    }
    if (branch === null) {
      this.counters.droppedUnmatched++;
      return;
    }
    const tx = this.transactions.get(branch);
    if (!tx && this.absorbing.has(branch)) return; // retransmitted final response, absorbed in Completed
    if (!tx || tx.method !== method) {
      if (!this.responseHandler?.(message, remote)) this.counters.droppedUnmatched++;
      return;
    }
    tx.receive({ response: message, remote });
  }

  transmit(tx: ClientTransaction): void {
    const transport = this.transports[tx.target.transport];
    if (!transport) {
      tx.transportError(new SipError('E_TRANSPORT', `no ${tx.target.transport} transport configured`));
      return;
    }
    transport.send(tx.target, tx.data, tx.handleSendError);
  }

  retransmitted(tx: ClientTransaction): void {
    this.counters.retransmissions++;
    // The first retransmission means the request (or its answer) is taken as lost.
    const w = tx.flow;
    tx.flow = null;
    w?.lost(tx.flowSeq, tx.startedAt);
  }

  completed(tx: ClientTransaction, result: TransactionResult, timerKMs: number): void {
    const now = this.scheduler.now();
    this.counters.responsesByClass[Math.floor(result.response.status / 100)]++;
    observeLatency(this.counters, now - tx.startedAt);
    const w = tx.flow;
    tx.flow = null;
    // Still holding its slot: never retransmitted, so the RTT sample is sound (Karn).
    w?.answered(tx.flowSeq, now - tx.startedAt);
    this.terminated(tx);
    if (timerKMs <= 0) return;
    this.absorbing.set(tx.branch, now + timerKMs);
    if (this.sweepTask === null || this.sweepTask.index < 0) this.sweepTask = this.scheduler.after(timerKMs, TransactionLayer.sweep, this);
  }

  failed(tx: ClientTransaction, error: SipError): void {
    const w = tx.flow;
    tx.flow = null;
    if (error.code === 'E_TIMEOUT') {
      this.counters.timeouts++;
      w?.lost(tx.flowSeq, tx.startedAt); // reliable transports: Timer F without any Timer E
    } else {
      this.counters.transportErrors++;
      w?.release();
    }
  }

  terminated(tx: ClientTransaction): void {
    const w = tx.flow;
    tx.flow = null;
    w?.release();
    if (this.transactions.get(tx.branch) === tx) this.transactions.delete(tx.branch);
  }

  private static sweep(layer: TransactionLayer): void {
    layer.sweepAbsorbing();
  }

  /** Timer K fired for the oldest entries: they are Terminated. Re-armed at most once per SWEEP_MS. */
  private sweepAbsorbing(): void {
    this.sweepTask = null;
    const now = this.scheduler.now();
    for (const [branch, deadline] of this.absorbing) {
      if (deadline > now) {
        this.sweepTask = this.scheduler.after(Math.max(deadline - now, SWEEP_MS), TransactionLayer.sweep, this);
        return;
      }
      this.absorbing.delete(branch);
    }
  }

  /** Called once per outbound TCP/TLS flow lost to the far end (closed, reset, keep-alive unanswered). */
  onFlowLost(listener: (remote: RemoteAddress, error: SipError) => void): void {
    this.flowLostListeners.push(listener);
  }

  /** A stream connection broke: fail every transaction still waiting on it, then tell the listeners. */
  private connectionFailed(remote: RemoteAddress, error: SipError): void {
    for (const tx of [...this.transactions.values()]) {
      const t = tx.target;
      if (t.transport === remote.transport && t.host === remote.host && t.port === remote.port) tx.transportError(error);
    }
    for (const l of this.flowLostListeners) l(remote, error);
  }
}
