'use client';

import Link from 'next/link';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { zodResolver } from '@hookform/resolvers/zod';
import { FormProvider, useForm, useWatch, type Resolver } from 'react-hook-form';
import { useEffect, useRef, useState } from 'react';
import { api, keys } from '@/lib/client/api';
import { changedValues } from '@/lib/client/changed-values';
import { useCan } from '@/lib/client/session';
import { registrationChanges } from '@/lib/client/stale-diff';
import type { Registration } from '@/lib/client/types';
import { useAdoptNewerVersion } from '@/lib/client/use-adopt-newer';
import { registrationGlossary as g, registrationNotes } from '@/lib/glossary';
import { registrationInputSchema, registrationPatchSchema, type RegistrationPatch } from '@/lib/registrations/schema';
import { AvailabilityNote, useAccountAvailability, useDdiAvailability } from './Availability';
import { Field, useFieldIds } from './Field';
import { StaleNotice } from './StaleNotice';
import { AdvancedSettings } from './registration-form/AdvancedSettings';
import { DdiField } from './registration-form/DdiField';
import {
  ADVANCED,
  FORM_FIELDS,
  defaultsFor,
  hasAdvancedValues,
  type FormField,
  type FormValues,
  type RegistrationFormProps,
} from './registration-form/form-values';
import { PasswordField } from './registration-form/PasswordField';
import { TestResult } from './registration-form/TestResult';
import { useSaveRegistration } from './registration-form/use-save-registration';
import { useTestRegistration } from './registration-form/use-test-registration';

/** Create / edit a registration: editors only (a viewer gets no form at all; the server refuses anyway). */
export function RegistrationForm(props: RegistrationFormProps) {
  return useCan('editor') ? <RegistrationEditor {...props} /> : null;
}

/**
 * Validation uses the very schemas the API parses with (registrationInputSchema on create,
 * registrationPatchSchema on edit); server field errors are mapped back onto the fields.
 * An edit sends the revision it was loaded with: when someone saved in between, the API answers
 * 409 `stale` and the form shows what they changed (StaleNotice). While the form is untouched, a
 * newer version from the server (live refresh, Enable/Disable) simply replaces the loaded one.
 *
 * This component holds the versions (loaded, theirs) and the submit; the save and the test are
 * hooks (registration-form/use-*-registration.ts), the password, DDI and advanced settings panels.
 */
