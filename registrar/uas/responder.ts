// The server side of the Contact: every parsed request the transaction layer
// hands over is answered statelessly (RFC 3261 §8.2.7) by the policy. UDP
// responses go back to the packet's source ip:port (symmetric, RFC 3581 §4),
// stream responses over the connection the request came on (§18.2.2).
import type { SipRequest } from '../message/types';
import type { RemoteAddress, Transport, TransportProtocol } from '../transport/types';
import { countRequest, countResponse, newUasCounters, type UasCounters } from './counters';
import { answer } from './policy';
import { buildResponse } from './response';

export interface UasResponderOptions {
  transports: Partial<Record<TransportProtocol, Transport>>;
  /** Server header value (§20.35). */
  server: string;
  /** Each request with the response sent to it (null: none, e.g. ACK); traces hook in here. */
  onExchange?: (request: SipRequest, remote: RemoteAddress, response: Buffer | null) => void;
}

export class UasResponder {
  readonly counters: UasCounters = newUasCounters();

  constructor(private readonly options: UasResponderOptions) {}

  handle(request: SipRequest, remote: RemoteAddress): void {
    countRequest(this.counters, request.method, remote.transport);
    const spec = answer(request);
    let response: Buffer | null = null;
    if (spec) {
      response = buildResponse(request, remote, spec, this.options.server);
      countResponse(this.counters, spec.status);
      const transport = this.options.transports[remote.transport];
      const target = { transport: remote.transport, host: remote.host, port: remote.port, existingConnection: true };
      if (transport) transport.send(target, response, () => this.counters.sendErrors++);
      else this.counters.sendErrors++;
    }
    this.options.onExchange?.(request, remote, response);
  }
}
