'use client';

import type { ReactNode } from 'react';
import type { FieldAria } from '../Field';

type Props = {
  id: string;
  label: string;
  /** a short visible hint under the input (rules, what happens). */
  hint?: ReactNode;
  error?: string;
  children: (aria: FieldAria) => ReactNode;
};

/**
 * Label, input, hint and error of the account and operator forms, wired by id like Field (which
 * takes its texts from the registration glossary); the hint is plain text, always visible.
 */
export function AuthField({ id, label, hint, error, children }: Props) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field-has-error' : ''}`}>
      <div className="field-head">
        <label htmlFor={id} className="field-label">
          {label}
        </label>
      </div>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': Boolean(error) })}
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
    </div>
  );
}
