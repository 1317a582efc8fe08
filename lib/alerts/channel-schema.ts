/**
 * Notification channels as the API and the settings page take them: one flat object per channel,
 * `kind` deciding which fields it needs. Secrets (the webhook's signing secret, the SMTP password)
 * are write-only: absent or '' on PATCH keeps the stored one, null clears it.
 */
import { z } from 'zod';
import { notificationChannelKinds } from './vocabulary';
import { revisionRule } from '../registrations/schema';
import { singleLineText } from '../validation/text';

export const STARTTLS_MODES = ['required', 'opportunistic', 'none'] as const;
export type StarttlsMode = (typeof STARTTLS_MODES)[number];

const emailAddress = z.string().trim().max(254, 'Use at most 254 characters.').pipe(z.email('Enter an e-mail address, e.g. ops@example.com.'));

/** http(s) only, no user:password@ in the URL (the secret signs the body instead), at most 2,000 characters. */
export const webhookUrlRule = singleLineText(2000)
  .min(1, 'Enter the URL the alerts are POSTed to.')
  .superRefine((v, ctx) => {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Enter a full URL, e.g. https://hooks.example.com/ddi-alerts.' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'Use an http:// or https:// URL.' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'Leave user and password out of the URL; set a signing secret instead.' });
  });

const hostRule = z
  .string()
  .trim()
  .min(1, 'Enter the SMTP server host.')
  .max(253, 'Use at most 253 characters.')
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+|[0-9a-fA-F:]+)$/, 'Enter a host name or an IP address, without a port.');

/** Secrets: '' means "keep", null "clear" on PATCH; on create both mean none. Printable characters, kept as typed (not trimmed). */
const secretRule = (what: string) =>
  z
    .string()
    .max(500, `The ${what} is at most 500 characters.`)
    .regex(/^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]*$/u, `Use printable characters only in the ${what}.`)
    .nullable();

const fields = {
  name: singleLineText(100).min(1, 'Name is required.'),
  kind: z.enum(notificationChannelKinds),
  enabled: z.boolean(),
  url: webhookUrlRule.nullable(),
  secret: secretRule('secret'),
  smtpHost: hostRule.nullable(),
  smtpPort: z.number().int().min(1, 'A port is 1 to 65535.').max(65535, 'A port is 1 to 65535.'),
  smtpStarttls: z.enum(STARTTLS_MODES),
  smtpUser: singleLineText(254).nullable(),
  smtpPassword: secretRule('password'),
  mailFrom: emailAddress.nullable(),
  mailTo: z.array(emailAddress).max(20, 'At most 20 recipients.'),
};

const requiredByKind: Record<(typeof notificationChannelKinds)[number], { key: keyof typeof fields; message: string }[]> = {
  webhook: [{ key: 'url', message: 'Enter the URL the alerts are POSTed to.' }],
  email: [
    { key: 'smtpHost', message: 'Enter the SMTP server host.' },
    { key: 'mailFrom', message: 'Enter the sender address.' },
    { key: 'mailTo', message: 'Enter at least one recipient.' },
  ],
};

const isMissing = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/** POST /api/notification-channels */
export const channelInputSchema = z
  .object({
    ...fields,
    enabled: fields.enabled.default(true),
    url: fields.url.optional(),
    secret: fields.secret.optional(),
    smtpHost: fields.smtpHost.optional(),
    smtpPort: fields.smtpPort.default(587),
    smtpStarttls: fields.smtpStarttls.default('required'),
    smtpUser: fields.smtpUser.optional(),
    smtpPassword: fields.smtpPassword.optional(),
    mailFrom: fields.mailFrom.optional(),
    mailTo: fields.mailTo.default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const { key, message } of requiredByKind[v.kind]) if (isMissing(v[key])) ctx.addIssue({ code: 'custom', path: [key], message });
  });

/** PATCH /api/notification-channels/:id: any field but `kind`; `revision` as elsewhere (409 `stale`). */
export const channelPatchSchema = z
  .object({
    name: fields.name,
    enabled: fields.enabled,
    url: fields.url,
    secret: fields.secret,
    smtpHost: fields.smtpHost,
    smtpPort: fields.smtpPort,
    smtpStarttls: fields.smtpStarttls,
    smtpUser: fields.smtpUser,
    smtpPassword: fields.smtpPassword,
    mailFrom: fields.mailFrom,
    mailTo: fields.mailTo,
  })
  .partial()
  .extend({ revision: revisionRule.optional() })
  .strict();

export type ChannelInput = z.input<typeof channelInputSchema>;
export type ChannelValues = z.output<typeof channelInputSchema>;
export type ChannelPatch = z.output<typeof channelPatchSchema>;

/** The non-secret settings kept in `notification_channels.config`. */
export type WebhookConfig = { url: string };
export type EmailConfig = { host: string; port: number; starttls: StarttlsMode; user: string | null; from: string; to: string[] };

/** GET /api/alerts */
export const alertListQuerySchema = z
  .object({
    state: z.enum(['open', 'resolved', 'all']).default('all'),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type AlertListQuery = z.output<typeof alertListQuerySchema>;

/** GET /api/notification-channels/:id/deliveries */
export const deliveryListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
