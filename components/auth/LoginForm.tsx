'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { loginSchema } from '@/lib/auth/schema';
import { ApiError, api } from '@/lib/client/api';
import { Field, useFieldIds } from '../Field';
import { AuthForm, useSubmitAndLeave } from './AuthForm';

type Input = z.input<typeof loginSchema>;
type Output = z.output<typeof loginSchema>;

/** Seconds left until `until` (epoch ms), ticking once a second; 0 when there is nothing to wait for. */
function useSecondsLeft(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

/**
 * Sign-in with e-mail and password. A refusal shows the server's message, which never says which
 * of the two was wrong; when sign-in is throttled the button waits out the delay.
 */
export function LoginForm({ next }: { next: string }) {
  const fid = useFieldIds('login');
  const { problem, leaving, submit } = useSubmitAndLeave();
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const secondsLeft = useSecondsLeft(waitUntil);
  const {
    register,
    handleSubmit,
    formState: { errors, isSubmitting },
  } = useForm<Input, unknown, Output>({ resolver: zodResolver(loginSchema), defaultValues: { email: '', password: '' } });

  const onSubmit = (values: Output) =>
    submit(() => api.auth.login(values), next, (err) => {
      const wait = err instanceof ApiError && err.status === 429 ? err.retryAfter : null;
      setWaitUntil(wait ? Date.now() + wait * 1000 : null);
      return err instanceof Error ? err.message : 'Signing in failed.';
    });

  return (
    <AuthForm
      problem={problem}
      onSubmit={handleSubmit(onSubmit)}
      busy={isSubmitting || leaving}
      disabled={secondsLeft > 0}
      submitLabel="Sign in"
      busyLabel="Signing in…"
      besideSubmit={
        secondsLeft > 0 ? (
          <span className="muted" aria-hidden="true">
            Try again in {secondsLeft} s
          </span>
        ) : null
      }
    >
      <Field id={fid('email')} label="E-mail" error={errors.email?.message}>
        {(aria) => <input {...aria} type="email" autoComplete="username" spellCheck={false} {...register('email')} />}
      </Field>
      <Field id={fid('password')} label="Password" error={errors.password?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="current-password" {...register('password')} />}
      </Field>
    </AuthForm>
  );
}
