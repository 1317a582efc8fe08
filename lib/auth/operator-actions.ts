/**
 * Operators management (admin only, by the access policy): create, edit, disable, reset the
 * password of and delete operators. Input is parsed here; every change is audited in its write
 * transaction, and a change of role, a disable or a password reset signs that operator out.
 */
import 'server-only';
import type { Conn } from '../db/conn';
import { getDb } from '../db/client';
import type { Deleted } from '../api/contracts';
import { fail, guarded, ok, validationError, type ActionResult, type ApiError } from '../api/result';
import { diffChanges, recordAudit } from '../audit/record';
import * as store from './operators';
import type { OperatorJson } from './operators';
import { hashPassword } from './password';
import { actorOf, type Principal } from './principal';
import { operatorCreateSchema, operatorPatchSchema, type OperatorPatch } from './schema';
import { revokeOperatorSessions } from './sessions';
import { unlockAccount } from './throttle';
import { revokeTokensAudited } from './token-revocation';

const SECRET_KEYS = ['password'] as const;
/** Stands for a new password in the audit diff, which records only that it changed. */
const NEW_PASSWORD = 'new';

function emailTaken(email: string): { error: ApiError } {
  const message = `An operator with the e-mail ${email} already exists.`;
  return fail('conflict', message, { email: message });
}

const lastAdmin = (what: string) =>
  fail('last_admin', `This is the last enabled admin: it cannot be ${what}. Make another operator an admin first.`);

const missing = (id: number) => fail('not_found', `Operator #${id} does not exist.`);

const isEnabledAdmin = (o: Pick<OperatorJson, 'role' | 'disabled'>) => o.role === 'admin' && !o.disabled;

/** True when taking `operator` out of the enabled admins would leave none. */
async function isLastAdmin(tx: Conn, operator: OperatorJson): Promise<boolean> {
  return isEnabledAdmin(operator) && (await store.countOtherEnabledAdmins(tx, operator.id)) === 0;
}

export async function listOperators(): Promise<OperatorJson[]> {
  return store.listOperators(getDb());
}

export async function getOperator(id: number): Promise<OperatorJson | null> {
  return store.getOperator(getDb(), id);
}

/** `{ email, name?, role, password }`; 409 `conflict` (fields.email) when the e-mail is in use. */
export async function createOperator(principal: Principal, input: unknown): Promise<ActionResult<OperatorJson>> {
  const parsed = operatorCreateSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const db = getDb();
  if (await store.findOperatorByEmail(db, parsed.data.email)) return emailTaken(parsed.data.email);
  const values = await store.operatorValues(parsed.data);
  return guarded('createOperator', () =>
    db.transaction(
      async (tx) => {
        if (await store.findOperatorByEmail(tx, values.email)) return emailTaken(values.email);
        const created = await store.insertOperator(tx, values);
        const { email, name, role, disabled } = created;
        await recordAudit(tx, actorOf(principal), {
          action: 'create',
          entityType: 'operator',
          entityId: created.id,
          entityLabel: created.email,
          changes: diffChanges({}, { email, name, role, disabled, password: NEW_PASSWORD }, SECRET_KEYS),
        });
        return ok(created);
      },
      { behavior: 'immediate' },
    ),
  );
}

/** The audit action of an edit: enabling and disabling are named as such. */
function editAction(before: OperatorJson, disabled: boolean | undefined): string {
  if (disabled === undefined || disabled === before.disabled) return 'update';
  return disabled ? 'disable' : 'enable';
}

