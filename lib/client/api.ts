/** Tiny fetch wrapper for the portal REST API, used by react-query hooks in client components. */
import type { AlertList, DeliveryJson, NotificationChannelJson } from '../api/contracts-alerts';
import type {
  ApiToken,
  AvailabilityBands,
  StateHistory,
  BulkRequestBody,
  BulkResultBody,
  Availability,
  CreatedApiToken,
  DdiProvider,
  EngineNodeList,
  OperatorAccount,
  RegistrationList,
  Registration,
  RegistrationListParams,
  RegistrationSummary,
  SignedInOperator,
  StatusEventJson,
  TestOutcome,
  TraceMessage,
  Uptime,
} from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;
  readonly details: unknown;
  /** Seconds to wait before trying again (`Retry-After` of a 429), when the server said. */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, fields?: Record<string, string>, details?: unknown, retryAfter?: number | null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields ?? {};
    this.details = details;
    this.retryAfter = retryAfter ?? null;
  }
}

/** Pages that work signed out: a 401 there is an answer to show, not an expired session. */
const SIGNED_OUT_PAGES = ['/login', '/setup'];

/** The session has expired (or was revoked): sign in again, then come back here. */
function sendToSignIn(): void {
  const { pathname, search } = window.location;
  if (SIGNED_OUT_PAGES.includes(pathname)) return;
  window.location.assign(`/login?next=${encodeURIComponent(pathname + search)}`);
}

function retryAfterSeconds(res: Response): number | null {
  const value = Number(res.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : null;
}

type ErrorBody = { error?: { code?: string; message?: string; fields?: Record<string, string> } & Record<string, unknown> };

/**
 * A JSON request to the portal API. A 401 `unauthorized` (session expired or revoked) sends the
 * browser to the sign-in page, which brings it back here, unless `redirectOn401` is false.
 */
export async function apiFetch<T>(path: string, init?: RequestInit & { json?: unknown; redirectOn401?: boolean }): Promise<T> {
  const { json, redirectOn401 = true, ...rest } = init ?? {};
  const headers = new Headers(rest.headers);
  headers.set('accept', 'application/json');
  if (json !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  } catch {
    throw new ApiError(0, 'network', 'The portal server cannot be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (!res.ok) {
    const err = (body as ErrorBody | undefined)?.error;
    const code = err?.code ?? `http_${res.status}`;
    if (res.status === 401 && code === 'unauthorized' && redirectOn401) sendToSignIn();
    throw new ApiError(
      res.status,
      code,
      err?.message ?? `The server answered ${res.status} ${res.statusText}.`,
      err?.fields,
      err,
      retryAfterSeconds(res),
    );
  }
  return body as T;
}

function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : '';
}

/** The list endpoint may answer a bare array or `{ items }`; accept both. */
function listOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? (items as T[]) : [];
}

