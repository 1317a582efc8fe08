'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { zodResolver } from '@hookform/resolvers/zod';
import { useForm, useWatch, type FieldPath, type Resolver } from 'react-hook-form';
import { useId, useMemo, useState } from 'react';
import { ApiError, api, keys } from '@/lib/client/api';
import { setFlash } from '@/lib/client/flash';
import { useAdoptNewerVersion } from '@/lib/client/use-adopt-newer';
import { useCan } from '@/lib/client/session';
import { changedValues } from '@/lib/client/changed-values';
import { registrationChanges, staleCurrent } from '@/lib/client/stale-diff';
import type { Registration } from '@/lib/client/types';
import {
  advancedRegistrationFields,
  registrationGlossary as g,
  registrationNotes,
  transportHints,
} from '@/lib/glossary';
import {
  DEFAULT_TRANSPORT,
  registrationInputSchema,
  registrationPatchSchema,
  type RegistrationInput,
  type RegistrationPatch,
} from '@/lib/registrations/schema';
import { TRANSPORT_SETTINGS } from '@/registrar/domain/vocabulary';
import { Field } from './Field';
import { SipLadder } from './SipLadder';
import { StaleNotice } from './StaleNotice';
import { StatusBadge } from './StatusBadge';
import { describeLocalCause, formatOutcome, targetTransport, transportOptionLabel } from '@/lib/client/format';
import { AvailabilityNote, useAccountAvailability, useDdiAvailability } from './Availability';
import { scopeChanges } from '@/lib/registrations/password-scope';

type FormValues = RegistrationInput;
type FormField = FieldPath<FormValues>;

const FORM_FIELDS: readonly FormField[] = [
  'ddiProviderId',
  'username',
  'domain',
  'password',
  'ddi',
  'authUsername',
  'registerServerUri',
  'realm',
  'expires',
  'transport',
  'enabled',
];
const ADVANCED = new Set<string>(advancedRegistrationFields);
const DEFAULT_EXPIRES = 3600;
const SUGGESTION_BUTTONS = 6;

type Props =
  | { mode: 'create'; initialProviderId?: number; returnTo?: string }
  | { mode: 'edit'; registration: Registration; returnTo?: string };

function defaultsFor(props: Props): FormValues {
  if (props.mode === 'edit') {
    const r = props.registration;
    return {
      ddiProviderId: r.ddiProviderId,
      username: r.username,
      domain: r.domain,
      password: '',
      ddi: r.ddi,
      authUsername: r.authUsername ?? '',
      registerServerUri: r.registerServerUri ?? '',
      realm: r.realm ?? '',
      expires: r.expires,
      transport: r.transport,
      enabled: r.enabled,
    };
  }
  return {
    ddiProviderId: props.initialProviderId ?? (undefined as unknown as number),
    username: '',
    domain: '',
    password: '',
    ddi: '',
    authUsername: '',
    registerServerUri: '',
    realm: '',
    expires: DEFAULT_EXPIRES,
    transport: DEFAULT_TRANSPORT,
    enabled: true,
  };
}

function hasAdvancedValues(v: FormValues): boolean {
  return Boolean(
    v.authUsername || v.registerServerUri || v.realm || (v.expires ?? DEFAULT_EXPIRES) !== DEFAULT_EXPIRES || (v.transport ?? DEFAULT_TRANSPORT) !== DEFAULT_TRANSPORT,
  );
}

/** Create / edit a registration: editors only (a viewer gets no form at all; the server refuses anyway). */
export function RegistrationForm(props: Props) {
  return useCan('editor') ? <RegistrationEditor {...props} /> : null;
}

/**
 * Validation uses the very schemas the API parses with (registrationInputSchema on create,
 * registrationPatchSchema on edit); server field errors are mapped back onto the fields.
 * An edit sends the revision it was loaded with: when someone saved in between, the API answers
 * 409 `stale` and the form shows what they changed (StaleNotice). While the form is untouched, a
 * newer version from the server (live refresh, Enable/Disable) simply replaces the loaded one.
 */
