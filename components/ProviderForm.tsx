'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm, type FieldErrors, type Resolver } from 'react-hook-form';
import { useId, useState } from 'react';
import { ApiError, api, keys } from '@/lib/client/api';
import { setFlash } from '@/lib/client/flash';
import type { DdiProvider } from '@/lib/client/types';
import { ddiProviderGlossary as g } from '@/lib/glossary';
import { ddiProviderInputSchema, ddiProviderPatchSchema } from '@/lib/ddi-providers/schema';
import { Field } from './Field';

type FormValues = { name: string; description: string; ddisText: string };
type Output = { name?: string; description?: string; ddis?: string[] };

/** One DDI per line (commas and spaces also separate). */
export function parseDdis(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Resolver over the shared provider schema: the DDI list is edited as text, parsed into the array the
 * schema (and the API) expects; an issue on `ddis[i]` is reported on the text area with its line.
 */
function providerResolver(isEdit: boolean): Resolver<FormValues, unknown, Output> {
  return async (values) => {
    const ddis = parseDdis(values.ddisText);
    const schema = isEdit ? ddiProviderPatchSchema : ddiProviderInputSchema;
    const parsed = schema.safeParse({ name: values.name, description: values.description, ddis });
    if (parsed.success) return { values: parsed.data, errors: {} };
    const errors: FieldErrors<FormValues> = {};
    for (const issue of parsed.error.issues) {
      const [head, index] = issue.path;
      const field: keyof FormValues = head === 'ddis' ? 'ddisText' : head === 'description' ? 'description' : 'name';
      if (errors[field]) continue;
      const message = head === 'ddis' && typeof index === 'number' ? `"${ddis[index]}": ${issue.message}` : issue.message;
      errors[field] = { type: issue.code, message };
    }
    return { values: {}, errors };
  };
}

export function ProviderForm({ provider }: { provider?: DdiProvider }) {
  const isEdit = Boolean(provider);
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const fid = (n: string) => `prov-${uid}-${n}`;
  const router = useRouter();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    setFocus,
    formState: { errors, isSubmitting },
  } = useForm<FormValues, unknown, Output>({
    resolver: providerResolver(isEdit),
    defaultValues: {
      name: provider?.name ?? '',
      description: provider?.description ?? '',
      ddisText: (provider?.ddis ?? []).join('\n'),
    },
    mode: 'onTouched',
  });

  const save = useMutation({
    mutationFn: (values: Output) => (provider ? api.providers.update(provider.id, values) : api.providers.create(values)),
    onSuccess: async (saved) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.providers }),
        queryClient.invalidateQueries({ queryKey: keys.registrations }),
      ]);
      setFlash(`Provider "${saved.name}" ${isEdit ? 'saved' : 'created'}.`);
      router.push(isEdit ? `/providers/${saved.id}` : '/providers');
    },
    onError: (err) => {
      if (err instanceof ApiError) {
        const map: Record<string, keyof FormValues> = { name: 'name', description: 'description', ddis: 'ddisText' };
        let first: keyof FormValues | null = null;
        for (const [f, message] of Object.entries(err.fields)) {
          const target = map[f.split('.')[0]!];
          if (!target) continue;
          setError(target, { type: 'server', message });
          first ??= target;
        }
        if (first) setFocus(first);
        setFormError(err.message);
      } else {
        setFormError(err instanceof Error ? err.message : 'Saving failed.');
      }
    },
  });

  const busy = isSubmitting || save.isPending;
  return (
    <form
      className="form card"
      noValidate
      onSubmit={handleSubmit(
        (v) => {
          setFormError(null);
          return save.mutateAsync(v).catch(() => undefined);
        },
        () => setFormError('Please correct the highlighted fields.'),
      )}
    >
      {formError ? (
        <p role="alert" className="alert alert-error">
          {formError}
        </p>
      ) : null}
      <Field id={fid('name')} entry={g.name} error={errors.name?.message}>
        {(aria) => <input {...aria} type="text" autoComplete="off" {...register('name')} />}
      </Field>
      <Field id={fid('description')} entry={g.description} error={errors.description?.message}>
        {(aria) => <textarea {...aria} rows={3} {...register('description')} />}
      </Field>
      <Field
        id={fid('ddis')}
        entry={g.ddis}
        error={errors.ddisText?.message}
        describedBy={[fid('ddis-hint')]}
        after={
          <p id={fid('ddis-hint')} className="hint">
            One DDI per line, digits with an optional leading +.
          </p>
        }
      >
        {(aria) => <textarea {...aria} rows={6} spellCheck={false} className="mono" {...register('ddisText')} />}
      </Field>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : isEdit ? 'Save changes' : 'Create provider'}
        </button>
        <Link href={provider ? `/providers/${provider.id}` : '/providers'} className="button">
          Cancel
        </Link>
      </div>
    </form>
  );
}