export const api = {
  nodes: {
    list: () => apiFetch<EngineNodeList>('/api/nodes'),
  },
  alerts: {
    list: (p: { state?: 'open' | 'resolved' | 'all'; page?: number; pageSize?: number }) => apiFetch<AlertList>(`/api/alerts${qs(p)}`),
  },
  channels: {
    list: async () => listOf<NotificationChannelJson>(await apiFetch<unknown>('/api/notification-channels')),
    create: (body: unknown) => apiFetch<NotificationChannelJson>('/api/notification-channels', { method: 'POST', json: body }),
    update: (id: number, body: unknown) => apiFetch<NotificationChannelJson>(`/api/notification-channels/${id}`, { method: 'PATCH', json: body }),
    remove: (id: number) => apiFetch<{ id: number }>(`/api/notification-channels/${id}`, { method: 'DELETE' }),
    test: (id: number) => apiFetch<{ delivery: DeliveryJson }>(`/api/notification-channels/${id}/test`, { method: 'POST' }),
    deliveries: async (id: number) => listOf<DeliveryJson>(await apiFetch<unknown>(`/api/notification-channels/${id}/deliveries?limit=20`)),
  },
  auth: {
    login: (body: { email: string; password: string }) =>
      apiFetch<{ operator: SignedInOperator; expiresAt: number }>('/api/auth/login', { method: 'POST', json: body }),
    setup: (body: { email: string; name: string; password: string; setupToken: string }) =>
      apiFetch<{ operator: SignedInOperator }>('/api/auth/setup', { method: 'POST', json: body }),
    /** Signing out with a session that is already gone is not an error worth a detour. */
    logout: () => apiFetch<{ signedOut: true }>('/api/auth/logout', { method: 'POST', redirectOn401: false }),
    changePassword: (body: { currentPassword: string; newPassword: string; revokeTokens: boolean }) =>
      apiFetch<{ changed: true; tokensRevoked: number }>('/api/auth/password', { method: 'POST', json: body }),
  },
  tokens: {
    list: async () => listOf<ApiToken>(await apiFetch<unknown>('/api/tokens')),
    create: (body: { name: string; currentPassword: string }) => apiFetch<CreatedApiToken>('/api/tokens', { method: 'POST', json: body }),
    revoke: (id: number) => apiFetch<ApiToken>(`/api/tokens/${id}`, { method: 'DELETE' }),
  },
  operators: {
    list: async () => listOf<OperatorAccount>(await apiFetch<unknown>('/api/operators')),
    create: (body: { email: string; name: string; role: OperatorAccount['role']; password: string }) =>
      apiFetch<OperatorAccount>('/api/operators', { method: 'POST', json: body }),
    update: (id: number, body: Partial<Pick<OperatorAccount, 'name' | 'role' | 'disabled'>> & { password?: string; revokeTokens?: boolean }) =>
      apiFetch<OperatorAccount>(`/api/operators/${id}`, { method: 'PATCH', json: body }),
    remove: (id: number) => apiFetch<{ id: number }>(`/api/operators/${id}`, { method: 'DELETE' }),
    unlock: (id: number) => apiFetch<{ unlocked: true; cleared: number }>(`/api/operators/${id}/unlock`, { method: 'POST' }),
    tokens: async (id: number) => listOf<ApiToken>(await apiFetch<unknown>(`/api/operators/${id}/tokens`)),
    revokeToken: (id: number, tokenId: number) => apiFetch<ApiToken>(`/api/operators/${id}/tokens/${tokenId}`, { method: 'DELETE' }),
  },
  providers: {
    list: async () => listOf<DdiProvider>(await apiFetch<unknown>('/api/ddi-providers')),
    get: (id: number) => apiFetch<DdiProvider>(`/api/ddi-providers/${id}`),
    create: (body: unknown) => apiFetch<DdiProvider>('/api/ddi-providers', { method: 'POST', json: body }),
    update: (id: number, body: unknown) => apiFetch<DdiProvider>(`/api/ddi-providers/${id}`, { method: 'PATCH', json: body }),
    remove: (id: number, confirm: boolean) =>
      apiFetch<unknown>(`/api/ddi-providers/${id}${confirm ? '?confirm=true' : ''}`, { method: 'DELETE' }),
  },
  registrations: {
    list: (p: RegistrationListParams) => apiFetch<RegistrationList>(`/api/registrations${qs(p)}`),
    get: (id: number) => apiFetch<Registration>(`/api/registrations/${id}`),
    create: (body: unknown) => apiFetch<Registration>('/api/registrations', { method: 'POST', json: body }),
    update: (id: number, body: unknown) => apiFetch<Registration>(`/api/registrations/${id}`, { method: 'PATCH', json: body }),
    remove: (id: number) => apiFetch<unknown>(`/api/registrations/${id}`, { method: 'DELETE' }),
    ddiAvailability: (ddi: string, excludeId?: number) =>
      apiFetch<Availability>(`/api/registrations/availability${qs({ ddi, excludeId })}`),
    accountAvailability: (username: string, domain: string, excludeId?: number) =>
      apiFetch<Availability>(`/api/registrations/availability${qs({ username, domain, excludeId })}`),
    suggestDdi: (ddiProviderId?: number) =>
      apiFetch<{ ddi: string; source?: 'provider' | 'generated' }>(`/api/registrations/availability/suggest-ddi${qs({ ddiProviderId })}`),
    /** State counts and the first `problems` problem registrations (GET /api/registrations/summary). */
    summary: (problems = 100) => apiFetch<RegistrationSummary>(`/api/registrations/summary${qs({ problems })}`),
    events: async (id: number, limit = 200) =>
      listOf<StatusEventJson>(await apiFetch<unknown>(`/api/registrations/${id}/events${qs({ limit })}`)),
    /** State bands over the last 24 h or 7 d (the availability chart). */
    bands: (id: number, range: '24h' | '7d') => apiFetch<AvailabilityBands>(`/api/registrations/${id}/availability/bands${qs({ range })}`),
    /** Per-minute state counts of the last 24 hours (the dashboard chart). */
    history: () => apiFetch<StateHistory>('/api/registrations/history'),
    uptime: (id: number) => apiFetch<Uptime>(`/api/registrations/${id}/availability`),
    trace: async (id: number) => listOf<TraceMessage>(await apiFetch<unknown>(`/api/registrations/${id}/trace`)),
    /** One request of a bulk action (POST /api/registrations/bulk); see lib/client/bulk-run.ts. */
    bulk: (body: BulkRequestBody) => apiFetch<BulkResultBody>('/api/registrations/bulk', { method: 'POST', json: body }),
    registerNow: (id: number) => apiFetch<unknown>(`/api/registrations/${id}/register`, { method: 'POST' }),
    unregister: (id: number) => apiFetch<unknown>(`/api/registrations/${id}/unregister`, { method: 'POST' }),
    setEnabled: (id: number, enabled: boolean) =>
      apiFetch<Registration>(`/api/registrations/${id}`, { method: 'PATCH', json: { enabled } }),
    test: (body: unknown) => apiFetch<TestOutcome>('/api/registrations/test', { method: 'POST', json: body }),
  },
};

