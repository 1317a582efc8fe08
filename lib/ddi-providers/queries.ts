import 'server-only';
import { getDb } from '../db/client';
import type { DdiProviderJson, DdiProviderList } from '../api/contracts';
import * as service from './service';

/** All DDI providers, by name, each with its registration count. */
export async function listDdiProviders(): Promise<DdiProviderList> {
  return service.listDdiProviders(getDb());
}

export async function getDdiProvider(id: number): Promise<DdiProviderJson | null> {
  return service.getDdiProvider(getDb(), id);
}
