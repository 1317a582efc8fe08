'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { setupSchema } from '@/lib/auth/schema';
import { api } from '@/lib/client/api';
import { Field, useFieldIds } from '../Field';
import { AuthForm, useSubmitAndLeave } from './AuthForm';
import { applyServerErrors } from './server-errors';

/** The setup schema plus the repeated password, which stays in the browser. */
const setupFormSchema = setupSchema
  .extend({ confirmPassword: z.string() })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'The two passwords differ.' });

type Input = z.input<typeof setupFormSchema>;
type Output = z.output<typeof setupFormSchema>;

/** First run: creates the first admin, who is then signed in and taken to the dashboard. */
export function SetupForm({ token = '' }: { token?: string }) {
  const fid = useFieldIds('setup');
  const { problem, leaving, submit } = useSubmitAndLeave();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<Input, unknown, Output>({
    resolver: zodResolver(setupFormSchema),
    defaultValues: { setupToken: token, email: '', name: '', password: '', confirmPassword: '' },
  });

  const onSubmit = ({ confirmPassword: _confirm, ...values }: Output) =>
    submit(() => api.auth.setup(values), '/', (err) => applyServerErrors(err, setError, ['setupToken', 'email', 'name', 'password']));

  return (
    <AuthForm problem={problem} onSubmit={handleSubmit(onSubmit)} busy={isSubmitting || leaving} submitLabel="Create administrator" busyLabel="Creating…">
      <Field id={fid('token')} label="Setup token" hint="Printed in the server log at start, with the setup URL." error={errors.setupToken?.message}>
        {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} {...register('setupToken')} />}
      </Field>
      <Field id={fid('email')} label="E-mail" error={errors.email?.message}>
        {(aria) => <input {...aria} type="email" autoComplete="username" spellCheck={false} {...register('email')} />}
      </Field>
      <Field id={fid('name')} label="Name" hint="Optional: shown next to your e-mail." error={errors.name?.message}>
        {(aria) => <input {...aria} type="text" autoComplete="name" {...register('name')} />}
      </Field>
      <Field id={fid('password')} label="Password" hint="At least 10 characters." error={errors.password?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('password')} />}
      </Field>
      <Field id={fid('confirm')} label="Confirm password" error={errors.confirmPassword?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('confirmPassword')} />}
      </Field>
    </AuthForm>
  );
}
