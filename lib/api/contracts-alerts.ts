/** Response shapes of the alerts and notification channel endpoints (see contracts.ts). */
import { z } from 'zod';
import { alertScopes, alertStates, deliveryEvents, deliveryStatuses, notificationChannelKinds } from '../alerts/vocabulary';
import { STARTTLS_MODES } from '../alerts/channel-schema';

const epochMs = z.number().int().meta({ description: 'Milliseconds since the Unix epoch.' });

export const deliveryJsonSchema = z
  .object({
    id: z.number().int(),
    channelId: z.number().int(),
    alertId: z.number().int().nullable().meta({ description: 'The alert notified; null for a test.' }),
    event: z.enum(deliveryEvents).meta({ description: '`opened` or `resolved` (an alert), or `test` (the Send test button).' }),
    status: z.enum(deliveryStatuses).meta({ description: '`pending` (waiting for its first or next attempt), `sending`, `sent`, or `failed` (a permanent refusal, or every attempt used).' }),
    attempts: z.number().int(),
    nextAttemptAt: epochMs.nullable().meta({ description: 'When a pending delivery is tried (again).' }),
    lastCode: z.number().int().nullable().meta({ description: 'HTTP status (webhook) or SMTP reply code (e-mail) of the last attempt; null when nothing answered.' }),
    lastError: z.string().nullable().meta({ description: 'Why the last attempt failed (never the response body).' }),
    createdAt: epochMs,
    finishedAt: epochMs.nullable(),
  })
  .strict();

export const deliveryListJsonSchema = z.object({ items: z.array(deliveryJsonSchema) }).strict();

export const notificationChannelJsonSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    kind: z.enum(notificationChannelKinds),
    enabled: z.boolean(),
    url: z.string().nullable().meta({ description: 'Webhook: where alerts are POSTed.' }),
    hasSecret: z.boolean().meta({ description: 'Webhook: whether bodies are signed (X-Signature). The secret itself is never returned.' }),
    smtpHost: z.string().nullable(),
    smtpPort: z.number().int().nullable(),
    smtpStarttls: z.enum(STARTTLS_MODES).nullable(),
    smtpUser: z.string().nullable(),
    hasSmtpPassword: z.boolean().meta({ description: 'E-mail: whether an SMTP password is stored. It is never returned.' }),
    mailFrom: z.string().nullable(),
    mailTo: z.array(z.string()),
    revision: z.number().int(),
    createdAt: epochMs,
    updatedAt: epochMs,
    lastDelivery: deliveryJsonSchema.nullable().meta({ description: 'The latest delivery of this channel, if any.' }),
  })
  .strict();

export const notificationChannelListJsonSchema = z.object({ items: z.array(notificationChannelJsonSchema) }).strict();

export const alertJsonSchema = z
  .object({
    id: z.number().int(),
    key: z.string().meta({ description: '`registration:<id>`, `provider:<id>` or `platform`: at most one open alert per key.' }),
    scope: z.enum(alertScopes),
    subjectId: z.number().int().nullable().meta({ description: 'The registration or provider id; null for platform alerts.' }),
    providerId: z.number().int().nullable(),
    state: z.enum(alertStates),
    summary: z.string(),
    count: z.number().int().meta({ description: 'Registrations failing when it opened.' }),
    currentCount: z.number().int().meta({ description: 'Registrations failing now (grouped alerts), or when it resolved.' }),
    total: z.number().int().meta({ description: 'Enabled registrations in its group when it opened (1 for a registration alert).' }),
    failingSince: epochMs,
    openedAt: epochMs,
    resolvedAt: epochMs.nullable(),
    deliveries: z.array(deliveryJsonSchema.extend({ channelName: z.string() })).meta({ description: 'Its notifications, per channel, oldest first.' }),
  })
  .strict();

export const alertListJsonSchema = z
  .object({ items: z.array(alertJsonSchema), total: z.number().int(), open: z.number().int().meta({ description: 'Open alerts (whatever the filter).' }), page: z.number().int(), pageSize: z.number().int() })
  .strict();

export const channelTestJsonSchema = z
  .object({ delivery: deliveryJsonSchema.meta({ description: 'The test delivery after its first attempt (or still pending when that took longer than 15 s).' }) })
  .strict();

export type DeliveryJson = z.infer<typeof deliveryJsonSchema>;
export type NotificationChannelJson = z.infer<typeof notificationChannelJsonSchema>;
export type AlertJson = z.infer<typeof alertJsonSchema>;
export type AlertList = z.infer<typeof alertListJsonSchema>;

export const channelDeletedJsonSchema = z.object({ id: z.number().int() }).strict();
