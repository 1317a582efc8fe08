// CSeq arithmetic of a takeover (registrar/cluster/): how far above the persisted CSeq a new
// owner starts, and how far the CSeq sent may run ahead of the persisted one. Dependency-free:
// the engine's Registration and the status writers (also in the write thread) both use it.

/**
 * CSeq gap a new owner leaves above the CSeq persisted by the previous one (RFC 3261 §10.3 step 7:
 * for the same Call-ID the registrar refuses a CSeq not higher than the binding's). The previous
 * owner persists its CSeq with a status whenever it is KEEP_CSEQ_STEP or more ahead of the one
 * persisted (and at once when the Call-ID or Contact changes), and when it hands back, so the
 * requests it may have sent after the last persisted one are fewer than KEEP_CSEQ_STEP plus those
 * of exchanges still unanswered when it died or was cut off (each at most MAX_AUTH_ROUNDS +
 * MAX_INTERVAL_RETRIES + redirects per server; its gate sends nothing after its lease). 1000 is
 * well above that, and leaves room for two million takeovers in the 2^31 CSeq space.
 */
export const TAKEOVER_CSEQ_GAP = 1000;

/**
 * How far the CSeq sent may run ahead of the one persisted in the lease row before the status
 * writer writes it again (registrar/store/kept-bindings.ts): half the gap, so a new owner's first
 * CSeq is still above every one sent under the Call-ID. Without it every status rewrote the lease
 * row (issue 12: 30,000 UPDATEs in a 10,000 burst).
 */
export const KEEP_CSEQ_STEP = TAKEOVER_CSEQ_GAP / 2;