function RegistrationEditor(props: RegistrationFormProps) {
  const isEdit = props.mode === 'edit';
  const latest = isEdit ? props.registration : null;
  // the version the form was loaded with: its revision goes with the save
  const [existing, setExisting] = useState(latest);
  // the version the server holds, after a save answered `stale`
  const [theirs, setTheirs] = useState<Registration | null>(null);
  const excludeId = existing?.id;
  const fid = useFieldIds('reg');
  const queryClient = useQueryClient();

  const [defaults] = useState(() => defaultsFor(props));
  const [advancedOpen, setAdvancedOpen] = useState(() => hasAdvancedValues(defaults));
  const [removePassword, setRemovePassword] = useState(false);
  const [formError, setFormErrorText] = useState<string | null>(null);
  // the fields a conflict in the form's alert is about: changing one of them clears the alert
  const alertAbout = useRef<readonly FormField[]>([]);
  const setFormError = (message: string | null, about: readonly FormField[] = []) => {
    alertAbout.current = message ? about : [];
    setFormErrorText(message);
  };

  const resolver = (isEdit ? zodResolver(registrationPatchSchema) : zodResolver(registrationInputSchema)) as unknown as Resolver<
    FormValues,
    unknown,
    RegistrationPatch
  >;
  const form = useForm<FormValues, unknown, RegistrationPatch>({
    resolver,
    defaultValues: defaults,
    mode: 'onTouched',
    shouldFocusError: false,
  });
  const {
    register,
    handleSubmit,
    control,
    setError,
    setFocus,
    getValues,
    getFieldState,
    clearErrors,
    reset,
    watch,
    formState: { errors, isSubmitting, isDirty, dirtyFields },
  } = form;

  const [username, domain, ddi] = useWatch({ control, name: ['username', 'domain', 'ddi'] }) as unknown as [
    string | undefined,
    string | undefined,
    string | undefined,
  ];
  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const accountState = useAccountAvailability(username, domain, excludeId);
  const ddiState = useDdiAvailability(ddi, excludeId);
  const accountTaken = accountState.kind === 'done' && !accountState.result.available;
  const ddiTaken = ddiState.kind === 'done' && !ddiState.result.available;

  useEffect(() => {
    const sub = watch((_values, { name }) => {
      // the server's conflict on the account is about both fields: a change of either answers it
      if (name === 'username' || name === 'domain') {
        for (const f of ['username', 'domain'] as const) if (getFieldState(f).error?.type === 'server') clearErrors(f);
      }
      if (name && alertAbout.current.includes(name as FormField)) {
        alertAbout.current = [];
        setFormErrorText(null);
      }
    });
    return () => sub.unsubscribe();
  }, [watch, getFieldState, clearErrors]);

  const focusField = (name: FormField) => {
    if (ADVANCED.has(name)) setAdvancedOpen(true);
    // after the <details> opens, the input can take focus
    requestAnimationFrame(() => setFocus(name));
  };

  /** Shows `r` as the loaded version: its values in the form, its revision for the next save. */
  const load = (r: Registration) => {
    const values = defaultsFor({ mode: 'edit', registration: r });
    reset(values);
    setExisting(r);
    setTheirs(null);
    setRemovePassword(false);
    setFormError(null);
    setAdvancedOpen(hasAdvancedValues(values));
  };

  // a newer version from the server replaces the loaded one while the operator has changed nothing
  const untouched = !isDirty && !removePassword;
  useAdoptNewerVersion({ latest, loadedRevision: existing?.revision ?? null, untouched, showingTheirs: theirs !== null, load });

  const save = useSaveRegistration({ existing, removePassword, returnTo: props.returnTo, setError, focusField, onStale: setTheirs, setFormError });
  const test = useTestRegistration({ existing, removePassword, getValues, clearErrors, setError });

  const onInvalid = (errs: typeof errors) => {
    setFormError('Please correct the highlighted fields.');
    const first = FORM_FIELDS.find((f) => errs[f]);
    if (first) focusField(first);
  };
  /**
   * Saves the operator's changes (an edit sends only the fields they changed) as a change of
   * `based`: the loaded version, or theirs for "Save mine anyway".
   */
  const submit = (based: Registration | null) =>
    handleSubmit((values: RegistrationPatch) => {
      // a value the live check found in use: refused here already, with the check's message
      const taken: FormField[] = [...(accountTaken ? (['username', 'domain'] as const) : []), ...(ddiTaken ? (['ddi'] as const) : [])];
      if (taken.length > 0) {
        setFormError(
          `${[accountTaken && 'Username and domain are', ddiTaken && 'The DDI is'].filter(Boolean).join(' and ')} already used by another registration: change ${taken.length > 1 ? 'them' : 'it'} (see the highlighted fields).`,
          taken,
        );
        focusField(taken[0]!);
        return;
      }
      setFormError(null);
      setTheirs(null);
      if (based) setExisting(based);
      const changed = isEdit ? changedValues(values, dirtyFields as Partial<Record<keyof RegistrationPatch, unknown>>) : values;
      return save.mutateAsync({ values: changed, revision: based?.revision }).catch(() => undefined);
    }, onInvalid);

  const loadTheirs = (r: Registration) => {
    load(r);
    void queryClient.invalidateQueries({ queryKey: keys.registration(r.id) });
  };

  // The provider select is not checked when focus merely passes over it (Tab from the top of the
  // page): only once it was changed, or at the submit ("Choose a DDI provider." on first blur scolds
  // an operator who has not got there yet).
  const providerField = register('ddiProviderId', { valueAsNumber: true });
  const onProviderBlur: typeof providerField.onBlur = (e) =>
    getFieldState('ddiProviderId').isDirty || form.formState.isSubmitted ? providerField.onBlur(e) : Promise.resolve();
  const err = (name: FormField) => errors[name]?.message as string | undefined;
  const busy = isSubmitting || save.isPending;
  // the server's conflict names Username and Domain with one message: shown once, under Domain
  const accountErrorOnce = errors.username?.type === 'server' && errors.username.message === errors.domain?.message;

  return (
    <FormProvider {...form}>
      <form className="form card" noValidate onSubmit={submit(existing)} aria-describedby={formError ? fid('form-error') : undefined}>
        {!isEdit ? (
          <aside className="note" aria-label="Peering note">
            <strong>Before you add a registration:</strong> {registrationNotes.peering}
          </aside>
        ) : null}

        {formError ? (
          <p id={fid('form-error')} role="alert" className="alert alert-error">
            {formError}
          </p>
        ) : null}

        {existing && theirs ? (
          <StaleNotice
            key={theirs.revision}
            what="registration"
            changes={registrationChanges(existing, theirs)}
            busy={busy}
            onLoadTheirs={() => loadTheirs(theirs)}
            onSaveMine={() => void submit(theirs)()}
          />
        ) : null}

        <Field id={fid('ddiProviderId')} entry={g.ddiProviderId} error={err('ddiProviderId')}>
          {(aria) =>
            providers.data ? (
              // rendered once the options exist, so react-hook-form can select the default value
              <select {...aria} {...providerField} onBlur={onProviderBlur}>
                <option value="">Choose a provider…</option>
                {providers.data.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            ) : (
              <select {...aria} disabled>
                <option value="">{providers.isError ? 'Providers could not be loaded' : 'Loading providers…'}</option>
              </select>
            )
          }
        </Field>

        <fieldset className="fieldset">
          <legend>Account</legend>
          <div className="grid-2">
            <Field
              id={fid('username')}
              entry={g.username}
              error={accountErrorOnce ? undefined : err('username')}
              invalid={accountTaken || accountErrorOnce}
              describedBy={[fid('account-check'), accountErrorOnce && `${fid('domain')}-error`]}
            >
              {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder={g.username.example} {...register('username')} />}
            </Field>
            <Field id={fid('domain')} entry={g.domain} error={err('domain')} invalid={accountTaken} describedBy={[fid('account-check')]}>
              {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder={g.domain.example} {...register('domain')} />}
            </Field>
          </div>
          <AvailabilityNote
            id={fid('account-check')}
            state={accountTaken && errors.domain?.type === 'server' ? { kind: 'idle' } : accountState}
            subject="username and domain"
          />
          <PasswordField fid={fid} existing={existing} removePassword={removePassword} onRemovePasswordChange={setRemovePassword} />
          <DdiField fid={fid} excludeId={excludeId} ddiState={ddiState} />
        </fieldset>

        <AdvancedSettings fid={fid} open={advancedOpen} onToggle={setAdvancedOpen} />

        <Field id={fid('enabled')} entry={g.enabled} error={err('enabled')} inline>
          {(aria) => <input {...aria} type="checkbox" role="switch" {...register('enabled')} />}
        </Field>

        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : isEdit ? 'Save changes' : 'Create registration'}
          </button>
          <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate()} aria-describedby={fid('test-help')}>
            {test.isPending ? 'Testing…' : 'Test registration'}
          </button>
          <Link href={props.returnTo ?? '/registrations'} className="button">
            Cancel
          </Link>
        </div>
        <p id={fid('test-help')} className="hint">
          Test registration sends one REGISTER with the values above (and an Expires: 0 afterwards) without saving anything.
        </p>
        <TestResult state={test} />
      </form>
    </FormProvider>
  );
}
