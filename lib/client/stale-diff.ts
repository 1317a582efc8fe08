/**
 * What changed between the version an edit form was loaded with and the version the server holds
 * now, for the "someone else changed this" panel shown when a save answers 409 `stale`.
 * Pure: no React, no fetch, so it is unit-tested on its own.
 */
import { ddiProviderGlossary, registrationGlossary } from '../glossary';
import { ApiError } from './api';
import { transportOptionLabel } from './format';
import type { DdiProvider, Registration } from './types';

/** One field that differs: rendered as "<label>: <before> → <after>", or "<label>: changed" for secrets. */
export type FieldChange = { field: string; label: string; before: string; after: string } | { field: string; label: string; secret: true };

/** The registration fields an edit form shows (secrets only as `hasPassword`). */
export type RegistrationVersion = Pick<
  Registration,
  | 'ddiProviderId'
  | 'ddiProviderName'
  | 'username'
  | 'domain'
  | 'ddi'
  | 'authUsername'
  | 'registerServerUri'
  | 'realm'
  | 'expires'
  | 'transport'
  | 'enabled'
  | 'hasPassword'
>;

/** The provider fields its edit form shows, with the revision the API adds for optimistic locking. */
export type ProviderVersion = Pick<DdiProvider, 'name' | 'description' | 'ddis'> & Partial<Pick<DdiProvider, 'forwardTo' | 'alertHoldS'>> & { revision?: number };

/** Shown for an empty optional value. */
const EMPTY = '(empty)';
/** At most this many DDIs are listed in one line; the rest are counted. */
const LIST_LIMIT = 8;

function text(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? EMPTY : value;
}

function list(values: readonly string[]): string {
  if (values.length === 0) return EMPTY;
  if (values.length <= LIST_LIMIT) return values.join(', ');
  return `${values.slice(0, LIST_LIMIT).join(', ')}, … (${values.length} in all)`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

type RegistrationField = keyof RegistrationVersion & keyof typeof registrationGlossary;

/** Registration fields in form order, each with how to show its value; `null` marks the password's place. */
const registrationFields: ({ field: RegistrationField; show: (r: RegistrationVersion) => string } | null)[] = [
  { field: 'ddiProviderId', show: (r) => r.ddiProviderName || `#${r.ddiProviderId}` },
  { field: 'username', show: (r) => text(r.username) },
  { field: 'domain', show: (r) => text(r.domain) },
  null,
  { field: 'ddi', show: (r) => text(r.ddi) },
  { field: 'authUsername', show: (r) => text(r.authUsername) },
  { field: 'registerServerUri', show: (r) => text(r.registerServerUri) },
  { field: 'realm', show: (r) => text(r.realm) },
  { field: 'expires', show: (r) => String(r.expires) },
  { field: 'transport', show: (r) => transportOptionLabel(r.transport) },
  { field: 'enabled', show: (r) => (r.enabled ? 'yes' : 'no') },
];

/**
 * Fields of `current` that differ from `loaded`, in form order. The password itself is never
 * returned, so never compared: a change of `hasPassword` is reported as "Password: changed".
 */
export function registrationChanges(loaded: RegistrationVersion, current: RegistrationVersion): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const entry of registrationFields) {
    if (entry === null) {
      if (loaded.hasPassword !== current.hasPassword) {
        changes.push({ field: 'password', label: registrationGlossary.password.label, secret: true });
      }
    } else if (loaded[entry.field] !== current[entry.field]) {
      const { field, show } = entry;
      changes.push({ field, label: registrationGlossary[field].label, before: show(loaded), after: show(current) });
    }
  }
  return changes;
}

/** Provider fields of `current` that differ from `loaded`: name, description, DDIs (order matters). */
export function providerChanges(loaded: ProviderVersion, current: ProviderVersion): FieldChange[] {
  const changes: FieldChange[] = [];
  if (loaded.name !== current.name) {
    changes.push({ field: 'name', label: ddiProviderGlossary.name.label, before: text(loaded.name), after: text(current.name) });
  }
  if (loaded.description !== current.description) {
    changes.push({
      field: 'description',
      label: ddiProviderGlossary.description.label,
      before: text(loaded.description),
      after: text(current.description),
    });
  }
  if (!sameList(loaded.ddis, current.ddis)) {
    changes.push({ field: 'ddis', label: ddiProviderGlossary.ddis.label, before: list(loaded.ddis), after: list(current.ddis) });
  }
  if ((loaded.forwardTo ?? null) !== (current.forwardTo ?? null)) {
    changes.push({ field: 'forwardTo', label: ddiProviderGlossary.forwardTo.label, before: text(loaded.forwardTo), after: text(current.forwardTo) });
  }
  if ((loaded.alertHoldS ?? null) !== (current.alertHoldS ?? null)) {
    const hold = (v: number | null | undefined) => (v == null ? '(ALERTS_HOLD_S)' : `${v} s`);
    changes.push({ field: 'alertHoldS', label: ddiProviderGlossary.alertHoldS.label, before: hold(loaded.alertHoldS), after: hold(current.alertHoldS) });
  }
  return changes;
}

/** The line the panel shows for one change. */
export function describeChange(change: FieldChange): string {
  return 'secret' in change ? `${change.label}: changed` : `${change.label}: ${change.before} → ${change.after}`;
}

/** The entity as it is now, when `err` is the API's 409 `stale` answer carrying it; otherwise null. */
export function staleCurrent<T extends object>(err: unknown): T | null {
  if (!(err instanceof ApiError) || err.code !== 'stale') return null;
  const current = (err.details as { current?: unknown } | null | undefined)?.current;
  return current !== null && typeof current === 'object' ? (current as T) : null;
}