function RegistrationEditor(props: Props) {
  const isEdit = props.mode === 'edit';
  const latest = isEdit ? props.registration : null;
  // the version the form was loaded with: its revision goes with the save
  const [existing, setExisting] = useState(latest);
  // the version the server holds, after a save answered `stale`
  const [theirs, setTheirs] = useState<Registration | null>(null);
  const excludeId = existing?.id;
  const uid = useId().replace(/[^a-zA-Z0-9_-]/g, '');
  const fid = (name: string) => `reg-${uid}-${name}`;
  const router = useRouter();
  const queryClient = useQueryClient();

  const [defaults] = useState(() => defaultsFor(props));
  const [advancedOpen, setAdvancedOpen] = useState(() => hasAdvancedValues(defaults));
  const [removePassword, setRemovePassword] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);

  const resolver = (isEdit ? zodResolver(registrationPatchSchema) : zodResolver(registrationInputSchema)) as unknown as Resolver<
    FormValues,
    unknown,
    RegistrationPatch
  >;
  const {
    register,
    handleSubmit,
    control,
    setError,
    setValue,
    setFocus,
    getValues,
    clearErrors,
    reset,
    formState: { errors, isSubmitting, isDirty, dirtyFields },
  } = useForm<FormValues, unknown, RegistrationPatch>({
    resolver,
    defaultValues: defaults,
    mode: 'onTouched',
    shouldFocusError: false,
  });

  const [providerId, ddi, username, domain] = useWatch({ control, name: ['ddiProviderId', 'ddi', 'username', 'domain'] }) as unknown as [
    number | undefined,
    string | undefined,
    string | undefined,
    string | undefined,
  ];

  const providers = useQuery({ queryKey: keys.providers, queryFn: api.providers.list });
  const validProviderId = typeof providerId === 'number' && Number.isInteger(providerId) && providerId > 0 ? providerId : undefined;
  const provider = useQuery({
    queryKey: keys.provider(validProviderId ?? 0),
    queryFn: () => api.providers.get(validProviderId!),
    enabled: validProviderId !== undefined,
  });
  const providerDdis = provider.data?.ddis ?? [];
  const ddiUsers = useDdiUsers(providerDdis.length > 0 ? validProviderId : undefined, excludeId);

  const ddiState = useDdiAvailability(ddi, excludeId);
  const accountState = useAccountAvailability(username, domain, excludeId);

  const suggest = useMutation({
    mutationFn: () => api.registrations.suggestDdi(validProviderId),
    onSuccess: (res) => {
      setValue('ddi', res.ddi, { shouldDirty: true, shouldValidate: true, shouldTouch: true });
    },
  });

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

  const save = useMutation({
    mutationFn: async ({ values, revision }: { values: RegistrationPatch; revision?: number }) => {
      const body: Record<string, unknown> = { ...values };
      if (isEdit && removePassword) body.password = null;
      else if (body.password === '' || body.password === undefined || body.password === null) delete body.password;
      if (revision !== undefined) body.revision = revision;
      return existing ? api.registrations.update(existing.id, body) : api.registrations.create(body);
    },
    onSuccess: async (saved) => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: keys.registrations }),
        queryClient.invalidateQueries({ queryKey: keys.providers }),
        queryClient.invalidateQueries({ queryKey: keys.availability }),
      ]);
      queryClient.setQueryData(keys.registration(saved.id), saved);
      setFlash(`Registration #${saved.id} (${saved.username}@${saved.domain}) ${isEdit ? 'saved' : 'created'}.`);
      router.push(props.returnTo ?? '/registrations');
    },
    onError: (err) => {
      const current = staleCurrent<Registration>(err);
      if (current) {
        setTheirs(current);
        setFormError(null);
      } else if (err instanceof ApiError) {
        const known = Object.entries(err.fields).filter(([f]) => (FORM_FIELDS as readonly string[]).includes(f));
        for (const [field, message] of known) setError(field as FormField, { type: 'server', message });
        if (known.length > 0) focusField(known[0]![0] as FormField);
        const unknown = Object.entries(err.fields).filter(([f]) => !(FORM_FIELDS as readonly string[]).includes(f));
        setFormError(
          known.length > 0 && unknown.length === 0
            ? `${err.message} See the highlighted field${known.length > 1 ? 's' : ''}.`
            : [err.message, ...unknown.map(([f, m]) => `${f}: ${m}`)].join(' '),
        );
        if (err.status === 409 || err.status === 422) {
          void queryClient.invalidateQueries({ queryKey: keys.availability });
        }
      } else {
        setFormError(err instanceof Error ? err.message : 'Saving failed.');
      }
    },
  });

  /** One REGISTER (then Expires: 0) with the values typed so far, without saving. */
  const test = useMutation({
    mutationFn: async () => {
      const values = getValues();
      const body: Record<string, unknown> = { ...values };
      if (typeof body.ddiProviderId !== 'number' || Number.isNaN(body.ddiProviderId)) delete body.ddiProviderId;
      if (typeof body.expires === 'number' && Number.isNaN(body.expires)) delete body.expires;
      if (existing) {
        body.id = existing.id;
        if (removePassword) body.password = null;
      }
      if (body.password === '' || body.password === undefined) delete body.password;
      return api.registrations.test(body);
    },
    onMutate: () => clearErrors(),
    onError: (err) => {
      if (err instanceof ApiError) {
        for (const [field, message] of Object.entries(err.fields)) {
          if ((FORM_FIELDS as readonly string[]).includes(field)) setError(field as FormField, { type: 'server', message });
        }
      }
    },
  });

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

  const err = (name: FormField) => errors[name]?.message as string | undefined;
  const busy = isSubmitting || save.isPending;
  const hasPassword = existing?.hasPassword ?? false;
  // A saved password only goes to its own registrar (lib/registrations/password-scope.ts): say so
  // before the server refuses a save or a test that points it elsewhere.
  const [typedPassword, registerServerUri, realm] = useWatch({ control, name: ['password', 'registerServerUri', 'realm'] }) as unknown as Array<
    string | null | undefined
  >;
  const transport = useWatch({ control, name: 'transport' }) ?? DEFAULT_TRANSPORT;
  const rescoped =
    isEdit && hasPassword && !removePassword && !typedPassword && existing
      ? scopeChanges(existing, { domain: domain ?? '', registerServerUri: registerServerUri ?? '', realm: realm ?? '' }).length > 0
      : false;
  const datalistId = fid('ddi-options');
  // the provider's DDIs other than the typed one, free ones first (a used one stays offered, marked)
  const others = providerDdis.filter((d) => d !== ddi);
  const unusedSuggestions = [...others.filter((d) => !ddiUsers.has(d)), ...others.filter((d) => ddiUsers.has(d))].slice(0, SUGGESTION_BUTTONS);
  const anyUsedShown = unusedSuggestions.some((d) => ddiUsers.has(d));

  return (
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
            <select {...aria} {...register('ddiProviderId', { valueAsNumber: true })}>
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
          <Field id={fid('username')} entry={g.username} error={err('username')} describedBy={[fid('account-check')]}>
            {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder={g.username.example} {...register('username')} />}
          </Field>
          <Field id={fid('domain')} entry={g.domain} error={err('domain')} describedBy={[fid('account-check')]}>
            {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder={g.domain.example} {...register('domain')} />}
          </Field>
        </div>
        <AvailabilityNote id={fid('account-check')} state={accountState} subject="username and domain" />

        <Field
          id={fid('password')}
          entry={g.password}
          error={err('password')}
          describedBy={[isEdit && hasPassword ? fid('password-hint') : null]}
          after={
            isEdit && hasPassword ? (
              <>
                <p id={fid('password-hint')} className="hint">
                  {rescoped
                    ? 'Type the password again: you changed the domain, registrar URI or realm, and a saved password is only sent to its own registrar.'
                    : 'A password is saved; leave empty to keep it'}
                </p>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={removePassword}
                    onChange={(e) => {
                      setRemovePassword(e.target.checked);
                      if (e.target.checked) setValue('password', '');
                    }}
                  />
                  Remove saved password
                </label>
              </>
            ) : null
          }
        >
          {(aria) => (
            <input
              {...aria}
              type="password"
              autoComplete="new-password"
              disabled={removePassword}
              placeholder={isEdit && hasPassword ? '•••••• (saved)' : undefined}
              {...register('password')}
            />
          )}
        </Field>

        <Field
          id={fid('ddi')}
          entry={g.ddi}
          error={err('ddi')}
          describedBy={[fid('ddi-check')]}
          after={
            <>
              <AvailabilityNote id={fid('ddi-check')} state={ddiState} subject="DDI" />
              <div className="ddi-tools">
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => suggest.mutate()}
                  disabled={suggest.isPending}
                >
                  {suggest.isPending ? 'Generating…' : 'Generate a unique value'}
                </button>
                {unusedSuggestions.length > 0 ? (
                  <span className="suggestions" role="group" aria-label={`DDIs of ${provider.data?.name ?? 'the provider'}`}>
                    <span className="muted">Provider DDIs:</span>
                    {unusedSuggestions.map((d) => {
                      const usedBy = ddiUsers.get(d);
                      const note = usedBy !== undefined ? `used by registration #${usedBy}` : undefined;
                      return (
                        <button
                          key={d}
                          type="button"
                          className={usedBy !== undefined ? 'chip chip-used' : 'chip'}
                          data-used-by={usedBy}
                          title={note ? `${d}: ${note}` : undefined}
                          onClick={() => setValue('ddi', d, { shouldDirty: true, shouldValidate: true, shouldTouch: true })}
                          aria-label={note ? `Use DDI ${d} (${note})` : `Use DDI ${d}`}
                        >
                          {d}
                        </button>
                      );
                    })}
                    {providerDdis.length > SUGGESTION_BUTTONS + 1 ? (
                      <span className="muted">…and {providerDdis.length - SUGGESTION_BUTTONS} more (type to filter)</span>
                    ) : null}
                    {anyUsedShown ? (
                      <span className="muted chip-legend" aria-hidden="true">
                        (struck through: already used)
                      </span>
                    ) : null}
                  </span>
                ) : null}
              </div>
              {suggest.isError ? (
                <p role="alert" className="field-error">
                  {suggest.error instanceof Error ? suggest.error.message : 'No value could be generated.'}
                </p>
              ) : null}
            </>
          }
        >
          {(aria) => (
            <>
              <input
                {...aria}
                type="text"
                inputMode="tel"
                autoComplete="off"
                list={providerDdis.length > 0 ? datalistId : undefined}
                placeholder={g.ddi.example}
                {...register('ddi')}
              />
              {providerDdis.length > 0 ? (
                <datalist id={datalistId}>
                  {providerDdis.map((d) => (
                    <option key={d} value={d} />
                  ))}
                </datalist>
              ) : null}
            </>
          )}
        </Field>
      </fieldset>

      <details className="advanced" open={advancedOpen} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}>
        <summary>Advanced</summary>
        <p className="note note-quiet">{registrationNotes.advancedTip}</p>
        <div className="grid-2">
          <Field id={fid('authUsername')} entry={g.authUsername} error={err('authUsername')}>
            {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder="Same as Username" {...register('authUsername')} />}
          </Field>
          <Field id={fid('registerServerUri')} entry={g.registerServerUri} error={err('registerServerUri')}>
            {(aria) => (
              <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder={g.registerServerUri.example} {...register('registerServerUri')} />
            )}
          </Field>
          <Field id={fid('realm')} entry={g.realm} error={err('realm')}>
            {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} placeholder="Accept the proposed realm" {...register('realm')} />}
          </Field>
          <Field id={fid('expires')} entry={g.expires} error={err('expires')}>
            {(aria) => <input {...aria} type="number" min={60} max={86400} step={1} inputMode="numeric" {...register('expires', { valueAsNumber: true })} />}
          </Field>
          <Field
            id={fid('transport')}
            entry={g.transport}
            error={err('transport')}
            describedBy={[fid('transport-hint')]}
            after={
              <p id={fid('transport-hint')} className="hint">
                {transportHints[transport]}
              </p>
            }
          >
            {(aria) => (
              <select {...aria} {...register('transport')}>
                {TRANSPORT_SETTINGS.map((t) => (
                  <option key={t} value={t}>
                    {transportOptionLabel(t)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </details>

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
  );
}

/**
 * Which DDIs are already held by registrations of the provider: one list query (pages of 500,
 * usually one request) instead of one availability check per DDI. The registration being edited
 * (`excludeId`) does not count: its own DDI is free for it. Maps DDI → registration id.
 */
function useDdiUsers(providerId: number | undefined, excludeId: number | undefined): ReadonlyMap<string, number> {
  const q = useQuery({
    queryKey: [...keys.registrations, 'ddi-users', providerId ?? 0] as const,
    queryFn: async () => {
      const used: [string, number][] = [];
      for (let page = 1; ; page++) {
        const res = await api.registrations.list({ ddiProviderId: providerId, page, pageSize: 500, sort: 'id', order: 'asc' });
        for (const r of res.items) used.push([r.ddi, r.id]);
        if (res.items.length === 0 || page * res.pageSize >= res.total) break;
      }
      return used;
    },
    enabled: providerId !== undefined,
    staleTime: 10_000,
  });
  return useMemo(() => new Map((q.data ?? []).filter(([, id]) => id !== excludeId)), [q.data, excludeId]);
}

type TestState = {
  isPending: boolean;
  isError: boolean;
  error: Error | null;
  data: import('@/lib/client/types').TestOutcome | undefined;
};

/** Outcome of "Test registration": state, code/reason, target and the SIP ladder. */
function TestResult({ state }: { state: TestState }) {
  if (state.isPending) {
    return (
      <section className="test-result card" aria-live="polite" aria-busy="true">
        <h3>Test registration</h3>
        <p className="muted">Sending REGISTER… (a server that does not answer takes about 32 s to time out)</p>
      </section>
    );
  }
  if (state.isError) {
    return (
      <section className="test-result card" aria-live="polite">
        <h3>Test registration</h3>
        <p role="alert" className="alert alert-error">
          {state.error?.message ?? 'The test could not be run.'}
        </p>
      </section>
    );
  }
  if (!state.data) return <div aria-live="polite" />;
  const s = state.data.status;
  const local = s && !s.code && s.reason ? describeLocalCause(s.reason) : undefined;
  return (
    <section className="test-result card" aria-live="polite" aria-labelledby="test-result-title">
      <h3 id="test-result-title">Test registration result</h3>
      <dl className="facts">
        <div>
          <dt>State</dt>
          <dd>
            <StatusBadge status={s} />
          </dd>
        </div>
        <div>
          <dt>Response</dt>
          <dd title={local}>
            {s ? formatOutcome(s.code, s.reason) : '—'}
            {local ? <span className="muted"> — {local}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd className="mono">{s?.target ?? '—'}</dd>
        </div>
        <div>
          <dt>Transport</dt>
          <dd>{targetTransport(s?.target)?.toUpperCase() ?? '—'}</dd>
        </div>
        <div>
          <dt>Granted expires</dt>
          <dd>{s?.grantedExpires ? `${s.grantedExpires} s` : '—'}</dd>
        </div>
      </dl>
      <h4>SIP messages</h4>
      <SipLadder messages={state.data.trace} emptyText="No SIP message was exchanged." />
    </section>
  );
}