/** Query keys, in one place so mutations can invalidate precisely. */
export const keys = {
  providers: ['ddi-providers'] as const,
  provider: (id: number) => ['ddi-providers', id] as const,
  registrations: ['registrations'] as const,
  registrationList: (p: RegistrationListParams) => ['registrations', 'list', p] as const,
  registration: (id: number) => ['registrations', 'one', id] as const,
  registrationSummary: ['registrations', 'summary'] as const,
  registrationEvents: (id: number) => ['registration-live', id, 'events'] as const,
  registrationUptime: (id: number) => ['registration-live', id, 'uptime'] as const,
  registrationBands: (id: number, range: string) => ['registration-live', id, 'bands', range] as const,
  stateHistory: ['registrations-history'] as const,
  registrationTrace: (id: number) => ['registration-live', id, 'trace'] as const,
  availability: ['availability'] as const,
  ddiAvailability: (ddi: string, excludeId?: number) => ['availability', 'ddi', ddi, excludeId ?? null] as const,
  accountAvailability: (username: string, domain: string, excludeId?: number) =>
    ['availability', 'account', username, domain, excludeId ?? null] as const,
  apiTokens: ['api-tokens'] as const,
  operators: ['operators'] as const,
  operatorTokens: (id: number) => ['operators', id, 'tokens'] as const,
  alerts: ['alerts'] as const,
  alertList: (state: string, page: number) => ['alerts', 'list', state, page] as const,
  openAlerts: ['alerts', 'open-count'] as const,
  channels: ['notification-channels'] as const,
  nodes: ['engine-nodes'] as const,
  channelDeliveries: (id: number) => ['notification-channels', id, 'deliveries'] as const,
};
