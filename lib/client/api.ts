/** Tiny fetch wrapper for the portal REST API, used by react-query hooks in client components. */
import type {
  Availability,
  DdiProvider,
  Page,
  Registration,
  RegistrationListParams,
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

  constructor(status: number, code: string, message: string, fields?: Record<string, string>, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields ?? {};
    this.details = details;
  }
}

type ErrorBody = { error?: { code?: string; message?: string; fields?: Record<string, string> } & Record<string, unknown> };

export async function apiFetch<T>(path: string, init?: RequestInit & { json?: unknown }): Promise<T> {
  const { json, ...rest } = init ?? {};
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
    throw new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? `The server answered ${res.status} ${res.statusText}.`,
      err?.fields,
      err,
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
  providers: {
    list: async () => listOf<DdiProvider>(await apiFetch<unknown>('/api/ddi-providers')),
    get: (id: number) => apiFetch<DdiProvider>(`/api/ddi-providers/${id}`),
    create: (body: unknown) => apiFetch<DdiProvider>('/api/ddi-providers', { method: 'POST', json: body }),
    update: (id: number, body: unknown) => apiFetch<DdiProvider>(`/api/ddi-providers/${id}`, { method: 'PATCH', json: body }),
    remove: (id: number, confirm: boolean) =>
      apiFetch<unknown>(`/api/ddi-providers/${id}${confirm ? '?confirm=true' : ''}`, { method: 'DELETE' }),
  },
  registrations: {
    list: (p: RegistrationListParams) => apiFetch<Page<Registration>>(`/api/registrations${qs(p)}`),
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
    /**
     * Every registration, loaded in pages of 500 (4 requests in flight). `onProgress` is called
     * after each page with the count loaded so far, the total, and `prefix()`: the registrations
     * of the pages loaded without a gap from page 1 (in id order, so a list shown while loading
     * only grows at its end).
     */
    all: async (onProgress?: (loaded: number, total: number, prefix: () => Registration[]) => void): Promise<Registration[]> => {
      const size = 500;
      const base = { sort: 'id', order: 'asc', pageSize: size } as const;
      const first = await apiFetch<Page<Registration>>(`/api/registrations${qs({ ...base, page: 1 })}`);
      const pages = Math.ceil(first.total / size);
      const out: Registration[][] = [first.items];
      const dedupe = (upTo: number) => {
        const seen = new Set<number>();
        const items: Registration[] = [];
        for (let i = 0; i < upTo; i++) for (const r of out[i]!) if (!seen.has(r.id)) (seen.add(r.id), items.push(r));
        return items;
      };
      const prefix = () => {
        let n = 0;
        while (n < out.length && out[n]) n++;
        return dedupe(n);
      };
      let loaded = first.items.length;
      onProgress?.(loaded, first.total, prefix);
      let next = 2;
      const worker = async () => {
        while (next <= pages) {
          const n = next++;
          const page = await apiFetch<Page<Registration>>(`/api/registrations${qs({ ...base, page: n })}`);
          out[n - 1] = page.items;
          loaded += page.items.length;
          onProgress?.(loaded, first.total, prefix);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      return dedupe(out.length);
    },
    events: async (id: number, limit = 200) =>
      listOf<StatusEventJson>(await apiFetch<unknown>(`/api/registrations/${id}/events${qs({ limit })}`)),
    uptime: (id: number) => apiFetch<Uptime>(`/api/registrations/${id}/availability`),
    trace: async (id: number) => listOf<TraceMessage>(await apiFetch<unknown>(`/api/registrations/${id}/trace`)),
    registerNow: (id: number) => apiFetch<unknown>(`/api/registrations/${id}/register`, { method: 'POST' }),
    unregister: (id: number) => apiFetch<unknown>(`/api/registrations/${id}/unregister`, { method: 'POST' }),
    setEnabled: (id: number, enabled: boolean) =>
      apiFetch<Registration>(`/api/registrations/${id}`, { method: 'PATCH', json: { enabled } }),
    test: async (body: unknown): Promise<TestOutcome> => {
      const res = await apiFetch<{ data?: TestOutcome } & Partial<TestOutcome>>('/api/registrations/test', { method: 'POST', json: body });
      const d = res?.data ?? res;
      return { status: d?.status ?? null, trace: Array.isArray(d?.trace) ? d.trace : [] };
    },
  },
};

/** Query keys, in one place so mutations can invalidate precisely. */
export const keys = {
  providers: ['ddi-providers'] as const,
  provider: (id: number) => ['ddi-providers', id] as const,
  registrations: ['registrations'] as const,
  registrationList: (p: RegistrationListParams) => ['registrations', 'list', p] as const,
  registration: (id: number) => ['registrations', 'one', id] as const,
  allRegistrations: ['registrations', 'all'] as const,
  registrationEvents: (id: number) => ['registration-live', id, 'events'] as const,
  registrationUptime: (id: number) => ['registration-live', id, 'uptime'] as const,
  registrationTrace: (id: number) => ['registration-live', id, 'trace'] as const,
  availability: ['availability'] as const,
  ddiAvailability: (ddi: string, excludeId?: number) => ['availability', 'ddi', ddi, excludeId ?? null] as const,
  accountAvailability: (username: string, domain: string, excludeId?: number) =>
    ['availability', 'account', username, domain, excludeId ?? null] as const,
};
