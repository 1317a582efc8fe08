// Branch of the Via this proxy adds, computed statelessly (RFC 3261 §16.11):
//   "The stateless proxy MAY use any technique it likes to guarantee uniqueness of its branch
//    IDs across transactions. However, the following procedure is RECOMMENDED. The proxy
//    examines the branch ID in the topmost Via header field of the received request. If it
//    begins with the magic cookie, the first component of the branch ID of the outgoing request
//    is computed as a hash of the received branch ID. Otherwise, the first component of the
//    branch ID is computed as a hash of the topmost Via, the tag in the To header field, the tag
//    in the From header field, the Call-ID header field, the CSeq number (but not method), and
//    the Request-URI from the received request."
// A CANCEL and an ACK for a non-2xx carry the branch of their INVITE (§9.1, §17.1.1.3), so they
// get the same outgoing branch as that INVITE and match its transaction at the next hop.
// The second component (§16.6 step 8) hashes what routing depends on, so a request that comes
// back unchanged is a loop and one whose Request-URI or Route changed is a spiral (§16.3 step 4).
import { createHash } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from '../message/via';

/** After the magic cookie: marks the branches of Vias this proxy added. */
const PROXY_BRANCH_MARK = 'dr';

export interface BranchInputs {
  /** Branch of the received top Via, or null when it has none. */
  topBranch: string | null;
  topVia: string;
  toTag: string | null;
  fromTag: string | null;
  callId: string;
  cseqNumber: number;
  /** The Request-URI as received. */
  requestUri: string;
  /** The Route values as received, and Proxy-Require / Proxy-Authorization (§16.3 step 4). */
  routes: readonly string[];
  proxyRequire: readonly string[];
  proxyAuthorization: readonly string[];
}

function hash(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, chars).replace(/[-_]/g, 'x');
}

/** The transaction component: the same for a request, its retransmissions, its CANCEL and its non-2xx ACK. */
function transactionPart(i: BranchInputs): string {
  if (i.topBranch?.startsWith(BRANCH_MAGIC_COOKIE)) return hash(i.topBranch, 16);
  return hash([i.topVia, i.toTag ?? '', i.fromTag ?? '', i.callId, i.cseqNumber, i.requestUri].join('\n'), 16);
}

/** The loop-detection component (§16.3 step 4: the fields that affect this proxy's routing). */
export function routingPart(i: BranchInputs): string {
  // Not the To tag: the ACK of a non-2xx carries one its INVITE did not, and must keep its branch.
  return hash([i.requestUri, ...i.routes, '|', ...i.proxyRequire, '|', ...i.proxyAuthorization, '|', i.fromTag ?? '', i.callId, i.cseqNumber].join('\n'), 8);
}

export function proxyBranch(i: BranchInputs): string {
  return `${BRANCH_MAGIC_COOKIE}${PROXY_BRANCH_MARK}${transactionPart(i)}.${routingPart(i)}`;
}

export function isProxyBranch(branch: string | null | undefined): branch is string {
  return !!branch && branch.startsWith(BRANCH_MAGIC_COOKIE + PROXY_BRANCH_MARK);
}

/** The routing component of one of our branches. */
export function routingPartOf(branch: string): string | null {
  const dot = branch.lastIndexOf('.');
  return dot < 0 ? null : branch.slice(dot + 1);
}
