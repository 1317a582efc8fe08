/**
 * Where a saved SIP password may be sent: only to the registrar it was saved for. Whoever edits a
 * registration (or tests one) and points it elsewhere — another domain, registrar URI or realm —
 * must type the password again, so a saved password can never be spent on a host the editor
 * chose (a chosen-nonce digest of it is crackable offline).
 */

const PASSWORD_SCOPE_FIELDS = ['domain', 'registerServerUri', 'realm'] as const;
export type PasswordScopeField = (typeof PASSWORD_SCOPE_FIELDS)[number];
export type PasswordScope = Record<PasswordScopeField, string | null | undefined>;

export const PASSWORD_SCOPE_MESSAGE =
  "Type the password again: a saved password is only sent to this registration's own domain, registrar URI and realm.";

const norm = (v: string | null | undefined) => (v === undefined || v === null ? '' : v.trim());

/** The scope fields that `next` (absent = unchanged) sets to another value than `saved`. */
export function scopeChanges(saved: PasswordScope, next: Partial<PasswordScope>): PasswordScopeField[] {
  return PASSWORD_SCOPE_FIELDS.filter((f) => next[f] !== undefined && norm(next[f]) !== norm(saved[f]));
}
