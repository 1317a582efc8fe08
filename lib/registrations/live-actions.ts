import 'server-only';
import { z } from 'zod';
import { getDb } from '../db/client';
import { first } from '../db/conn';
import { env } from '../env';
import { fail, ok, validationError, type ActionResult } from '../api/result';
import { actorOf, type Principal } from '../auth/principal';
import { eq } from 'drizzle-orm';
import { registrations } from '../db/schema';
import { recordAudit } from '../audit/record';
import { registrationLabel } from '../audit/entities';
import type { RegistrationStatus } from '../../registrar';
import { queueCommand } from './live';
import { PASSWORD_SCOPE_MESSAGE, scopeChanges, type PasswordScope } from './password-scope';
import { parseDenyList } from './test-deny';
import { TestLimiter } from './test-limiter';
import { NoEngineError, openStoredPassword, runTestRegistration, type TestRegistrationResult } from './test-registration';
import { testRegistrationSchema } from './test-registration-request';

// Plain server functions for the route handlers, not server actions: the principal comes from the
// authenticated request, so these must never be callable from the browser.

const idSchema = z.number().int().positive();

/** "Register now" (also resets the retry wait): the engine sends a REGISTER at once. */
export async function registerNow(principal: Principal, id: number): Promise<ActionResult<{ queued: true }>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'This registration does not exist.');
  return queueCommand(getDb(), id, 'register', actorOf(principal));
}

/** "Unregister": the engine removes the binding (Expires: 0) and waits for "Register now". */
export async function unregisterNow(principal: Principal, id: number): Promise<ActionResult<{ queued: true }>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'This registration does not exist.');
  return queueCommand(getDb(), id, 'unregister', actorOf(principal));
}

/** Two tests at a time and ten a minute per operator (see test-limiter.ts). */
const limiter = new TestLimiter({ concurrent: 2, perMinute: 10 });

type SavedScope = PasswordScope & { password: string | null };

async function savedScope(id: number): Promise<SavedScope | null> {
  return (
    (await first(
      getDb()
        .select({ password: registrations.password, domain: registrations.domain, registerServerUri: registrations.registerServerUri, realm: registrations.realm })
        .from(registrations)
        .where(eq(registrations.id, id)),
    )) ?? null
  );
}

/** "registered 200 OK", "retrying no-answer", … for the audit entry. */
function outcomeText(s: RegistrationStatus): string {
  return [s.state, s.code, s.reason].filter((x) => x !== null && x !== undefined && x !== '').join(' ');
}

/**
 * Runs one REGISTER (and its Expires: 0) with unsaved form values; see test-registration.ts. The
 * saved password of registration `id` is used only when the domain, registrar URI and realm are
 * its own (else the password must be typed); tests are paced per operator, refused towards
 * denied ranges, and every one is audited (who, target, password typed or saved, result).
 */
export async function testRegistration(principal: Principal, input: unknown): Promise<ActionResult<TestRegistrationResult> & { retryAfterMs?: number }> {
  const parsed = testRegistrationSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const values = parsed.data;
  const actor = actorOf(principal);
  const audit = (result: string, passwordSource: string) =>
    getDb().transaction((tx) =>
      recordAudit(tx, actor, {
        action: 'test',
        entityType: 'registration',
        entityId: values.id ?? 0,
        entityLabel: registrationLabel(values),
        changes: {
          target: { before: null, after: `${values.registerServerUri || `sip:${values.domain}`} (${values.transport})` },
          realm: { before: null, after: values.realm ?? null },
          password: { before: null, after: passwordSource },
          result: { before: null, after: result },
        },
      }),
    );

  let password: string | null = values.password || null;
  let source = password ? 'typed' : 'none';
  if (!password && values.id !== undefined) {
    const saved = await savedScope(values.id);
    if (!saved) return fail('not_found', `Registration #${values.id} does not exist.`);
    if (saved.password !== null) {
      if (scopeChanges(saved, values).length > 0) {
        await audit('refused: the saved password is not sent elsewhere', 'saved (refused)');
        return fail('validation', PASSWORD_SCOPE_MESSAGE, { password: PASSWORD_SCOPE_MESSAGE });
      }
      try {
        password = openStoredPassword(saved.password);
      } catch (err) {
        return fail('validation', `The test could not run: ${err instanceof Error ? err.message : String(err)}`);
      }
      source = 'saved';
    }
  }

  const slot = limiter.acquire(principal.operatorId);
  if (!slot.ok) {
    const seconds = Math.ceil(slot.retryAfterMs / 1000);
    return { ...fail('throttled', `Too many test registrations: try again in ${seconds} s.`), retryAfterMs: slot.retryAfterMs };
  }
  try {
    const deny = env().TEST_REGISTRATION_DENY ?? '';
    parseDenyList(deny); // a bad setting stops the test here, naming the entry
    const result = await runTestRegistration(values, password, deny);
    await audit(outcomeText(result.status), source);
    if (result.status.reason === 'denied') {
      return fail('forbidden', 'The registrar resolves to an address range an administrator has denied for tests; nothing was sent.');
    }
    return ok(result);
  } catch (err) {
    if (err instanceof NoEngineError) return fail('unavailable', `The test could not run: ${err.message}.`);
    const message = err instanceof Error ? err.message : String(err);
    return fail('validation', `The test could not run: ${message}`);
  } finally {
    slot.release();
  }
}
