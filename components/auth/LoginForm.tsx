'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { loginSchema } from '@/lib/auth/schema';
import { ApiError, api } from '@/lib/client/api';
import { AuthField } from './AuthField';

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
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const fid = (n: string) => `login-${uid}-${n}`;
  const [problem, setProblem] = useState<string | null>(null);
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [signedIn, setSignedIn] = useState(false);
  const secondsLeft = useSecondsLeft(waitUntil);
  const {
    register,
    handleSubmit,
    formState: { errors, isSubmitting },
  } = useForm<Input, unknown, Output>({ resolver: zodResolver(loginSchema), defaultValues: { email: '', password: '' } });

  const onSubmit = async (values: Output) => {
    setProblem(null);
    try {
      await api.auth.login(values);
      setSignedIn(true);
      window.location.assign(next);
    } catch (err) {
      setProblem(err instanceof Error ? err.message : 'Signing in failed.');
      const wait = err instanceof ApiError && err.status === 429 ? err.retryAfter : null;
      setWaitUntil(wait ? Date.now() + wait * 1000 : null);
    }
  };

  const busy = isSubmitting || signedIn;
  return (
    <form className="form card auth-form" noValidate onSubmit={handleSubmit(onSubmit)}>
      {problem ? (
        <p role="alert" className="alert alert-error">
          {problem}
        </p>
      ) : null}
      <AuthField id={fid('email')} label="E-mail" error={errors.email?.message}>
        {(aria) => <input {...aria} type="email" autoComplete="username" spellCheck={false} {...register('email')} />}
      </AuthField>
      <AuthField id={fid('password')} label="Password" error={errors.password?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="current-password" {...register('password')} />}
      </AuthField>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy || secondsLeft > 0}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {secondsLeft > 0 ? (
          <span className="muted" aria-hidden="true">
            Try again in {secondsLeft} s
          </span>
        ) : null}
      </div>
    </form>
  );
}
