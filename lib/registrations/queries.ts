import 'server-only';
import type { z } from 'zod';
import { getDb } from '../db/client';
import type { Availability, DdiSuggestion, RegistrationJson, RegistrationList, RegistrationSummary } from '../api/contracts';
import type { ActionResult } from '../api/result';
import { registrationListQuerySchema, type AvailabilityQuery, type RegistrationSummaryQuery } from './schema';
import * as service from './service';
import { newestEventId } from '../live/snapshot';

export type RegistrationListQueryInput = z.input<typeof registrationListQuerySchema>;

/** One page of registrations (search `q`, filter, sort, page). Throws on an invalid query: parse it first. */
export async function listRegistrations(query: RegistrationListQueryInput = {}): Promise<RegistrationList> {
  return service.listRegistrations(getDb(), registrationListQuerySchema.parse(query));
}

/** State counts and the first problem registrations, read in one transaction (they agree). */
export async function registrationSummary(query: RegistrationSummaryQuery): Promise<RegistrationSummary> {
  const db = getDb();
  const now = Date.now();
  return db.transaction(async (tx) => {
    const lastEventId = await newestEventId(tx);
    const { total, counts } = await service.stateCounts(tx, now);
    return { total, counts, problems: await service.problemRegistrations(tx, query.problems, now), at: now, lastEventId };
  });
}

export async function getRegistration(id: number): Promise<RegistrationJson | null> {
  return service.getRegistration(getDb(), id);
}

/** Whether a DDI, or a username+domain pair, is free (ignoring registration `excludeId`). */
export async function checkAvailability(query: AvailabilityQuery): Promise<Availability> {
  return service.checkAvailability(getDb(), query);
}

/** A free DDI: the provider's first unused DDI, else a generated numeric one. */
export async function suggestDdi(opts: { ddiProviderId?: number; excludeId?: number } = {}): Promise<ActionResult<DdiSuggestion>> {
  return service.suggestDdi(getDb(), opts);
}
