import 'server-only';
import { z } from 'zod';
import { getDb } from '../db/client';
import type { RegistrationJson } from '../api/contracts';
import { fail, guarded, validationError, type ActionResult } from '../api/result';
import { actorOf, type Principal } from '../auth/principal';
import { registrationInputSchema, registrationPatchSchema } from './schema';
import * as service from './service';

// Plain server functions for the route handlers, not server actions: the principal comes from the
// authenticated request, so these must never be callable from the browser.

const idSchema = z.number().int().positive();

/** Creates a registration from untrusted input (parsed with registrationInputSchema). */
export async function createRegistration(principal: Principal, input: unknown): Promise<ActionResult<RegistrationJson>> {
  const parsed = registrationInputSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('createRegistration', () => service.createRegistration(getDb(), parsed.data, actorOf(principal)));
}

/**
 * Updates a registration from an untrusted patch (registrationPatchSchema). Password: absent or ''
 * keeps the stored one, null clears it, a string sets it. An old `revision` → 409 `stale`.
 */
export async function updateRegistration(principal: Principal, id: number, patch: unknown): Promise<ActionResult<RegistrationJson>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'Registration does not exist.');
  const parsed = registrationPatchSchema.safeParse(patch);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('updateRegistration', () => service.updateRegistration(getDb(), id, parsed.data, actorOf(principal)));
}

export async function deleteRegistration(principal: Principal, id: number): Promise<ActionResult<{ id: number }>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'Registration does not exist.');
  return guarded('deleteRegistration', () => service.deleteRegistration(getDb(), id, actorOf(principal)));
}
