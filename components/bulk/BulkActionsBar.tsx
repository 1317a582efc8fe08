'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { keys } from '@/lib/client/api';
import { runBulkAction, type BulkFilter, type BulkProgress, type BulkSelection } from '@/lib/client/bulk-run';
import type { BulkActionName, DdiProvider } from '@/lib/client/types';
import { ConfirmDialog } from '../ConfirmDialog';
import type { BulkSelectionState } from './useBulkSelection';

/** Wording per action: the button, the confirmation, the verb in progress and in the result. */
const ACTIONS: Record<BulkActionName, { button: string; verb: string; doing: string; done: string; body: string }> = {
  enable: { button: 'Enable', verb: 'Enable', doing: 'Enabling', done: 'enabled', body: 'The engine registers each of them.' },
  disable: { button: 'Disable', verb: 'Disable', doing: 'Disabling', done: 'disabled', body: 'The engine unregisters each of them (REGISTER with Expires: 0) and stops refreshing it.' },
  register: { button: 'Register now', verb: 'Register now', doing: 'Queueing', done: 'queued for a REGISTER', body: 'The engine sends a REGISTER for each at once (disabled ones are skipped).' },
  unregister: { button: 'Unregister', verb: 'Unregister', doing: 'Queueing', done: 'queued for unregistering', body: 'The engine removes each binding (Expires: 0); they stay unregistered until "Register now" (disabled ones are skipped).' },
  delete: { button: 'Delete', verb: 'Delete', doing: 'Deleting', done: 'deleted', body: 'They are unregistered and deleted. This cannot be undone.' },
  move: { button: 'Move', verb: 'Move', doing: 'Moving', done: 'moved', body: 'Their DDI provider changes; calls to their DDIs follow the new provider’s Forward to.' },
};

const plural = (n: number) => `${n.toLocaleString()} registration${n === 1 ? '' : 's'}`;

type Props = {
  selection: BulkSelectionState;
  /** ids of the rows in view (for "select all N matching") */
  pageIds: readonly number[];
  /** how many registrations match the list's filter */
  total: number;
  filter: BulkFilter;
  /** providers a selection can move to */
  providers: readonly Pick<DdiProvider, 'id' | 'name'>[];
  /** the result, for the list's notice */
  onFinished: (message: string) => void;
};

/**
 * The bar above a registrations table when rows are selected: the count, "select all N
 * matching", and the bulk actions. One confirmation names the count; the action then runs in
 * parts of at most 500 registrations with a progress bar (lib/client/bulk-run.ts).
 */
export function BulkActionsBar({ selection, pageIds, total, filter, providers, onFinished }: Props) {
  const client = useQueryClient();
  const id = useId();
  const [pending, setPending] = useState<BulkActionName | null>(null);
  const [target, setTarget] = useState('');
  const [progress, setProgress] = useState<BulkProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const count = selection.allMatching ? total : selection.ids.size;
  if (count === 0) return null;

  const pageAllSelected = pageIds.length > 0 && pageIds.every((x) => selection.isSelected(x));
  const targetProvider = providers.find((p) => String(p.id) === target);
  const words = pending ? ACTIONS[pending] : null;
  const title = pending === 'move' && targetProvider ? `Move ${plural(count)} to ${targetProvider.name}?` : words ? `${words.verb} ${plural(count)}?` : '';

  const run = async () => {
    if (!pending) return;
    const chosen: BulkSelection = selection.allMatching ? { kind: 'filter', filter, total } : { kind: 'ids', ids: [...selection.ids].sort((a, b) => a - b) };
    setError(null);
    setProgress({ handled: 0, total: count, done: 0, unchanged: 0, skipped: [] });
    try {
      const result = await runBulkAction(pending, chosen, { ddiProviderId: targetProvider?.id, onProgress: setProgress });
      const parts = [`${plural(result.done)} ${ACTIONS[pending].done}${pending === 'move' && targetProvider ? ` to ${targetProvider.name}` : ''}.`];
      if (result.unchanged > 0) parts.push(`${plural(result.unchanged)} already ${pending === 'move' ? 'there' : ACTIONS[pending].done}.`);
      const disabled = result.skipped.filter((s) => s.reason === 'disabled').length;
      const gone = result.skipped.length - disabled;
      if (disabled > 0) parts.push(`${plural(disabled)} skipped: disabled.`);
      if (gone > 0) parts.push(`${plural(gone)} skipped: no longer there.`);
      selection.clear();
      setPending(null);
      onFinished(parts.join(' '));
    } catch (err) {
      setError(`${err instanceof Error ? err.message : String(err)} Registrations handled before this stay changed.`);
    } finally {
      setProgress(null);
      await Promise.all([client.invalidateQueries({ queryKey: keys.registrations }), client.invalidateQueries({ queryKey: keys.providers })]);
    }
  };

  const action = (name: BulkActionName, className = 'button button-small') => (
    <button type="button" className={className} onClick={() => setPending(name)} disabled={name === 'move' && !targetProvider}>
      {ACTIONS[name].button}
    </button>
  );

  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <p className="bulk-count" aria-live="polite">
        <strong>{selection.allMatching ? `All ${plural(count)} matching the filter selected` : `${plural(count)} selected`}</strong>
        {!selection.allMatching && pageAllSelected && total > count ? (
          <button type="button" className="link-button" onClick={selection.selectAllMatching}>
            Select all {plural(total)} matching the filter
          </button>
        ) : null}
        <button type="button" className="link-button" onClick={selection.clear}>
          Clear selection
        </button>
      </p>
      <div className="bulk-actions">
        {action('enable')}
        {action('disable')}
        {action('register')}
        {action('unregister')}
        <span className="bulk-move">
          <label htmlFor={`${id}-target`}>Move to</label>
          <select id={`${id}-target`} value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">Choose a provider…</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          {action('move')}
        </span>
        {action('delete', 'button button-small button-danger')}
      </div>
      <ConfirmDialog
        open={pending !== null}
        title={title}
        confirmLabel={words ? (pending === 'move' ? `Move ${plural(count)}` : `${words.verb} ${plural(count)}`) : ''}
        busy={progress !== null}
        busyLabel={words ? `${words.doing}…` : ''}
        error={error}
        onConfirm={() => void run()}
        onCancel={() => {
          setPending(null);
          setError(null);
        }}
      >
        <p>{words?.body}</p>
        {selection.allMatching ? <p>Every registration matching the current search and filters is included, also those on other pages.</p> : null}
        {progress ? (
          <div className="bulk-progress">
            <progress max={Math.max(progress.total, 1)} value={progress.handled} aria-label={`${words?.doing ?? ''} registrations`} />
            <span aria-live="polite">
              {progress.handled.toLocaleString()} of {progress.total.toLocaleString()}
            </span>
          </div>
        ) : null}
      </ConfirmDialog>
    </div>
  );
}
