// UAS counters exposed by the engine (for metrics export). Method labels are
// bounded: a method outside the SIP method registry counts as OTHER.
import type { TransportProtocol } from '../transport/types';

const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE', 'PUBLISH']);

export interface UasCounters {
  /** Inbound requests by method (registry methods, else OTHER) and transport. */
  requests: Record<string, Partial<Record<TransportProtocol, number>>>;
  /** Responses sent, by status code. */
  responses: Record<number, number>;
  /** Responses that could not be sent (stream connection gone, socket error). */
  sendErrors: number;
}

export function newUasCounters(): UasCounters {
  return { requests: {}, responses: {}, sendErrors: 0 };
}

export function countRequest(c: UasCounters, method: string, transport: TransportProtocol): void {
  const byTransport = (c.requests[KNOWN_METHODS.has(method) ? method : 'OTHER'] ??= {});
  byTransport[transport] = (byTransport[transport] ?? 0) + 1;
}

export function countResponse(c: UasCounters, status: number): void {
  c.responses[status] = (c.responses[status] ?? 0) + 1;
}
