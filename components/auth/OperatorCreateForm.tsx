'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { roleDescriptions } from '@/lib/auth/roles';
import { operatorCreateSchema } from '@/lib/auth/schema';
import { api, keys } from '@/lib/client/api';
import { Field, useFieldIds } from '../Field';
import { RoleSelect } from './RoleSelect';
import { applyServerErrors } from './server-errors';

type Input = z.input<typeof operatorCreateSchema>;
type Output = z.output<typeof operatorCreateSchema>;

const empty: Input = { email: '', name: '', role: 'viewer', password: '' };

/** Adds an operator with an initial password (they change it on their account page). */
export function OperatorCreateForm({ onCreated }: { onCreated: (message: string) => void }) {
  const fid = useFieldIds('operator-new');
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    reset,
    watch,
    formState: { errors },
  } = useForm<Input, unknown, Output>({ resolver: zodResolver(operatorCreateSchema), defaultValues: empty });
  const create = useMutation({
    mutationFn: (values: Output) => api.operators.create(values),
    onSuccess: async (created) => {
      reset(empty);
      onCreated(`Operator ${created.email} created as ${created.role}.`);
      await queryClient.invalidateQueries({ queryKey: keys.operators });
    },
    onError: (err) => setProblem(applyServerErrors(err, setError, ['email', 'name', 'role', 'password'])),
  });
  const role = watch('role');

  return (
    <form
      className="form card"
      noValidate
      aria-labelledby={fid('title')}
      onSubmit={handleSubmit((values) => {
        setProblem(null);
        create.mutate(values);
      })}
    >
      <h2 id={fid('title')} className="card-title">
        Add an operator
      </h2>
      {problem ? (
        <p role="alert" className="alert alert-error">
          {problem}
        </p>
      ) : null}
      <div className="grid-2">
        <Field id={fid('email')} label="E-mail" error={errors.email?.message}>
          {(aria) => <input {...aria} type="email" autoComplete="off" spellCheck={false} {...register('email')} />}
        </Field>
        <Field id={fid('name')} label="Name" hint="Optional." error={errors.name?.message}>
          {(aria) => <input {...aria} type="text" autoComplete="off" {...register('name')} />}
        </Field>
        <Field id={fid('role')} label="Role" hint={role ? roleDescriptions[role] : undefined} error={errors.role?.message}>
          {(aria) => <RoleSelect {...aria} {...register('role')} />}
        </Field>
        <Field
          id={fid('password')}
          label="Initial password"
          hint="At least 10 characters. Give it to them safely; they can change it on their account page."
          error={errors.password?.message}
        >
          {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('password')} />}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create operator'}
        </button>
      </div>
    </form>
  );
}
