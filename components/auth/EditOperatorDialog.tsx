'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { roleDescriptions, roles } from '@/lib/auth/roles';
import { newPasswordRule, operatorNameRule, type OperatorPatch } from '@/lib/auth/schema';
import { api, keys } from '@/lib/client/api';
import type { OperatorAccount } from '@/lib/client/types';
import { Field, useFieldIds } from '../Field';
import { RoleSelect } from './RoleSelect';
import { applyServerErrors } from './server-errors';

/** The edit form: the patch rules, with an empty password meaning "keep it". */
const editSchema = z.object({
  name: operatorNameRule,
  role: z.enum(roles),
  disabled: z.boolean(),
  password: z.union([z.literal(''), newPasswordRule]),
  revokeTokens: z.boolean(),
});

type Input = z.input<typeof editSchema>;
type Output = z.output<typeof editSchema>;

/** Only what differs from `operator`, so an unchanged role does not sign them out. */
function patchOf(operator: OperatorAccount, v: Output): OperatorPatch {
  return {
    ...(v.name !== operator.name ? { name: v.name } : {}),
    ...(v.role !== operator.role ? { role: v.role } : {}),
    ...(v.disabled !== operator.disabled ? { disabled: v.disabled } : {}),
    ...(v.password ? { password: v.password, ...(v.revokeTokens ? {} : { revokeTokens: false }) } : {}),
  };
}

/** Edits one operator in a modal: name, role, disabled, and a new password. */
export function EditOperatorDialog({ operator, onClose, onSaved }: { operator: OperatorAccount; onClose: () => void; onSaved: (message: string) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const fid = useFieldIds('operator-edit');
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    watch,
    formState: { errors },
  } = useForm<Input, unknown, Output>({
    resolver: zodResolver(editSchema),
    defaultValues: { name: operator.name, role: operator.role, disabled: operator.disabled, password: '', revokeTokens: true },
  });
  const save = useMutation({
    mutationFn: (patch: OperatorPatch) => api.operators.update(operator.id, patch),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: keys.operators });
      onSaved(`Operator ${saved.email} saved.`);
    },
    onError: (err) => setProblem(applyServerErrors(err, setError, ['name', 'role', 'disabled', 'password'])),
  });

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const role = watch('role');
  return (
    <dialog ref={ref} className="dialog dialog-form" aria-labelledby={fid('title')} onClose={onClose}>
      <form
        noValidate
        onSubmit={handleSubmit((values) => {
          setProblem(null);
          const patch = patchOf(operator, values);
          if (Object.keys(patch).length === 0) onClose();
          else save.mutate(patch);
        })}
      >
        <h2 id={fid('title')}>Edit {operator.email}</h2>
        <Field id={fid('name')} label="Name" error={errors.name?.message}>
          {(aria) => <input {...aria} type="text" autoComplete="off" {...register('name')} />}
        </Field>
        <Field id={fid('role')} label="Role" hint={roleDescriptions[role]} error={errors.role?.message}>
          {(aria) => <RoleSelect {...aria} {...register('role')} />}
        </Field>
        <div className="field field-inline">
          <div className="field-head">
            <input id={fid('disabled')} type="checkbox" aria-describedby={fid('disabled-hint')} {...register('disabled')} />
            <label htmlFor={fid('disabled')} className="field-label">
              Disabled
            </label>
          </div>
          <p id={fid('disabled-hint')} className="hint">
            A disabled operator cannot sign in and their API tokens are revoked (re-enabling does not bring them back).
          </p>
        </div>
        <Field id={fid('password')} label="New password" hint="Leave empty to keep the current password." error={errors.password?.message}>
          {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('password')} />}
        </Field>
        <div className="field field-inline">
          <div className="field-head">
            <input id={fid('revoke')} type="checkbox" aria-describedby={fid('revoke-hint')} {...register('revokeTokens')} />
            <label htmlFor={fid('revoke')} className="field-label">
              Revoke their API tokens with a new password
            </label>
          </div>
          <p id={fid('revoke-hint')} className="hint">
            Recommended when the account may have been misused: a token made from a stolen session stops working.
          </p>
        </div>
        <p className="hint">Changing the role, disabling or setting a new password signs them out everywhere.</p>
        {problem ? (
          <p role="alert" className="alert alert-error">
            {problem}
          </p>
        ) : null}
        <div className="actions">
          <button type="button" className="button" onClick={onClose} disabled={save.isPending}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
