// DDI (the Contact user) → registration id, so that a request reaching the
// Contact for a DDI shows up in that registration's SIP messages.
import { parseNameAddr } from '../message/name-addr';
import type { SipRequest } from '../message/types';
import { parseUri } from '../message/uri';

export class DdiIndex {
  private readonly ids = new Map<string, string>();

  /** Registration `id` now has `ddi`; `previous` (its DDI until now) is forgotten if it still names `id`. */
  set(id: string, ddi: string, previous?: string): void {
    if (previous !== undefined && previous !== ddi) this.delete(id, previous);
    this.ids.set(ddi, id);
  }

  delete(id: string, ddi: string): void {
    if (this.ids.get(ddi) === id) this.ids.delete(ddi);
  }

  /** The registration a request is addressed to: by Request-URI user, else by To user. */
  lookup(request: SipRequest): string | undefined {
    const byUri = this.ids.get(userOf(() => parseUri(request.uri)) ?? '');
    return byUri ?? this.ids.get(userOf(() => parseNameAddr(request.headers.get('to') ?? '').uri) ?? '');
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
