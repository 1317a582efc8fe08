import 'server-only';
import { getDb } from '../db/client';
import type { AlertList } from '../api/contracts-alerts';
import { validationError, type ActionResult } from '../api/result';
import { alertListQuerySchema } from './channel-schema';
import * as service from './alert-service';

export async function listAlerts(query: unknown): Promise<ActionResult<AlertList>> {
  const parsed = alertListQuerySchema.safeParse(query);
  if (!parsed.success) return validationError(parsed.error);
  return { data: service.listAlerts(getDb(), parsed.data) };
}

export async function countOpenAlerts(): Promise<number> {
  return service.countOpenAlerts(getDb());
}
