// Client transaction layer: creates non-INVITE client transactions, routes
// responses to them by top Via branch + CSeq method (RFC 3261 §17.1.3), and
// drops (and counts) malformed or unmatched messages.
import { SipError } from '../errors';
import { parseCSeq } from '../message/cseq';
import { parseMessage } from '../message/parser';
import { DEFAULT_LIMITS, type ParseLimits, type SipMessage } from '../message/types';
import { topViaBranch } from '../message/via';
import type { Scheduler } from '../scheduler';
import type { RemoteAddress, Transport, TransportProtocol, TransportTarget } from '../transport/types';
import { ClientTransaction, type TransactionHost, type TransactionResult } from './client-transaction';
import { newTransactionCounters, observeLatency, type TransactionCounters } from './counters';
import { DEFAULT_TIMERS, type TimerValues } from './timers';

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
  private readonly transactions = new Map<string, ClientTransaction>();
  private readonly transports: Partial<Record<TransportProtocol, Transport>>;
  private readonly limits: ParseLimits;

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
    return this.transactions.size;
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

  /** Inbound message from any transport. */
  receive(data: Buffer, remote: RemoteAddress): void {
    let message: SipMessage;
    let branch: string | null;
    let method: string;
    try {
      message = parseMessage(data, this.limits);
      branch = topViaBranch(message.headers.get('via'));
      method = parseCSeq(message.headers.get('cseq')).method;
    } catch {
      this.counters.droppedMalformed++;
      return;
    }
    // This engine only runs client transactions; requests have no server side here.
    if (message.kind !== 'response' || branch === null) {
      this.counters.droppedUnmatched++;
      return;
    }
    const tx = this.transactions.get(branch);
    if (!tx || tx.method !== method) {
      this.counters.droppedUnmatched++;
      return;
    }
    tx.receive({ response: message, raw: data, remote });
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

  completed(tx: ClientTransaction, result: TransactionResult): void {
    this.counters.responsesByClass[Math.floor(result.response.status / 100)]++;
    observeLatency(this.counters, this.scheduler.now() - tx.startedAt);
  }

  failed(error: SipError): void {
    if (error.code === 'E_TIMEOUT') this.counters.timeouts++;
    else this.counters.transportErrors++;
  }

  terminated(tx: ClientTransaction): void {
    if (this.transactions.get(tx.branch) === tx) this.transactions.delete(tx.branch);
  }

  /** A stream connection broke: fail every transaction still waiting on it. */
  private connectionFailed(remote: RemoteAddress, error: SipError): void {
    for (const tx of [...this.transactions.values()]) {
      const t = tx.target;
      if (t.transport === remote.transport && t.host === remote.host && t.port === remote.port) tx.transportError(error);
    }
  }
}
