/** JSON shapes returned by the portal REST API (what the browser sees). */
import type { RegistrationState, TransportName } from '../db/schema';

export type DdiProvider = {
  id: number;
  name: string;
  description: string;
  ddis: string[];
  registrationCount: number;
  createdAt: number | string;
  updatedAt: number | string;
};

export type RegistrationStatus = {
  state: RegistrationState;
  code: number | null;
  reason: string | null;
  at: number | string;
  attempts: number;
  requestedExpires: number | null;
  grantedExpires: number | null;
  expiresAt: number | string | null;
  nextAttemptAt: number | string | null;
  target: string | null;
  lastSuccessAt: number | string | null;
};

export type Registration = {
  id: number;
  ddiProviderId: number;
  ddiProviderName: string;
  username: string;
  domain: string;
  ddi: string;
  authUsername: string | null;
  registerServerUri: string | null;
  realm: string | null;
  expires: number;
  transport: TransportName;
  enabled: boolean;
  hasPassword: boolean;
  revision: number;
  createdAt: number | string;
  updatedAt: number | string;
  status: RegistrationStatus | null;
};

export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type RegistrationSort = 'id' | 'username' | 'domain' | 'ddi' | 'provider' | 'updatedAt';

export type RegistrationListParams = {
  q?: string;
  ddiProviderId?: number;
  page: number;
  pageSize: number;
  sort: RegistrationSort;
  order: 'asc' | 'desc';
};

export type Availability = {
  available: boolean;
  heldBy?: { registrationId: number; ddiProviderId: number; ddiProviderName: string };
};
