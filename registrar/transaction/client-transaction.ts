// Non-INVITE client transaction, RFC 3261 §17.1.2 (Figure 6).
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//   Trying/Proceeding --Timer F or transport error--> Terminated
//
// Timer E retransmits over UDP only: T1, doubling up to T2 in Trying; T2 in
// Proceeding (§17.1.2.2). Reliable transports never retransmit (§17.1.2.1).
import { SipError } from '../errors';
import type { SipResponse } from '../message/types';
import type { ScheduledTask, Scheduler } from '../scheduler';
import type { RemoteAddress, TransportTarget } from '../transport/types';
import { timerF, timerK, type TimerValues } from './timers';

export type ClientTransactionState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export interface TransactionResult {
  response: SipResponse;
  raw: Buffer;
  remote: RemoteAddress;
}

/** Hooks from a transaction back into its transaction layer. */
export interface TransactionHost {
  readonly scheduler: Scheduler;
  readonly timers: TimerValues;
  transmit(tx: ClientTransaction): void;
  retransmitted(): void;
  completed(tx: ClientTransaction, result: TransactionResult): void;
  failed(error: SipError): void;
  terminated(tx: ClientTransaction): void;
}

export class ClientTransaction {
  state: ClientTransactionState = 'trying';
  readonly startedAt: number;
  readonly result: Promise<TransactionResult>;
  private resolve!: (r: TransactionResult) => void;
  private reject!: (e: SipError) => void;
  private interval: number;
  private timerE: ScheduledTask | null = null;
  private timerF: ScheduledTask | null = null;
  private timerK: ScheduledTask | null = null;
  private readonly reliable: boolean;
  private readonly onProvisional: ((r: TransactionResult) => void) | undefined;
  /** Bound once per transaction, not per firing. */
  readonly handleSendError = (error: SipError): void => this.transportError(error);
  private readonly fireE = (): void => this.onTimerE();
  private readonly fireF = (): void => this.onTimerF();
  private readonly fireK = (): void => this.terminate();

  constructor(
    private readonly host: TransactionHost,
    readonly branch: string,
    readonly method: string,
    readonly target: TransportTarget,
    readonly data: Buffer,
    onProvisional?: (r: TransactionResult) => void,
  ) {
    this.reliable = target.transport !== 'udp';
    this.interval = host.timers.t1;
    this.startedAt = host.scheduler.now();
    this.onProvisional = onProvisional;
    this.result = new Promise<TransactionResult>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  /** Sends the request and arms Timers E (UDP) and F. */
  start(): void {
    const s = this.host.scheduler;
    if (!this.reliable) this.timerE = s.after(this.interval, this.fireE);
    this.timerF = s.after(timerF(this.host.timers), this.fireF);
    this.host.transmit(this);
  }

  receive(result: TransactionResult): void {
    const status = result.response.status;
    if (this.state === 'trying' || this.state === 'proceeding') {
      if (status < 200) {
        this.state = 'proceeding';
        this.onProvisional?.(result);
        return;
      }
      this.state = 'completed';
      this.host.scheduler.cancel(this.timerE);
      this.host.scheduler.cancel(this.timerF);
      this.timerE = this.timerF = null;
      this.host.completed(this, result);
      this.resolve(result);
      const k = timerK(this.host.timers, this.reliable);
      if (k === 0) this.terminate();
      else this.timerK = this.host.scheduler.after(k, this.fireK);
    }
    // Completed: retransmitted final responses are absorbed (§17.1.2.2).
  }

  /** A transport failure while waiting (§17.1.4): inform the TU, terminate. */
  transportError(error: SipError): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.host.failed(error);
    this.reject(error);
    this.terminate();
  }

  private onTimerE(): void {
    this.timerE = null;
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.interval = this.state === 'trying' ? Math.min(2 * this.interval, this.host.timers.t2) : this.host.timers.t2;
    this.timerE = this.host.scheduler.after(this.interval, this.fireE);
    this.host.retransmitted();
    this.host.transmit(this);
  }

  private onTimerF(): void {
    this.timerF = null;
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    const error = new SipError('E_TIMEOUT', `no final response to ${this.method} within ${timerF(this.host.timers)} ms`);
    this.host.failed(error);
    this.reject(error);
    this.terminate();
  }

  private terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    const s = this.host.scheduler;
    s.cancel(this.timerE);
    s.cancel(this.timerF);
    s.cancel(this.timerK);
    this.timerE = this.timerF = this.timerK = null;
    this.host.terminated(this);
  }
}
