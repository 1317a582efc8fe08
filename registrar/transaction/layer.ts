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
}

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

  constructor(options: TransactionLayerOptions) {
    this.scheduler = options.scheduler;
    this.timers = options.timers ?? DEFAULT_TIMERS;
    this.transports = options.transports;
    this.limits = options.limits ?? DEFAULT_LIMITS;
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
   * Starts a non-INVITE client transaction. `branch` must be the branch of the
   * top Via in `data`; `method` the CSeq method.
   */
  request(
    target: TransportTarget,
    data: Buffer,
    branch: string,
    method: string,
    onProvisional?: (r: TransactionResult) => void,
  ): ClientTransaction {
    const tx = new ClientTransaction(this, branch, method, target, data, onProvisional);
    this.transactions.set(branch, tx);
    this.counters.started++;
    tx.start();
    return tx;
  }

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

  retransmitted(): void {
    this.counters.retransmissions++;
  }

  completed(tx: ClientTransaction, result: TransactionResult, timerKMs: number): void {
    const now = this.scheduler.now();
    this.counters.responsesByClass[Math.floor(result.response.status / 100)]++;
    observeLatency(this.counters, now - tx.startedAt);
    this.terminated(tx);
    if (timerKMs <= 0) return;
    this.absorbing.set(tx.branch, now + timerKMs);
    if (this.sweepTask === null || this.sweepTask.index < 0) this.sweepTask = this.scheduler.after(timerKMs, TransactionLayer.sweep, this);
  }

  failed(error: SipError): void {
    if (error.code === 'E_TIMEOUT') this.counters.timeouts++;
    else this.counters.transportErrors++;
  }

  terminated(tx: ClientTransaction): void {
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