async function applyEdit(
  tx: Conn,
  principal: Principal,
  id: number,
  patch: OperatorPatch,
  passwordHash: string | undefined,
): Promise<ActionResult<OperatorJson>> {
  const before = await store.getOperator(tx, id);
  if (!before) return missing(id);
  const next = { role: patch.role ?? before.role, disabled: patch.disabled ?? before.disabled };
  if (!isEnabledAdmin(next) && (await isLastAdmin(tx, before))) return lastAdmin(next.disabled ? 'disabled' : 'given another role');
  const { password, revokeTokens, ...fields } = patch;
  const changes = diffChanges<Record<string, unknown>>({ ...before, password: 'set' }, { ...fields, password: password && NEW_PASSWORD }, SECRET_KEYS);
  if (Object.keys(changes).length === 0) return ok(before);
  const updated = (await store.updateOperator(tx, id, { ...fields, ...(passwordHash ? { passwordHash } : {}) }))!;
  if (changes.role || changes.disabled || changes.password) {
    // Acting on yourself keeps the session in use (unless disabling it); anyone else is signed out everywhere.
    const keep = id === principal.operatorId && !updated.disabled ? principal.sessionId : undefined;
    await revokeOperatorSessions(tx, id, keep);
  }
  const actor = actorOf(principal);
  await recordAudit(tx, actor, { action: editAction(before, patch.disabled), entityType: 'operator', entityId: id, entityLabel: before.email, changes });
  // A disable always revokes the API tokens (re-enabling does not bring them back); a password reset does unless told not to.
  const reason = changes.disabled && updated.disabled ? 'operator disabled' : changes.password && revokeTokens !== false ? 'password reset' : null;
  if (reason) await revokeTokensAudited(tx, actor, before, reason);
  return ok(updated);
}

/**
 * `{ name?, role?, disabled?, password?, revokeTokens? }`. The last enabled admin cannot be demoted
 * or disabled (409 `last_admin`). A role change, a disable or a new password signs the operator
 * out; a disable revokes their API tokens, and so does a new password unless `revokeTokens` is
 * false; after a role change their tokens act with the new role.
 */
export async function updateOperator(principal: Principal, id: number, input: unknown): Promise<ActionResult<OperatorJson>> {
  const parsed = operatorPatchSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const db = getDb();
  if (!(await store.getOperator(db, id))) return missing(id);
  const passwordHash = parsed.data.password === undefined ? undefined : await hashPassword(parsed.data.password);
  return guarded('updateOperator', () => db.transaction(async (tx) => applyEdit(tx, principal, id, parsed.data, passwordHash), { behavior: 'immediate' }));
}

/** Deletes an operator with their sessions and tokens; not yourself, nor the last enabled admin. */
export async function deleteOperator(principal: Principal, id: number): Promise<ActionResult<Deleted>> {
  if (id === principal.operatorId) return fail('conflict', 'You cannot delete your own account; another admin can.');
  return guarded('deleteOperator', () =>
    getDb().transaction(
      async (tx) => {
        const before = await store.getOperator(tx, id);
        if (!before) return missing(id);
        if (await isLastAdmin(tx, before)) return lastAdmin('deleted');
        await store.deleteOperator(tx, id);
        const { email, name, role, disabled } = before;
        await recordAudit(tx, actorOf(principal), {
          action: 'delete',
          entityType: 'operator',
          entityId: id,
          entityLabel: before.email,
          changes: diffChanges<Record<string, unknown>>({ email, name, role, disabled }, { email: null, name: null, role: null, disabled: null }),
        });
        return ok({ id });
      },
      { behavior: 'immediate' },
    ),
  );
}

/**
 * Clears the sign-in failures recorded for an operator's account, its (account, address) pairs
 * and the addresses that failed on it, so they can sign in again at once (audited).
 */
export async function unlockOperator(principal: Principal, id: number): Promise<ActionResult<{ unlocked: true; cleared: number }>> {
  return guarded('unlockOperator', () =>
    getDb().transaction(
      async (tx) => {
        const op = await store.getOperator(tx, id);
        if (!op) return missing(id);
        const cleared = await unlockAccount(tx, op.email);
        await recordAudit(tx, actorOf(principal), { action: 'unlock', entityType: 'operator', entityId: id, entityLabel: op.email, changes: { signInFailures: { before: cleared, after: 0 } } });
        return ok({ unlocked: true as const, cleared });
      },
      { behavior: 'immediate' },
    ),
  );
}
