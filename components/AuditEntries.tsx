'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, keys } from '@/lib/client/api';
import { formatTime } from '@/lib/client/format';
import type { AuditEntryJson } from '@/lib/api/contracts';
import { actionLabel, entityTypeLabels, fieldLabel, formatAuditValue, viaLabel } from './audit-text';

/** Provider names by id, to show "Acme (#3)" rather than "#3" in changes of the DDI provider. */
function useProviderNames(): ReadonlyMap<number, string> {
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list, staleTime: 60_000 });
  return useMemo(() => new Map((providers.data ?? []).map((p) => [p.id, p.name])), [providers.data]);
}

/** The entity an entry is about: a link while it still exists (registrations and providers). */
function EntityCell({ entry }: { entry: AuditEntryJson }) {
  const href =
    !entry.entityExists
      ? null
      : entry.entityType === 'registration'
        ? `/registrations/${entry.entityId}`
        : entry.entityType === 'ddi_provider'
          ? `/providers/${entry.entityId}`
          : entry.entityType === 'alert'
            ? '/alerts'
            : entry.entityType === 'notification_channel'
              ? '/settings/notifications'
              : null;
  return (
    <>
      <span className="muted small">{entityTypeLabels[entry.entityType]} #{entry.entityId}</span>
      <br />
      {href ? <Link href={href}>{entry.entityLabel}</Link> : <span>{entry.entityLabel}</span>}
      {entry.entityExists ? null : <span className="muted small"> (deleted)</span>}
    </>
  );
}

function Changes({ entry, providerNames }: { entry: AuditEntryJson; providerNames: ReadonlyMap<number, string> }) {
  const fields = Object.entries(entry.changes);
  if (fields.length === 0) return <span className="muted">—</span>;
  return (
    <ul style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {fields.map(([key, { before, after }]) => (
        <li key={key}>
          <strong>{fieldLabel(entry.entityType, key)}:</strong> {formatAuditValue(key, before, providerNames)} →{' '}
          {formatAuditValue(key, after, providerNames)}
        </li>
      ))}
    </ul>
  );
}

/**
 * Audit entries as a table (newest first as given): when, who (and how), action, what (unless
 * `showEntity` is false, on an entity's own page) and the field-level changes.
 */
export function AuditEntries({ items, showEntity = true, caption }: { items: AuditEntryJson[]; showEntity?: boolean; caption: string }) {
  const providerNames = useProviderNames();
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            {showEntity ? <th scope="col">What</th> : null}
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id} data-audit-action={e.action}>
              <td className="nowrap">{formatTime(e.at)}</td>
              <td>
                {e.actor}
                <br />
                <span className="muted small">via {viaLabel(e.via)}</span>
              </td>
              <td className="nowrap">{actionLabel(e.action)}</td>
              {showEntity ? (
                <td>
                  <EntityCell entry={e} />
                </td>
              ) : null}
              <td>
                <Changes entry={e} providerNames={providerNames} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Previous / next page of an audit list. */
export function AuditPager({ page, pages, onPage }: { page: number; pages: number; onPage: (page: number) => void }) {
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="Audit pages">
      <button type="button" className="button button-small" onClick={() => onPage(page - 1)} disabled={page <= 1}>
        ‹ Newer
      </button>
      <span aria-current="page">
        Page {page.toLocaleString()} of {pages.toLocaleString()}
      </span>
      <button type="button" className="button button-small" onClick={() => onPage(page + 1)} disabled={page >= pages}>
        Older ›
      </button>
    </nav>
  );
}
