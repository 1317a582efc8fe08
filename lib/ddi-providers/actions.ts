import 'server-only';
import { z } from 'zod';
import { getDb } from '../db/client';
import type { DdiProviderJson, Deleted } from '../api/contracts';
import { fail, guarded, validationError, type ActionResult } from '../api/result';
import { actorOf, type Principal } from '../auth/principal';
import { ddiProviderInputSchema, ddiProviderPatchSchema } from './schema';
import * as service from './service';

// Plain server functions for the route handlers, not server actions: the principal comes from the
// authenticated request, so these must never be callable from the browser.

const idSchema = z.number().int().positive();

export async function createDdiProvider(principal: Principal, input: unknown): Promise<ActionResult<DdiProviderJson>> {
  const parsed = ddiProviderInputSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('createDdiProvider', () => service.createDdiProvider(getDb(), parsed.data, actorOf(principal)));
}

/** Updates a provider from an untrusted patch (ddiProviderPatchSchema). An old `revision` → 409 `stale`. */
export async function updateDdiProvider(principal: Principal, id: number, patch: unknown): Promise<ActionResult<DdiProviderJson>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'DDI provider does not exist.');
  const parsed = ddiProviderPatchSchema.safeParse(patch);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('updateDdiProvider', () => service.updateDdiProvider(getDb(), id, parsed.data, actorOf(principal)));
}

/**
 * Deletes a provider. With registrations it answers `has_registrations` (fields.registrationCount)
 * unless `confirm` is true; then they are deleted with it.
 */
export async function deleteDdiProvider(principal: Principal, id: number, opts: { confirm?: boolean } = {}): Promise<ActionResult<Deleted>> {
  if (!idSchema.safeParse(id).success) return fail('not_found', 'DDI provider does not exist.');
  return guarded('deleteDdiProvider', () => service.deleteDdiProvider(getDb(), id, actorOf(principal), { confirm: opts.confirm === true }));
}
