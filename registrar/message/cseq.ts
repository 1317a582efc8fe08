// CSeq header (RFC 3261 §20.16): "sequence-number SP method".
import { SipError } from '../errors';

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string | undefined): CSeq {
  if (value === undefined) throw new SipError('E_PARSE', 'missing CSeq');
  const v = value.trim();
  const sp = v.indexOf(' ');
  if (sp <= 0) throw new SipError('E_PARSE', 'malformed CSeq');
  const seq = Number(v.slice(0, sp));
  const method = v.slice(sp + 1).trim();
  if (!Number.isInteger(seq) || seq < 0 || seq > 0x7fffffff || !method) throw new SipError('E_PARSE', 'malformed CSeq');
  return { seq, method };
}
