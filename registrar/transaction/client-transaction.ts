// Non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6).
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//   Trying/Proceeding --Timer F or transport error--> Terminated
//
// Timer E retransmits over UDP only: T1, doubling up to T2 in Trying; T2 in
// Proceeding (§17.1.2.2). Reliable transports never retransmit (§17.1.2.1).
// The Completed state only absorbs retransmitted final responses, so on
// completion the transaction layer keeps just the branch and the Timer K
// deadline and this object (request, response, promise) is released.
// Each retransmission's send time is kept (ms after the first send) for the
// request's trace entry: an operator sees "×10" rather than one lonely REGISTER.
import { SipError } from '../errors';
import type { SipResponse } from '../message/types';
import type { ScheduledTask, Scheduler } from '../scheduler';
import type { RemoteAddress, TransportTarget } from '../transport/types';
import type { FlowSignals } from './congestion-window';
import { timerF, timerK, type TimerValues } from './timers';

const NO_RETRANSMISSIONS: readonly number[] = Object.freeze([]);

export type ClientTransactionState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export interface TransactionResult {
  /** Parsed response; its `text` is the message as received. */
  response: SipResponse;
  remote: RemoteAddress;
}

/** Hooks from a transaction back into its transaction layer. */
export interface TransactionHost {
  readonly scheduler: Scheduler;
  readonly timers: TimerValues;
  transmit(tx: ClientTransaction): void;
  retransmitted(tx: ClientTransaction): void;
  /** A final response arrived; `timerKMs` > 0: absorb retransmissions of it that long. */
  completed(tx: ClientTransaction, result: TransactionResult, timerKMs: number): void;
  failed(tx: ClientTransaction, error: SipError): void;
  terminated(tx: ClientTransaction): void;
}

export class ClientTransaction {
  state: ClientTransactionState = 'trying';
  /** Started on the layer's next timer turn with the other batched requests (RequestOptions.batched). */
  batched = false;
  /** When the request was first sent (the transaction may wait for the congestion window before). */
  startedAt: number;
  /** Holds a slot of this congestion window (registrar/transaction/congestion-window.ts) until answered or lost. */
  flow: FlowSignals | null = null;
  /** The window's sequence number of this request. */
  flowSeq = 0;
  /** Send times of the retransmissions, ms after `startedAt` (null until the first one). */
  private retransmitTimes: number[] | null = null;

  readonly result: Promise<TransactionResult>;
  private resolve!: (r: TransactionResult) => void;
  private reject!: (e: SipError) => void;
  private interval: number;
  private timerE: ScheduledTask | null = null;
  private timerF: ScheduledTask | null = null;
  private readonly reliable: boolean;
  private readonly onProvisional: ((r: TransactionResult) => void) | undefined;
  /** Send-failure callback handed to the transport; created once per transaction, not per send. */
  readonly handleSendError: (error: SipError) => void;

  constructor(
    readonly host: TransactionHost,
    readonly branch: string,
    readonly method: string,
    readonly target: TransportTarget,
    readonly data: Buffer,
    onProvisional?: (r: TransactionResult) => void,
  ) {
    this.reliable = target.transport !== 'udp';
    this.interval = host.timers.t1;
    this.startedAt = 0;
    this.onProvisional = onProvisional;
    this.handleSendError = (error) => this.transportError(error);
    this.result = new Promise<TransactionResult>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  /** Sends the request and arms Timers E (UDP) and F. */
  start(): void {
    const s = this.host.scheduler;
    this.startedAt = s.now();
    if (!this.reliable) this.timerE = s.after(this.interval, ClientTransaction.fireE, this);
    this.timerF = s.after(timerF(this.host.timers), ClientTransaction.fireF, this);
    this.host.transmit(this);
  }

  /** When each retransmission (Timer E) went out, ms after the first send; empty when none did. */
  get retransmissions(): readonly number[] {
    return this.retransmitTimes ?? NO_RETRANSMISSIONS;
  }

  receive(result: TransactionResult): void {
    const status = result.response.status;
    if (this.state === 'trying' || this.state === 'proceeding') {
      if (status < 200) {
        this.state = 'proceeding';
        this.onProvisional?.(result);
        return;
      }
      // Timer K = 0 on reliable transports: straight to Terminated (§17.1.2.2).
      const k = timerK(this.host.timers, this.reliable);
      this.state = k === 0 ? 'terminated' : 'completed';
      this.host.scheduler.cancel(this.timerE);
      this.host.scheduler.cancel(this.timerF);
      this.timerE = this.timerF = null;
      this.host.completed(this, result, k);
      this.resolve(result);
    }
    // Completed: retransmitted final responses are absorbed (§17.1.2.2), by the layer.
  }

  /** A transport failure while waiting (§17.1.4): inform the TU, terminate. */
  transportError(error: SipError): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.host.failed(this, error);
    this.reject(error);
    this.terminate();
  }

  /**
   * Its transaction user gave up on it (the registration was dropped: another engine node owns it
   * now): no more retransmissions; a late response finds no transaction and is dropped.
   */
  abandon(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.reject(new SipError('E_CLOSED', `${this.method} abandoned`));
    this.terminate();
  }

  private static fireE(tx: ClientTransaction): void {
    tx.onTimerE();
  }

  private static fireF(tx: ClientTransaction): void {
    tx.onTimerF();
  }

  private onTimerE(): void {
    this.timerE = null;
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.interval = this.state === 'trying' ? Math.min(2 * this.interval, this.host.timers.t2) : this.host.timers.t2;
    const s = this.host.scheduler;
    this.timerE = s.after(this.interval, ClientTransaction.fireE, this);
    (this.retransmitTimes ??= []).push(s.now() - this.startedAt);
    this.host.retransmitted(this);
    this.host.transmit(this);
  }

  private onTimerF(): void {
    this.timerF = null;
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    const error = new SipError('E_TIMEOUT', `no final response to ${this.method} within ${timerF(this.host.timers)} ms`);
    this.host.failed(this, error);
    this.reject(error);
    this.terminate();
  }

  private terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    const s = this.host.scheduler;
    s.cancel(this.timerE);
    s.cancel(this.timerF);
    this.timerE = this.timerF = null;
    this.host.terminated(this);
  }
}
