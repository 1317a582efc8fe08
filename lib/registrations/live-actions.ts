import 'server-only';
import { z } from 'zod';
import { getDb } from '../db/client';
import { env } from '../env';
import { fail, ok, validationError, type ActionResult } from '../api/result';
import { actorOf, type Principal } from '../auth/principal';
import { queueCommand, storedPassword } from './live';
import { runTestRegistration, testRegistrationSchema, type TestRegistrationResult } from './test-registration';

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

/** Runs one REGISTER (and its Expires: 0) with unsaved form values; see test-registration.ts. */
export async function testRegistration(input: unknown): Promise<ActionResult<TestRegistrationResult>> {
  const parsed = testRegistrationSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  const values = parsed.data;
  const password = values.password || (values.id ? storedPassword(getDb(), values.id) : null);
  try {
    return ok(await runTestRegistration(values, password, env()));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return fail('validation', `The test could not run: ${message}`);
  }
}
