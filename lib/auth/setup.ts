/**
 * First run: while no operator exists, the setup page (or ADMIN_EMAIL / ADMIN_PASSWORD in the
 * environment) creates the first admin. Once one exists, setup is closed for good.
 */
import type { Db } from '../db/client';
import { fail, ok, type ActionResult } from '../api/result';
import { recordAudit } from '../audit/record';
import { systemActor } from './principal';
import { countOperators, insertOperator, operatorValues, type OperatorJson } from './operators';
import { operatorCreateSchema, type FirstAdminInput } from './schema';

export async function setupNeeded(db: Db): Promise<boolean> {
  return (await countOperators(db)) === 0;
}

/** Creates the first admin; `setup_done` when any operator exists already (checked in the write transaction). */
export async function createFirstAdmin(db: Db, input: FirstAdminInput, via = 'setup'): Promise<ActionResult<OperatorJson>> {
  if (!(await setupNeeded(db))) return fail('setup_done', 'The portal is already set up: sign in instead.');
  const values = await operatorValues({ ...input, role: 'admin' });
  return db.transaction(
    async (tx) => {
      if ((await countOperators(tx)) > 0) return fail('setup_done', 'The portal is already set up: sign in instead.');
      const created = await insertOperator(tx, values);
      await recordAudit(tx, { ...systemActor, via }, { action: 'create', entityType: 'operator', entityId: created.id, entityLabel: created.email, changes: { role: { before: null, after: 'admin' } } });
      return ok(created);
    },
    { behavior: 'immediate' },
  );
}

/**
 * Headless first run: with no operators and ADMIN_EMAIL + ADMIN_PASSWORD set, creates that admin.
 * Does nothing once operators exist (the variables never overwrite an account).
 */
export async function bootstrapAdminFromEnv(db: Db, vars: { ADMIN_EMAIL?: string; ADMIN_PASSWORD?: string }): Promise<string | null> {
  if (!vars.ADMIN_EMAIL || !vars.ADMIN_PASSWORD || !(await setupNeeded(db))) return null;
  const parsed = operatorCreateSchema.safeParse({ email: vars.ADMIN_EMAIL, password: vars.ADMIN_PASSWORD, role: 'admin', name: 'Administrator' });
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path[0] === 'email' ? 'ADMIN_EMAIL' : 'ADMIN_PASSWORD'}: ${i.message}`);
    throw new Error(`Cannot create the first admin from the environment:\n  ${fields.join('\n  ')}`);
  }
  const { role: _role, ...input } = parsed.data;
  const result = await createFirstAdmin(db, input, 'env');
  return 'data' in result ? result.data.email : null;
}
