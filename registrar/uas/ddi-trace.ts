// Requests reaching the Contact for a DDI (the Contact user) show up in that
// registration's SIP messages: DDI → registration id, and the recording of
// the request with our response. A carrier's OPTIONS qualify (often every
// 30–60 s) is recorded once per OPTIONS_TRACE_EVERY_MS per registration and
// transport, so it does not push the REGISTER exchanges out of the kept messages; every
// request is still counted in the engine counters.
import { parseNameAddr } from '../message/name-addr';
import type { SipRequest, SipResponse } from '../message/types';
import { parseUri } from '../message/uri';
import { formatTarget, type RemoteAddress, type TransportTarget } from '../transport/types';

/** Appends one message to a registration's trace (the engine's onTrace, timestamped there). */
export type TraceRecorder = (registrationId: string, direction: 'in' | 'out', remote: string, text: string) => void;

/** One traced OPTIONS per registration per 10 minutes. */
const OPTIONS_TRACE_EVERY_MS = 10 * 60 * 1000;

export class DdiTrace {
  private readonly ids = new Map<string, string>();
  /** `<registration id>/<transport>` → when its last OPTIONS was recorded. */
  private readonly optionsAt = new Map<string, number>();

  constructor(
    private readonly record: TraceRecorder,
    private readonly now: () => number,
  ) {}

  /** Registration `id` now has `ddi`; `previous` (its DDI until now) is forgotten if it still names `id`. */
  set(id: string, ddi: string, previous?: string): void {
    if (previous !== undefined && previous !== ddi) this.delete(id, previous);
    this.ids.set(ddi, id);
  }

  delete(id: string, ddi: string): void {
    if (this.ids.get(ddi) === id) this.ids.delete(ddi);
    for (const transport of ['udp', 'tcp', 'tls']) this.optionsAt.delete(`${id}/${transport}`);
  }

  /** The registration whose DDI is `ddi`. */
  idOf(ddi: string | null): string | undefined {
    return ddi === null ? undefined : this.ids.get(ddi);
  }

  /** A request relayed by the proxy (registrar/proxy/): the one received and the one sent, once per transaction. */
  relayed(request: SipRequest, remote: RemoteAddress, forwarded: Buffer, target: TransportTarget): void {
    const id = this.lookup(request);
    if (id === undefined) return;
    this.record(id, 'in', formatTarget(remote), request.text);
    this.record(id, 'out', formatTarget(target), forwarded.toString('utf8'));
  }

  /** A final response the proxy relayed back to the caller, filed under the DDI in its To. */
  relayedResponse(response: SipResponse, forwarded: Buffer, target: TransportTarget): void {
    const id = this.ids.get(userOf(() => parseNameAddr(response.headers.get('to') ?? '').uri) ?? '');
    if (id !== undefined) this.record(id, 'out', formatTarget(target), forwarded.toString('utf8'));
  }

  /** The registration a request is addressed to: by Request-URI user, else by To user. */
  lookup(request: SipRequest): string | undefined {
    const byUri = this.ids.get(userOf(() => parseUri(request.uri)) ?? '');
    return byUri ?? this.ids.get(userOf(() => parseNameAddr(request.headers.get('to') ?? '').uri) ?? '');
  }

  /** Records a request naming a DDI ('in') and our response to it ('out'), if any. */
  exchange(request: SipRequest, remote: RemoteAddress, response: Buffer | null): void {
    const id = this.lookup(request);
    if (id === undefined) return;
    if (request.method === 'OPTIONS') {
      const now = this.now();
      const key = `${id}/${remote.transport}`;
      const last = this.optionsAt.get(key);
      if (last !== undefined && now - last < OPTIONS_TRACE_EVERY_MS) return;
      this.optionsAt.set(key, now);
    }
    const from = formatTarget(remote);
    this.record(id, 'in', from, request.text);
    if (response) this.record(id, 'out', from, response.toString('utf8'));
  }
}

/** The user part of a URI, or null when there is none or it does not parse (e.g. tel:). */
function userOf(parse: () => { user: string | null }): string | null {
  try {
    return parse().user;
  } catch {
    return null;
  }
}
