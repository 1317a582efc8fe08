/**
 * Webhook body signatures, the scheme Stripe and Slack use: `X-Signature: t=<unix seconds>,v1=<hex>`
 * where the hex is HMAC-SHA256(secret, `<t>.<raw body>`). The timestamp is inside the signed
 * text, so a receiver that refuses a `t` older than its tolerance (5 minutes here) cannot be fed
 * a captured request again later, and cannot have the timestamp swapped.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Signature';
export const SIGNATURE_TOLERANCE_S = 300;

export function signatureHeader(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true; t: number } | { ok: false; reason: 'malformed' | 'mismatch' | 'too-old' | 'in-future' };

/** What a receiver does (and the tests do): parse, recompute, compare in constant time, check the age. */
export function verifySignature(secret: string, body: string, header: string | null | undefined, nowMs: number, toleranceS = SIGNATURE_TOLERANCE_S): SignatureCheck {
  const parts = new Map((header ?? '').split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return { ok: false, reason: 'malformed' };
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return { ok: false, reason: 'mismatch' };
  const age = nowMs / 1000 - t;
  if (age > toleranceS) return { ok: false, reason: 'too-old' };
  if (age < -toleranceS) return { ok: false, reason: 'in-future' };
  return { ok: true, t };
}
