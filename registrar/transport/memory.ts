// In-memory transport for unit tests: records what is sent and lets the test
// play the remote side by injecting inbound messages or send failures.
import type { SipError } from '../errors';
import type {
  ConnectionErrorHandler,
  InboundHandler,
  LocalAddress,
  RemoteAddress,
  SendErrorHandler,
  Transport,
  TransportCounters,
  TransportProtocol,
  TransportTarget,
} from './types';

export interface SentMessage {
  target: TransportTarget;
  data: Buffer;
  text: string;
}

export class MemoryTransport implements Transport {
  readonly counters: TransportCounters = { droppedInbound: 0, sendErrors: 0 };
  readonly sent: SentMessage[] = [];
  /** Called synchronously for every send; tests use it to answer requests. */
  onSend: ((message: SentMessage) => void) | null = null;
  private handler: InboundHandler = () => {};
  private connectionErrorHandler: ConnectionErrorHandler = () => {};
  private failures: SipError[] = [];

  constructor(
    readonly protocol: TransportProtocol = 'udp',
    private readonly local: LocalAddress = { host: '192.0.2.10', port: 5060 },
  ) {}

  open(): Promise<void> {
    return Promise.resolve();
  }

  setInboundHandler(handler: InboundHandler): void {
    this.handler = handler;
  }

  setConnectionErrorHandler(handler: ConnectionErrorHandler): void {
    this.connectionErrorHandler = handler;
  }

  send(target: TransportTarget, data: Buffer, onError?: SendErrorHandler): void {
    const failure = this.failures.shift();
    if (failure) {
      this.counters.sendErrors++;
      onError?.(failure);
      return;
    }
    const message = { target, data, text: data.toString('utf8') };
    this.sent.push(message);
    this.onSend?.(message);
  }

  localAddressFor(): Promise<LocalAddress> {
    return Promise.resolve(this.local);
  }

  /** Makes the next send fail with `error` (e.g. E_TRANSPORT for ICMP unreachable). */
  failNextSend(error: SipError): void {
    this.failures.push(error);
  }

  /** Delivers an inbound message as if it arrived from `remote`. */
  deliver(data: Buffer | string, remote: RemoteAddress): void {
    this.handler(typeof data === 'string' ? Buffer.from(data) : data, remote);
  }

  /** Plays a stream flow to `remote` being closed or reset by the far end. */
  loseFlow(remote: RemoteAddress, error: SipError): void {
    this.connectionErrorHandler(remote, error);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
