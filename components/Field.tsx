'use client';

import { useId, type ReactNode } from 'react';
import type { GlossaryEntry } from '@/lib/glossary';
import { HelpTip } from './HelpTip';

/** Field ids unique on the page: `<prefix>-<useId>-<name>`. */
export function useFieldIds(prefix: string): (name: string) => string {
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  return (name) => `${prefix}-${uid}-${name}`;
}

export type FieldAria = {
  id: string;
  'aria-describedby': string;
  'aria-invalid': boolean;
};

type Props = {
  id: string;
  error?: string;
  /** invalid without a message of its own (a live conflict told elsewhere, in a `describedBy` element). */
  invalid?: boolean;
  /** extra ids the input is described by (hints, live checks). */
  describedBy?: (string | false | null | undefined)[];
  /** rendered below the input: hints, live checks, suggestions. */
  after?: ReactNode;
  /** checkbox layout: input before the label. */
  inline?: boolean;
  className?: string;
  children: (aria: FieldAria) => ReactNode;
} & (
  | {
      /** Label and help toggletip from the glossary (registration and provider forms). */
      entry: GlossaryEntry;
      label?: never;
      hint?: never;
    }
  | {
      /** A plain label (account and operator forms)… */
      label: string;
      /** …with a short visible hint under the input (rules, what happens). */
      hint?: ReactNode;
      entry?: never;
    }
);

/**
 * A labelled field: label (with the glossary's help toggletip when given an `entry`), the input,
 * a visible hint, an error message, all wired by id.
 */
export function Field({ id, entry, label, hint, error, invalid, describedBy = [], after, inline, className, children }: Props) {
  const helpId = `${id}-help`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const ids = [entry ? helpId : null, hint ? hintId : null, ...describedBy, error ? errorId : null].filter(Boolean).join(' ');
  const aria: FieldAria = { id, 'aria-describedby': ids, 'aria-invalid': Boolean(error) || Boolean(invalid) };
  const labelText = entry ? entry.label : label;
  const head = (
    <>
      <label htmlFor={id} className="field-label">
        {labelText}
      </label>
      {entry ? <HelpTip helpId={helpId} label={entry.label} help={entry.help} example={entry.example} /> : null}
    </>
  );
  return (
    <div className={['field', inline && 'field-inline', (error || invalid) && 'field-has-error', className].filter(Boolean).join(' ')}>
      {inline ? (
        <div className="field-head">
          {children(aria)}
          {head}
        </div>
      ) : (
        <>
          <div className="field-head">{head}</div>
          {children(aria)}
        </>
      )}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {after}
    </div>
  );
}
