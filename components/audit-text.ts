/**
 * Words for audit entries: field labels (from the glossary), values, actions and who acted.
 * Plain strings only; React renders them as text.
 */
import { ddiProviderGlossary, registrationGlossary } from '@/lib/glossary';
import type { AuditEntryJson } from '@/lib/api/contracts';

type EntityType = AuditEntryJson['entityType'];

export const entityTypeLabels: Record<EntityType, string> = {
  registration: 'Registration',
  ddi_provider: 'DDI provider',
  operator: 'Operator',
  api_token: 'API token',
  notification_channel: 'Notification channel',
  alert: 'Alert',
};

const actionLabels: Record<string, string> = {
  create: 'Created',
  update: 'Changed',
  enable: 'Enabled',
  disable: 'Disabled',
  delete: 'Deleted',
  register_now: 'Register now',
  unregister: 'Unregister',
  revoke: 'Revoked',
  test: 'Test registration',
  import: 'Imported',
  open: 'Alert opened',
  resolve: 'Alert resolved',
  notified: 'Notified',
  notify_failed: 'Notification failed',
  test_notification: 'Test notification',
};

const glossaries: Partial<Record<EntityType, Record<string, { label: string }>>> = {
  registration: registrationGlossary,
  ddi_provider: ddiProviderGlossary,
};

/** "ddiProviderId" → "Ddi provider id", for fields the glossary does not name. */
function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fieldLabel(entityType: EntityType, key: string): string {
  return glossaries[entityType]?.[key]?.label ?? humanize(key);
}

export function actionLabel(action: string): string {
  return actionLabels[action] ?? humanize(action);
}

/** "token:ci-bot" → "token: ci-bot"; "session", "setup", … as they are. */
export function viaLabel(via: string): string {
  return via.startsWith('token:') ? `token: ${via.slice('token:'.length)}` : via;
}

const MAX_LIST_ITEMS = 10;

/**
 * A recorded value as text: "—" for none, yes/no, lists (long ones cut short), and a DDI
 * provider id with the provider's name when `providerNames` knows it.
 */
export function formatAuditValue(key: string, value: unknown, providerNames?: ReadonlyMap<number, string>): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (key === 'ddiProviderId' && typeof value === 'number') {
    const name = providerNames?.get(value);
    return name ? `${name} (#${value})` : `#${value}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '(none)';
    const shown = value.slice(0, MAX_LIST_ITEMS).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    return value.length > MAX_LIST_ITEMS ? `${shown.join(', ')} … (${value.length} in all)` : shown.join(', ');
  }
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
