'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { passwordChangeSchema } from '@/lib/auth/schema';
import { api } from '@/lib/client/api';
import { Field, useFieldIds } from '../Field';
import { applyServerErrors } from './server-errors';

/** The password-change schema plus the repeated new password, which stays in the browser. */
const passwordFormSchema = passwordChangeSchema
  .extend({ confirmPassword: z.string() })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The two new passwords differ.' });

type Input = z.input<typeof passwordFormSchema>;
type Output = z.output<typeof passwordFormSchema>;

const empty: Input = { currentPassword: '', newPassword: '', confirmPassword: '', revokeTokens: true };

/**
 * Changes the signed-in operator's password; their other sessions are signed out, this one stays,
 * and their API tokens are revoked unless they untick the box.
 */
export function PasswordChangeForm() {
  const fid = useFieldIds('password');
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors, isSubmitting },
  } = useForm<Input, unknown, Output>({ resolver: zodResolver(passwordFormSchema), defaultValues: empty });

  const onSubmit = async ({ confirmPassword: _confirm, ...values }: Output) => {
    setProblem(null);
    setNotice(null);
    try {
      const changed = await api.auth.changePassword(values);
      reset(empty);
      const tokens = changed.tokensRevoked === 1 ? '1 API token was revoked' : `${changed.tokensRevoked} API tokens were revoked`;
      setNotice(`Password changed. Your other sessions were signed out; this one stays signed in. ${tokens}.`);
    } catch (err) {
      setProblem(applyServerErrors(err, setError, ['currentPassword', 'newPassword']));
    }
  };

  return (
    <form className="form card" noValidate onSubmit={handleSubmit(onSubmit)} aria-labelledby={fid('title')}>
      <h2 id={fid('title')} className="card-title">
        Change password
      </h2>
      {problem ? (
        <p role="alert" className="alert alert-error">
          {problem}
        </p>
      ) : null}
      <div role="status" aria-live="polite" className="flash-region">
        {notice ? <p className="alert alert-success">{notice}</p> : null}
      </div>
      <Field id={fid('current')} label="Current password" error={errors.currentPassword?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="current-password" {...register('currentPassword')} />}
      </Field>
      <Field id={fid('new')} label="New password" hint="At least 10 characters." error={errors.newPassword?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('newPassword')} />}
      </Field>
      <Field id={fid('confirm')} label="Confirm new password" error={errors.confirmPassword?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('confirmPassword')} />}
      </Field>
      <label className="checkbox" htmlFor={fid('revoke')}>
        <input id={fid('revoke')} type="checkbox" {...register('revokeTokens')} /> Revoke my API tokens (recommended: a token made from a stolen session stops working)
      </label>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={isSubmitting}>
          {isSubmitting ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
