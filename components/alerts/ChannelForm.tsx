'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm, type FieldErrors, type Resolver } from 'react-hook-form';
import type { NotificationChannelJson } from '@/lib/api/contracts-alerts';
import { channelInputSchema, channelPatchSchema, STARTTLS_MODES } from '@/lib/alerts/channel-schema';
import { api, keys } from '@/lib/client/api';
import { Field, useFieldIds } from '../Field';
import { applyServerErrors } from '../auth/server-errors';

type FormValues = {
  name: string;
  kind: 'webhook' | 'email';
  enabled: boolean;
  url: string;
  secret: string;
  smtpHost: string;
  smtpPort: string;
  smtpStarttls: (typeof STARTTLS_MODES)[number];
  smtpUser: string;
  smtpPassword: string;
  mailFrom: string;
  mailTo: string;
};

const FIELDS = ['name', 'kind', 'url', 'secret', 'smtpHost', 'smtpPort', 'smtpStarttls', 'smtpUser', 'smtpPassword', 'mailFrom', 'mailTo'] as const;

function toBody(v: FormValues, isEdit: boolean): Record<string, unknown> {
  const text = (s: string) => (s.trim() === '' ? null : s.trim());
  const common = { name: v.name, enabled: v.enabled };
  if (v.kind === 'webhook') return { ...common, ...(isEdit ? {} : { kind: v.kind }), url: v.url.trim(), secret: v.secret === '' ? (isEdit ? '' : null) : v.secret };
  return {
    ...common,
    ...(isEdit ? {} : { kind: v.kind }),
    smtpHost: text(v.smtpHost),
    smtpPort: /^\d+$/.test(v.smtpPort.trim()) ? Number(v.smtpPort.trim()) : v.smtpPort,
    smtpStarttls: v.smtpStarttls,
    smtpUser: text(v.smtpUser),
    smtpPassword: v.smtpPassword === '' ? (isEdit ? '' : null) : v.smtpPassword,
    mailFrom: text(v.mailFrom),
    mailTo: v.mailTo.split(/[\s,;]+/).filter(Boolean),
  };
}

/** The shared zod schema, with the recipients edited as text and the port as a string. */
function channelResolver(isEdit: boolean): Resolver<FormValues, unknown, Record<string, unknown>> {
  return async (values) => {
    const body = toBody(values, isEdit);
    const parsed = (isEdit ? channelPatchSchema : channelInputSchema).safeParse(body);
    if (parsed.success) return { values: body, errors: {} };
    const errors: FieldErrors<FormValues> = {};
    for (const issue of parsed.error.issues) {
      const head = String(issue.path[0] ?? 'name') as keyof FormValues;
      if (!errors[head]) errors[head] = { type: issue.code, message: issue.message };
    }
    return { values: {}, errors };
  };
}

function valuesOf(c?: NotificationChannelJson): FormValues {
  return {
    name: c?.name ?? '',
    kind: c?.kind ?? 'webhook',
    enabled: c?.enabled ?? true,
    url: c?.url ?? '',
    secret: '',
    smtpHost: c?.smtpHost ?? '',
    smtpPort: String(c?.smtpPort ?? 587),
    smtpStarttls: c?.smtpStarttls ?? 'required',
    smtpUser: c?.smtpUser ?? '',
    smtpPassword: '',
    mailFrom: c?.mailFrom ?? '',
    mailTo: (c?.mailTo ?? []).join(', '),
  };
}

