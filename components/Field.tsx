'use client';

import type { ReactNode } from 'react';
import type { GlossaryEntry } from '@/lib/glossary';
import { HelpTip } from './HelpTip';

export type FieldAria = {
  id: string;
  'aria-describedby': string;
  'aria-invalid': boolean;
};

type Props = {
  id: string;
  entry: GlossaryEntry;
  error?: string;
  /** extra ids the input is described by (hints, live checks). */
  describedBy?: (string | false | null | undefined)[];
  /** rendered below the input: hints, live checks, suggestions. */
  after?: ReactNode;
  /** checkbox layout: input before the label. */
  inline?: boolean;
  className?: string;
  children: (aria: FieldAria) => ReactNode;
};

/** Glossary-labelled field: label + help toggletip, the input, an error message, all wired by id. */
export function Field({ id, entry, error, describedBy = [], after, inline, className, children }: Props) {
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const ids = [helpId, ...describedBy.filter(Boolean), error ? errorId : null].filter(Boolean).join(' ');
  const aria: FieldAria = { id, 'aria-describedby': ids, 'aria-invalid': Boolean(error) };
  const label = (
    <label htmlFor={id} className="field-label">
      {entry.label}
    </label>
  );
  const help = <HelpTip helpId={helpId} label={entry.label} help={entry.help} example={entry.example} />;
  return (
    <div className={['field', inline ? 'field-inline' : '', error ? 'field-has-error' : '', className ?? ''].join(' ').trim()}>
      {inline ? (
        <div className="field-head">
          {children(aria)}
          {label}
          {help}
        </div>
      ) : (
        <>
          <div className="field-head">
            {label}
            {help}
          </div>
          {children(aria)}
        </>
      )}
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {after}
    </div>
  );
}
