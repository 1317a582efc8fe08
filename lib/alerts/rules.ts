/**
 * The alert rules, as a pure function of what the database says now (no clock, no I/O): which
 * alerts to open, which to resolve, which grouped counts moved. The runner (./runner.ts) feeds it
 * and applies its answer; unit tests feed it on an injected clock.
 *
 * - A registration is *failing* from its first `retrying`/`rejected` after it was last
 *   `registered` (or disabled, or unregistered on purpose) until it is `registered` again; it is
 *   *due* once it has been failing for its provider's hold time. Flapping within the hold time
 *   (failing, registered again, failing …) restarts the count each time, so it never becomes due.
 * - A due registration raises one alert (`registration:<id>`); it resolves once the registration
 *   is no longer failing (registered again, disabled or deleted).
 * - More than `groupShare` of a provider's enabled registrations due (and at least `groupMin`):
 *   one provider alert (`provider:<id>`) instead of one per registration; two or more providers
 *   down at once with more than `groupShare` of all enabled registrations due: one platform
 *   alert (`platform`). A group alert resolves when its share is no longer above the threshold. While
 *   a group alert is open, registrations it covers raise no alert of their own (alerts already
 *   open stay open until their own recovery).
 */
import type { AlertScope } from '../db/schema';

export type Candidate = {
  registrationId: number;
  providerId: number;
  providerName: string;
  /** `username@domain (DDI …)` */
  label: string;
  state: string;
  code: number | null;
  reason: string | null;
  /** Since when failing; null: not failing. */
  failingSince: number | null;
  holdMs: number;
};

export type ProviderTotal = { providerId: number; name: string; enabled: number };

export type OpenAlert = { id: number; key: string; scope: AlertScope; subjectId: number | null; providerId: number | null; currentCount: number };

export type AlertToOpen = {
  key: string;
  scope: AlertScope;
  subjectId: number | null;
  providerId: number | null;
  summary: string;
  count: number;
  total: number;
  failingSince: number;
  detail: Record<string, unknown>;
};

export type Decision = {
  open: AlertToOpen[];
  resolve: { id: number; key: string; reason: string }[];
  /** Group alerts whose failing count changed (shown, not notified). */
  recount: { id: number; count: number }[];
};

export type RuleSettings = { groupShare: number; groupMin: number };

export const DEFAULT_RULES: RuleSettings = { groupShare: 0.2, groupMin: 2 };

export const registrationKey = (id: number) => `registration:${id}`;
export const providerKey = (id: number) => `provider:${id}`;
export const PLATFORM_KEY = 'platform';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeCause(c: Pick<Candidate, 'state' | 'code' | 'reason'>): string {
  const cause = [c.code, c.reason].filter((v) => v !== null && v !== '').join(' ');
  return cause ? `${c.state} (${cause})` : c.state;
}

/** What to do now, given the candidates (enabled registrations that are not plainly registered), the providers' enabled counts and the open alerts. */
export function decide(now: number, candidates: Candidate[], providers: ProviderTotal[], openAlerts: OpenAlert[], settings: RuleSettings = DEFAULT_RULES): Decision {
  const failing = new Map<number, Candidate>();
  for (const c of candidates) if (c.failingSince !== null) failing.set(c.registrationId, c);
  const due = [...failing.values()].filter((c) => now - c.failingSince! >= c.holdMs);

  const dueByProvider = new Map<number, Candidate[]>();
  for (const c of due) {
    const list = dueByProvider.get(c.providerId) ?? [];
    list.push(c);
    dueByProvider.set(c.providerId, list);
  }
  const above = (n: number, total: number) => n >= settings.groupMin && total > 0 && n > settings.groupShare * total;
  const totalEnabled = providers.reduce((sum, p) => sum + p.enabled, 0);
  const providerDown = new Set<number>();
  for (const p of providers) if (above(dueByProvider.get(p.providerId)?.length ?? 0, p.enabled)) providerDown.add(p.providerId);
  // Platform-wide: several providers down at once and the share of all registrations above the
  // threshold (our side is the likely cause: network, engine). One provider down with a few
  // failures elsewhere stays a provider alert.
  const platformDown = providerDown.size > 1 && above(due.length, totalEnabled);

  const open = new Map(openAlerts.map((a) => [a.key, a]));
  const decision: Decision = { open: [], resolve: [], recount: [] };
  const earliest = (list: Candidate[]) => Math.min(...list.map((c) => c.failingSince!));

  // Resolve first: what no longer holds.
  for (const a of openAlerts) {
    if (a.scope === 'registration') {
      if (a.subjectId === null || !failing.has(a.subjectId)) decision.resolve.push({ id: a.id, key: a.key, reason: 'recovered' });
    } else if (a.scope === 'provider') {
      if (a.subjectId === null || !providerDown.has(a.subjectId)) decision.resolve.push({ id: a.id, key: a.key, reason: 'recovered' });
      else {
        const n = dueByProvider.get(a.subjectId)?.length ?? 0;
        if (n !== a.currentCount) decision.recount.push({ id: a.id, count: n });
      }
    } else if (!platformDown) decision.resolve.push({ id: a.id, key: a.key, reason: 'recovered' });
    else if (due.length !== a.currentCount) decision.recount.push({ id: a.id, count: due.length });
  }

  const platformCovered = platformDown;
  if (platformDown && !open.has(PLATFORM_KEY)) {
    const affected = dueByProvider.size;
    decision.open.push({
      key: PLATFORM_KEY,
      scope: 'platform',
      subjectId: null,
      providerId: null,
      summary: `Platform-wide: ${due.length} of ${plural(totalEnabled, 'enabled registration')} failing across ${plural(affected, 'provider')}`,
      count: due.length,
      total: totalEnabled,
      failingSince: earliest(due),
      detail: { providers: [...dueByProvider.entries()].map(([id, list]) => ({ id, name: list[0]!.providerName, failing: list.length })) },
    });
  }
  const groupedProviders = new Set<number>();
  for (const p of providers) {
    if (!providerDown.has(p.providerId)) continue;
    const key = providerKey(p.providerId);
    if (open.has(key)) {
      groupedProviders.add(p.providerId);
      continue;
    }
    if (platformCovered) continue;
    const list = dueByProvider.get(p.providerId)!;
    groupedProviders.add(p.providerId);
    decision.open.push({
      key,
      scope: 'provider',
      subjectId: p.providerId,
      providerId: p.providerId,
      summary: `Provider ${p.name}: ${list.length} of ${plural(p.enabled, 'enabled registration')} failing`,
      count: list.length,
      total: p.enabled,
      failingSince: earliest(list),
      detail: { provider: p.name },
    });
  }
  for (const c of due) {
    const key = registrationKey(c.registrationId);
    if (open.has(key) || platformCovered || groupedProviders.has(c.providerId)) continue;
    decision.open.push({
      key,
      scope: 'registration',
      subjectId: c.registrationId,
      providerId: c.providerId,
      summary: `${c.label} of ${c.providerName}: ${describeCause(c)}`,
      count: 1,
      total: 1,
      failingSince: c.failingSince!,
      detail: { registration: c.label, provider: c.providerName, state: c.state, code: c.code, reason: c.reason },
    });
  }
  return decision;
}