/** Create (no `channel`) or edit a notification channel. Secrets are write-only: empty keeps the stored one. */
export function ChannelForm({ channel, onDone }: { channel?: NotificationChannelJson; onDone: (message: string) => void }) {
  const isEdit = Boolean(channel);
  const fid = useFieldIds(isEdit ? `channel-${channel!.id}` : 'channel-new');
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    reset,
    watch,
    formState: { errors },
  } = useForm<FormValues, unknown, Record<string, unknown>>({ resolver: channelResolver(isEdit), defaultValues: valuesOf(channel) });
  const kind = watch('kind');
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => (channel ? api.channels.update(channel.id, { ...body, revision: channel.revision }) : api.channels.create(body)),
    onSuccess: async (saved) => {
      if (!isEdit) reset(valuesOf());
      onDone(`Channel "${saved.name}" ${isEdit ? 'saved' : 'created'}.`);
      await queryClient.invalidateQueries({ queryKey: keys.channels });
    },
    onError: (err) => setProblem(applyServerErrors(err, setError, FIELDS)),
  });

  return (
    <form
      className="form card"
      noValidate
      aria-labelledby={fid('title')}
      onSubmit={handleSubmit(
        (body) => {
          setProblem(null);
          save.mutate(body);
        },
        () => setProblem('Please correct the highlighted fields.'),
      )}
    >
      <h2 id={fid('title')} className="card-title">
        {isEdit ? `Edit ${channel!.name}` : 'Add a notification channel'}
      </h2>
      {problem ? (
        <p role="alert" className="alert alert-error">
          {problem}
        </p>
      ) : null}
      <div className="grid-2">
        <Field id={fid('name')} label="Name" error={errors.name?.message}>
          {(aria) => <input {...aria} type="text" autoComplete="off" {...register('name')} />}
        </Field>
        <Field id={fid('kind')} label="Kind" hint={isEdit ? 'The kind of a channel cannot change.' : undefined} error={errors.kind?.message}>
          {(aria) => (
            <select {...aria} disabled={isEdit} {...register('kind')}>
              <option value="webhook">Webhook (HTTP POST)</option>
              <option value="email">E-mail (SMTP)</option>
            </select>
          )}
        </Field>
        {kind === 'webhook' ? (
          <>
            <Field id={fid('url')} label="URL" hint="http:// or https://. The portal POSTs here from its own network: only admins can set it." error={errors.url?.message}>
              {(aria) => <input {...aria} type="url" autoComplete="off" spellCheck={false} className="mono" placeholder="https://hooks.example.com/ddi" {...register('url')} />}
            </Field>
            <Field
              id={fid('secret')}
              label="Signing secret"
              hint={`Optional: bodies are then signed (X-Signature: t=…,v1=HMAC-SHA256).${channel?.hasSecret ? ' A secret is stored; leave empty to keep it.' : ''}`}
              error={errors.secret?.message}
            >
              {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('secret')} />}
            </Field>
          </>
        ) : (
          <>
            <Field id={fid('smtp-host')} label="SMTP host" error={errors.smtpHost?.message}>
              {(aria) => <input {...aria} type="text" autoComplete="off" spellCheck={false} className="mono" {...register('smtpHost')} />}
            </Field>
            <Field id={fid('smtp-port')} label="Port" hint="587 (submission) usually." error={errors.smtpPort?.message}>
              {(aria) => <input {...aria} type="text" inputMode="numeric" autoComplete="off" {...register('smtpPort')} />}
            </Field>
            <Field id={fid('smtp-starttls')} label="STARTTLS" hint="Required: never send over a connection that did not switch to TLS." error={errors.smtpStarttls?.message}>
              {(aria) => (
                <select {...aria} {...register('smtpStarttls')}>
                  <option value="required">Required</option>
                  <option value="opportunistic">When offered</option>
                  <option value="none">Never (trusted local relay)</option>
                </select>
              )}
            </Field>
            <Field id={fid('smtp-user')} label="SMTP user" hint="Optional: leave empty for a relay without authentication." error={errors.smtpUser?.message}>
              {(aria) => <input {...aria} type="text" autoComplete="off" {...register('smtpUser')} />}
            </Field>
            <Field
              id={fid('smtp-password')}
              label="SMTP password"
              hint={channel?.hasSmtpPassword ? 'A password is stored (encrypted); leave empty to keep it.' : 'Stored encrypted, like SIP passwords.'}
              error={errors.smtpPassword?.message}
            >
              {(aria) => <input {...aria} type="password" autoComplete="new-password" {...register('smtpPassword')} />}
            </Field>
            <Field id={fid('mail-from')} label="From" error={errors.mailFrom?.message}>
              {(aria) => <input {...aria} type="email" autoComplete="off" {...register('mailFrom')} />}
            </Field>
            <Field id={fid('mail-to')} label="To" hint="One or more addresses, separated by commas." error={errors.mailTo?.message}>
              {(aria) => <input {...aria} type="text" autoComplete="off" {...register('mailTo')} />}
            </Field>
          </>
        )}
        <Field id={fid('enabled')} label="Enabled" inline hint="Disabled channels get no alerts (Send test still works).">
          {(aria) => <input {...aria} type="checkbox" {...register('enabled')} />}
        </Field>
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : isEdit ? 'Save channel' : 'Create channel'}
        </button>
        {isEdit ? (
          <button type="button" className="button" onClick={() => onDone('')}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
