'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm, type FieldErrors, type Resolver } from 'react-hook-form';
import { useState } from 'react';
import { ApiError, api, keys } from '@/lib/client/api';
import { setFlash } from '@/lib/client/flash';
import { useAdoptNewerVersion } from '@/lib/client/use-adopt-newer';
import { useCan } from '@/lib/client/session';
import { providerChanges, staleCurrent, type ProviderVersion } from '@/lib/client/stale-diff';
import type { DdiProvider } from '@/lib/client/types';
import { ddiProviderGlossary as g } from '@/lib/glossary';
import { ddiProviderInputSchema, ddiProviderPatchSchema } from '@/lib/ddi-providers/schema';
import { Field, useFieldIds } from './Field';
import { StaleNotice } from './StaleNotice';
import { changedValues } from '@/lib/client/changed-values';

type FormValues = { name: string; description: string; ddisText: string; forwardTo: string; alertHoldS: string };
type Output = { name?: string; description?: string; ddis?: string[]; forwardTo?: string | null; alertHoldS?: number | null };
/** A provider as loaded for editing; `revision` goes with the save (optimistic locking). */
type LoadedProvider = DdiProvider & ProviderVersion;

/** One DDI per line (commas and spaces also separate). */
function parseDdis(text: string): string[] {
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
    const hold = values.alertHoldS.trim();
    const parsed = schema.safeParse({ name: values.name, description: values.description, ddis, forwardTo: values.forwardTo.trim() || null, alertHoldS: hold === '' ? null : /^\d+$/.test(hold) ? Number(hold) : hold });
    if (parsed.success) return { values: parsed.data, errors: {} };
    const errors: FieldErrors<FormValues> = {};
    for (const issue of parsed.error.issues) {
      const [head, index] = issue.path;
      const field: keyof FormValues = head === 'ddis' ? 'ddisText' : head === 'description' ? 'description' : head === 'forwardTo' ? 'forwardTo' : head === 'alertHoldS' ? 'alertHoldS' : 'name';
      if (errors[field]) continue;
      const message = head === 'ddis' && typeof index === 'number' ? `"${ddis[index]}": ${issue.message}` : issue.message;
      errors[field] = { type: issue.code, message };
    }
    return { values: {}, errors };
  };
}

function valuesOf(provider: LoadedProvider | undefined): FormValues {
  return { name: provider?.name ?? '', description: provider?.description ?? '', ddisText: (provider?.ddis ?? []).join('\n'), forwardTo: provider?.forwardTo ?? '', alertHoldS: provider?.alertHoldS == null ? '' : String(provider.alertHoldS) };
}

/** Create / edit a DDI provider: editors only (a viewer gets no form at all; the server refuses anyway). */
export function ProviderForm(props: { provider?: LoadedProvider }) {
  return useCan('editor') ? <ProviderEditor {...props} /> : null;
}

/**
 * An edit sends the revision it was loaded with: when someone saved in between, the API answers
 * 409 `stale` and the form shows what they changed (StaleNotice). While the form is untouched, a
 * newer version from the server simply replaces the loaded one.
 */
function ProviderEditor({ provider: latest }: { provider?: LoadedProvider }) {
  // the version the form was loaded with, and the server's one after a save answered `stale`
  const [provider, setProvider] = useState(latest);
  const [theirs, setTheirs] = useState<LoadedProvider | null>(null);
  const isEdit = Boolean(provider);
  const fid = useFieldIds('prov');
  const router = useRouter();
  const queryClient = useQueryClient();
  const [formError, setFormError] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    setFocus,
    reset,
    formState: { errors, isSubmitting, isDirty, dirtyFields },
  } = useForm<FormValues, unknown, Output>({
    resolver: providerResolver(isEdit),
    defaultValues: valuesOf(provider),
    mode: 'onTouched',
  });

  /** Shows `p` as the loaded version: its values in the form, its revision for the next save. */
  const load = (p: LoadedProvider) => {
    reset(valuesOf(p));
    setProvider(p);
    setTheirs(null);
    setFormError(null);
  };

  // a newer version from the server replaces the loaded one while the operator has changed nothing
  useAdoptNewerVersion({ latest, loadedRevision: provider?.revision ?? 0, untouched: !isDirty, showingTheirs: theirs !== null, load });

  const save = useMutation({
    mutationFn: ({ values, revision }: { values: Output; revision?: number }) =>
      provider ? api.providers.update(provider.id, revision === undefined ? values : { ...values, revision }) : api.providers.create(values),
    onSuccess: async (saved) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.providers }),
        queryClient.invalidateQueries({ queryKey: keys.registrations }),
      ]);
      setFlash(`Provider "${saved.name}" ${isEdit ? 'saved' : 'created'}.`);
      router.push(isEdit ? `/providers/${saved.id}` : '/providers');
    },
    onError: (err) => {
      const current = staleCurrent<LoadedProvider>(err);
      if (current) {
        setTheirs(current);
        setFormError(null);
      } else if (err instanceof ApiError) {
        const map: Record<string, keyof FormValues> = { name: 'name', description: 'description', ddis: 'ddisText', forwardTo: 'forwardTo', alertHoldS: 'alertHoldS' };
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

  /**
   * Saves the operator's changes (an edit sends only the fields they changed) as a change of
   * `based`: the loaded version, or theirs for "Save mine anyway".
   */
  const submit = (based: LoadedProvider | undefined) =>
    handleSubmit(
      (v) => {
        setFormError(null);
        setTheirs(null);
        if (based) setProvider(based);
        const dirty = { name: dirtyFields.name, description: dirtyFields.description, ddis: dirtyFields.ddisText, forwardTo: dirtyFields.forwardTo, alertHoldS: dirtyFields.alertHoldS };
        return save.mutateAsync({ values: provider ? changedValues(v, dirty) : v, revision: based?.revision }).catch(() => undefined);
      },
      () => setFormError('Please correct the highlighted fields.'),
    );

  const loadTheirs = (p: LoadedProvider) => {
    load(p);
    void queryClient.invalidateQueries({ queryKey: keys.provider(p.id) });
  };

  const busy = isSubmitting || save.isPending;
  return (
    <form className="form card" noValidate onSubmit={submit(provider)}>
      {formError ? (
        <p role="alert" className="alert alert-error">
          {formError}
        </p>
      ) : null}
      {provider && theirs ? (
        <StaleNotice
          key={theirs.revision}
          what="provider"
          changes={providerChanges(provider, theirs)}
          busy={busy}
          onLoadTheirs={() => loadTheirs(theirs)}
          onSaveMine={() => void submit(theirs)()}
        />
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
      <Field id={fid('forward-to')} entry={g.forwardTo} error={errors.forwardTo?.message}>
        {(aria) => (
          <input {...aria} type="text" autoComplete="off" spellCheck={false} className="mono" placeholder="SIP_FORWARD_TO" {...register('forwardTo')} />
        )}
      </Field>
      <Field id={fid('alert-hold')} entry={g.alertHoldS} error={errors.alertHoldS?.message}>
        {(aria) => <input {...aria} type="text" inputMode="numeric" autoComplete="off" placeholder="ALERTS_HOLD_S (120)" {...register('alertHoldS')} />}
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
