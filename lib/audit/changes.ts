/**
 * The `changes` of audit entries for whole-entity events: what a create set and what a delete
 * removed. Secret fields keep only the fact that they were set (see diffChanges in ./record).
 */
import type { AuditChanges } from '../db/schema';
import { diffChanges } from './record';

/** Empty values (null, '', []) say nothing about a new entity; they are left out. */
const isEmpty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

function withoutEmpty(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => !isEmpty(v)));
}

/** Every non-empty field of a new entity, as `{ before: null, after }`. */
export function createdChanges(values: Record<string, unknown>, secretKeys: readonly string[] = []): AuditChanges {
  return diffChanges({}, withoutEmpty(values), secretKeys);
}

/** Every non-empty field of a removed entity, as `{ before, after: null }`. */
export function removedChanges(values: Record<string, unknown>, secretKeys: readonly string[] = []): AuditChanges {
  const created = createdChanges(values, secretKeys);
  return Object.fromEntries(
    Object.entries(created).map(([key, { after }]) => [key, { before: secretKeys.includes(key) ? 'set' : after, after: null }]),
  );
}
