'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { setupSchema } from '@/lib/auth/schema';
import { api } from '@/lib/client/api';
import { AuthField } from './AuthField';
import { applyServerErrors } from './server-errors';

/** The setup schema plus the repeated password, which stays in the browser. */
const setupFormSchema = setupSchema
  .extend({ confirmPassword: z.string() })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'The two passwords differ.' });

type Input = z.input<typeof setupFormSchema>;
type Output = z.output<typeof setupFormSchema>;

/** First run: creates the first admin, who is then signed in and taken to the dashboard. */
export function SetupForm({ token = '' }: { token?: string }) {
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const fid = (n: string) => `setup-${uid}-${n}`;
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<Input, unknown, Output>({
    resolver: zodResolver(setupFormSchema),
    defaultValues: { setupToken: token, email: '', name: '', password: '', confirmPassword: '' },
  });

  const onSubmit = async ({ confirmPassword: _confirm, ...values }: Output) => {
    setProblem(null);
    try {
      await api.auth.setup(values);
      setDone(true);
      window.location.assign('/');
    } catch (err) {
      setProblem(applyServerErrors(err, setError, ['setupToken', 'email', 'name', 'password']));
    }
  };

  const busy = isSubmitting || done;
  return (
    <form className="form card auth-form" noValidate onSubmit={handleSubmit(onSubmit)}>
      {problem ? (
        <p role="alert" className="alert alert-error">
          {problem}
        </p>
      ) : null}
      <AuthField id={fid('token')} label="Setup token" hint="Printed in the server log at start, with the setup URL." error={errors.setupToken?.message}>
        {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} {...register('setupToken')} />}
      </AuthField>
      <AuthField id={fid('email')} label="E-mail" error={errors.email?.message}>
        {(aria) => <input {...aria} type="email" autoComplete="username" spellCheck={false} {...register('email')} />}
      </AuthField>
      <AuthField id={fid('name')} label="Name" hint="Optional: shown next to your e-mail." error={errors.name?.message}>
        {(aria) => <input {...aria} type="text" autoComplete="name" {...register('name')} />}
      </AuthField>
      <AuthField id={fid('password')} label="Password" hint="At least 10 characters." error={errors.password?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('password')} />}
      </AuthField>
      <AuthField id={fid('confirm')} label="Confirm password" error={errors.confirmPassword?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('confirmPassword')} />}
      </AuthField>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create administrator'}
        </button>
      </div>
    </form>
  );
}
