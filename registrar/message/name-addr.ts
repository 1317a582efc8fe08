// name-addr / addr-spec with header parameters, as used by Contact, To, From
// (RFC 3261 §20.10, §25.1). Without <...>, parameters after the URI belong to
// the header, not the URI.
import { SipError } from '../errors';
import { splitHeaderList } from './headers';
import { parseParams, type Params } from './params';
import { parseUri, type SipUri } from './uri';

export interface NameAddr {
  displayName: string | null;
  uri: SipUri;
  params: Params;
}

export function parseNameAddr(text: string): NameAddr {
  const value = text.trim();
  let displayName: string | null = null;
  let i = 0;
  if (value[0] === '"') {
    let k = 1;
    let name = '';
    while (k < value.length && value[k] !== '"') {
      if (value[k] === '\\' && k + 1 < value.length) k++;
      name += value[k++];
    }
    if (k >= value.length) throw new SipError('E_PARSE', 'unterminated quoted display name');
    displayName = name;
    i = k + 1;
  }
  const lt = value.indexOf('<', i);
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    if (gt < 0) throw new SipError('E_PARSE', 'unterminated <URI>');
    if (displayName === null) {
      const token = value.slice(i, lt).trim();
      displayName = token || null;
    }
    return { displayName, uri: parseUri(value.slice(lt + 1, gt)), params: parseParams(value.slice(gt + 1)) };
  }
  if (displayName !== null) throw new SipError('E_PARSE', 'display name without <URI>');
  const semi = value.indexOf(';');
  const uriText = semi >= 0 ? value.slice(0, semi) : value;
  return { displayName: null, uri: parseUri(uriText), params: parseParams(semi >= 0 ? value.slice(semi) : '') };
}

/** All entries of every header line with this list syntax, skipping '*' (Contact: *). */
export function parseNameAddrList(values: readonly string[]): NameAddr[] {
  const out: NameAddr[] = [];
  for (const line of values) {
    for (const item of splitHeaderList(line)) {
      if (item !== '*') out.push(parseNameAddr(item));
    }
  }
  return out;
}
