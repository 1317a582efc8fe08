'use server';
import 'server-only';
import { z } from 'zod';
import { getDb } from '../db/client';
import type { RegistrationJson } from '../api/contracts';
import { fail, guarded, validationError, type ActionResult } from '../api/result';
import { registrationInputSchema, registrationPatchSchema } from './schema';
import * as service from './service';

const idSchema = z.number().int().positive();

/** Creates a registration from untrusted input (parsed with registrationInputSchema). */
export async function createRegistration(input: unknown): Promise<ActionResult<RegistrationJson>> {
  const parsed = registrationInputSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('createRegistration', () => service.createRegistration(getDb(), parsed.data));
}

/**
 * Updates a registration from an untrusted patch (registrationPatchSchema). Password: absent or ''
 * keeps the stored one, null clears it, a string sets it.
 */
export async function updateRegistration(id: number, patch: unknown): Promise<ActionResult<RegistrationJson>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'Registration does not exist.');
  const parsed = registrationPatchSchema.safeParse(patch);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('updateRegistration', () => service.updateRegistration(getDb(), id, parsed.data));
}

export async function deleteRegistration(id: number): Promise<ActionResult<{ id: number }>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'Registration does not exist.');
  return guarded('deleteRegistration', () => service.deleteRegistration(getDb(), id));
}
