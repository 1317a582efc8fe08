/** JSON shapes returned by the portal REST API (what the browser sees). */
import type { RegistrationState, Role, TraceDirection, TransportSetting } from '../../registrar/domain/vocabulary';

export type DdiProvider = {
  id: number;
  name: string;
  description: string;
  ddis: string[];
  forwardTo: string | null;
  alertHoldS: number | null;
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
  transport: TransportSetting;
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
  /** comma-separated states (`none`: no status yet), as read now */
  state?: string;
};

/** GET /api/registrations/summary: counts per state (plus `none`) and the first problem registrations. */
export type RegistrationSummary = {
  total: number;
  counts: Record<RegistrationState | 'none', number>;
  problems: { items: Registration[]; total: number };
  at: number;
};

export type Availability = {
  available: boolean;
  heldBy?: { registrationId: number; ddiProviderId: number; ddiProviderName: string };
};

/** One entry of a registration's state timeline (newest first). */
export type StatusEventJson = {
  id: number;
  state: RegistrationState;
  code: number | null;
  reason: string | null;
  at: number;
  expiresAt: number | null;
  nextAttemptAt: number | null;
  target: string | null;
};

/** Fraction (0..1) of the time a registration was registered; null when there is no data. */
export type Uptime = { last24h: number | null; last7d: number | null };

/** One SIP message of the ladder (already redacted by the server). */
export type TraceMessage = {
  id?: number;
  direction: TraceDirection;
  at: number | string;
  remote: string;
  text: string;
  /** A retransmitted request: when each retransmission went out, ms after `at`. */
  retransmits?: number[] | null;
};

export type TestOutcome = { status: RegistrationStatus | null; trace: TraceMessage[] };

/** An operator as the operators API returns it (never the password or its hash). */
export type OperatorAccount = {
  id: number;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
};

/** The signed-in operator, as returned by sign-in and first-run setup. */
export type SignedInOperator = Pick<OperatorAccount, 'id' | 'email' | 'name' | 'role'>;

/** A named API token; the token itself is only in `CreatedApiToken`, once. */
export type ApiToken = { id: number; name: string; prefix: string; createdAt: number; lastUsedAt: number | null; revokedAt: number | null };

export type CreatedApiToken = { token: string; apiToken: ApiToken };
