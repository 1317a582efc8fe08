// What the Contact answers itself (a stateless UAS, RFC 3261 §8.2) when the
// proxy (registrar/proxy/) does not relay the request: OPTIONS is answered
// (§11.2, carriers' keep-alive checks such as Kamailio nathelper or Asterisk
// qualify), calls with no forward target are refused with a final response,
// and nothing that can be answered is met with silence.
import { parseCSeq } from '../message/cseq';
import type { SipRequest } from '../message/types';
import type { ResponseSpec } from './response';

/** Methods this UAS understands (Allow, §20.5): every other one gets 405. */
const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS'] as const;
const ALLOW = ALLOWED_METHODS.join(', ');

/** Warning (§20.43) of the 480 to an INVITE that has nowhere to go: names the settings. */
const CALL_FORWARDING_OFF_WARNING =
  '399 ddi-registrar "Call forwarding is not configured: set SIP_FORWARD_TO, or Forward to on the DDI provider"';

/** §8.1.1: mandatory in every request (Max-Forwards is not enforced: qualify probes often omit it). */
const MANDATORY = [
  ['via', 'Via'],
  ['from', 'From'],
  ['to', 'To'],
  ['call-id', 'Call-ID'],
  ['cseq', 'CSeq'],
] as const;

/** The response to `request`, or null when none is sent (ACK, §17.2.1). */
export function answer(request: SipRequest): ResponseSpec | null {
  const method = request.method;
  if (method === 'ACK') return null;
  const invalid = validate(request);
  if (invalid) return { status: 400, reason: invalid };
  // §8.2.2.3: extensions we do not support (none) listed in Require → 420 (not for CANCEL/ACK).
  const required = request.headers.getAll('require').flatMap((v) => v.split(',').map((s) => s.trim()).filter(Boolean));
  if (required.length > 0 && method !== 'CANCEL') return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', required.join(', ')]] };
  switch (method) {
    case 'OPTIONS':
      // §11.2: these header fields SHOULD be in a 200 to OPTIONS.
      return {
        status: 200,
        reason: 'OK',
        headers: [
          ['Allow', ALLOW],
          ['Accept', 'application/sdp'],
          ['Accept-Encoding', 'identity'],
          ['Accept-Language', 'en'],
          ['Supported', ''],
        ],
      };
    case 'INVITE':
      // Relayed only with a forward target: without one, §21.4.18, the callee is not available here.
      return { status: 480, reason: 'Temporarily Unavailable', headers: [['Warning', CALL_FORWARDING_OFF_WARNING]] };
    case 'CANCEL':
    case 'BYE':
      // Stateless: no INVITE transaction or dialog exists to match (§9.2, §15.1.2).
      return { status: 481, reason: 'Call/Transaction Does Not Exist' };
    default:
      return { status: 405, reason: 'Method Not Allowed', headers: [['Allow', ALLOW]] };
  }
}

/** The reason phrase of a 400, or null when the request is well-formed enough to answer. */
function validate(request: SipRequest): string | null {
  for (const [key, name] of MANDATORY) if (!request.headers.has(key)) return `Missing ${name} Header`;
  let cseqMethod: string;
  try {
    cseqMethod = parseCSeq(request.headers.get('cseq')).method;
  } catch {
    return 'Malformed CSeq Header';
  }
  // §20.16: the CSeq method MUST match that of the request.
  if (cseqMethod !== request.method) return 'CSeq Method Does Not Match';
  return null;
}
