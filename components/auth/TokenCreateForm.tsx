'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { apiTokenCreateSchema } from '@/lib/auth/schema';
import { api, keys } from '@/lib/client/api';
import type { CreatedApiToken } from '@/lib/client/types';
import { Field } from '../Field';
import { applyServerErrors } from './server-errors';

type Input = z.input<typeof apiTokenCreateSchema>;
type Output = z.output<typeof apiTokenCreateSchema>;

/**
 * Names and creates a token after asking for the current password (a session alone cannot mint
 * one); the caller shows the token (once) from `onCreated`.
 */
export function TokenCreateForm({ onCreated }: { onCreated: (created: CreatedApiToken) => void }) {
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors },
  } = useForm<Input, unknown, Output>({ resolver: zodResolver(apiTokenCreateSchema), defaultValues: { name: '', currentPassword: '' } });
  const create = useMutation({
    mutationFn: (values: Output) => api.tokens.create(values),
    onSuccess: async (created) => {
      reset({ name: '', currentPassword: '' });
      onCreated(created);
      await queryClient.invalidateQueries({ queryKey: keys.apiTokens });
    },
    onError: (err) => setProblem(applyServerErrors(err, setError, ['name', 'currentPassword'])),
  });

  return (
    <form
      className="inline-form"
      noValidate
      onSubmit={handleSubmit((values) => {
        setProblem(null);
        create.mutate(values);
      })}
    >
      {problem ? (
        <p role="alert" className="alert alert-error">
          {problem}
        </p>
      ) : null}
      <Field id={`token-name-${uid}`} label="Token name" hint="What uses it, e.g. “monitoring script”." error={errors.name?.message}>
        {(aria) => <input {...aria} type="text" autoComplete="off" {...register('name')} />}
      </Field>
      <Field id={`token-password-${uid}`} label="Current password" hint="Needed to create a token." error={errors.currentPassword?.message}>
        {(aria) => <input {...aria} type="password" autoComplete="current-password" {...register('currentPassword')} />}
      </Field>
      <button type="submit" className="button button-primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create token'}
      </button>
    </form>
  );
}
