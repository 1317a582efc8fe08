'use client';

import { useEffect, useRef } from 'react';
import { describeChange, type FieldChange } from '@/lib/client/stale-diff';

/**
 * Shown when a save answered 409 `stale`: someone saved the entity after this form loaded it.
 * Lists what they changed and lets the operator take their version or overwrite it with theirs.
 * Takes focus when it appears, since the form's top may be scrolled out of view.
 */
export function StaleNotice({
  what,
  changes,
  busy,
  onLoadTheirs,
  onSaveMine,
}: {
  /** "registration" or "provider", as in "Someone else changed this registration…". */
  what: string;
  changes: FieldChange[];
  busy: boolean;
  onLoadTheirs: () => void;
  onSaveMine: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div ref={ref} role="alert" className="alert alert-error stale-notice" tabIndex={-1}>
      <p>
        <strong>Someone else changed this {what} since you opened it.</strong>
      </p>
      {changes.length > 0 ? (
        <ul aria-label="What they changed">
          {changes.map((c) => (
            <li key={c.field}>{describeChange(c)}</li>
          ))}
        </ul>
      ) : (
        <p>None of the fields shown here differs from the version you opened.</p>
      )}
      <div className="actions">
        <button type="button" className="button" onClick={onLoadTheirs} disabled={busy}>
          Load their version
        </button>
        <button type="button" className="button button-primary" onClick={onSaveMine} disabled={busy}>
          Save mine anyway
        </button>
      </div>
    </div>
  );
}
