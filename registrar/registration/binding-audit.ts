// Reading the answer to a binding query (RFC 3261 §10.2.3: "A success response
// to any REGISTER request contains the complete list of existing bindings").
import { parseNameAddrList, type NameAddr } from '../message/name-addr';
import type { SipResponse } from '../message/types';
import { formatUri, parseUri, sameBindingAddress, type SipUri } from '../message/uri';

/**
 * 'listed': our Contact is among the bindings; 'missing': other bindings are listed but
 * not ours; 'none': no Contact at all (lost every binding, or the registrar does not list).
 */
export type AuditVerdict = 'listed' | 'missing' | 'none';

export function auditVerdict(response: SipResponse, ourContact: string | null): AuditVerdict {
  let contacts: NameAddr[];
  try {
    contacts = parseNameAddrList(response.headers.getAll('contact'));
  } catch {
    // An unreadable list proves nothing either way.
    return 'none';
  }
  if (contacts.length === 0) return 'none';
  let ours: SipUri;
  try {
    ours = parseUri(ourContact ?? '');
  } catch {
    return 'missing';
  }
  // A Contact listed with expires=0 is on its way out (§10.3 step 7), not a binding.
  const listed = contacts.some((c) => sameBindingAddress(c.uri, ours) && c.params.get('expires') !== '0');
  return listed ? 'listed' : 'missing';
}

/**
 * Bindings of our DDI other than ours in a 2xx (it lists every binding of the AOR, §10.2.3):
 * Contacts of another engine node that held this registration before (`sip:<ddi>@<its address>`),
 * left when it stopped before the Contact it used was known to the next owner. Removed by the
 * next REGISTER (`;expires=0`), as the previous owner's own Contact is on a takeover.
 */
export function leftoverContacts(response: SipResponse, ourContact: string, ddi: string): string[] {
  let contacts: NameAddr[];
  let ours: SipUri;
  try {
    contacts = parseNameAddrList(response.headers.getAll('contact'));
    ours = parseUri(ourContact);
  } catch {
    return [];
  }
  return contacts
    .filter((c) => c.uri.user === ddi && c.params.get('expires') !== '0' && !sameBindingAddress(c.uri, ours))
    .map((c) => formatUri(c.uri));
}
