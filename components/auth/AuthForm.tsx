'use client';

import { useState, type FormEventHandler, type ReactNode } from 'react';

/**
 * The submit of the sign-in and first-run forms: run the request, then leave for `to` (a full
 * page load, so the new session's cookie is in every request); the form stays busy while the
 * browser navigates. A failure's message goes to the form's alert (`describe` words it).
 */
export function useSubmitAndLeave(): {
  problem: string | null;
  leaving: boolean;
  submit: (request: () => Promise<unknown>, to: string, describe: (err: unknown) => string) => Promise<void>;
} {
  const [problem, setProblem] = useState<string | null>(null);
  const [leaving, setLeaving] = useState(false);
  const submit = async (request: () => Promise<unknown>, to: string, describe: (err: unknown) => string) => {
    setProblem(null);
    try {
      await request();
      setLeaving(true);
      window.location.assign(to);
    } catch (err) {
      setProblem(describe(err));
    }
  };
  return { problem, leaving, submit };
}

/** The sign-in and first-run forms' frame: the alert region, the fields, the submit button. */
export function AuthForm({
  problem,
  onSubmit,
  busy,
  disabled,
  submitLabel,
  busyLabel,
  besideSubmit,
  children,
}: {
  problem: string | null;
  onSubmit: FormEventHandler<HTMLFormElement>;
  busy: boolean;
  /** Not busy, but not submittable yet (e.g. waiting out a sign-in delay). */
  disabled?: boolean;
  submitLabel: string;
  busyLabel: string;
  besideSubmit?: ReactNode;
  children: ReactNode;
}) {
  return (
    <form className="form card auth-form" noValidate onSubmit={onSubmit}>
      {problem ? (
        <p role="alert" className="alert alert-error">
          {problem}
        </p>
      ) : null}
      {children}
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy || disabled}>
          {busy ? busyLabel : submitLabel}
        </button>
        {besideSubmit}
      </div>
    </form>
  );
}
