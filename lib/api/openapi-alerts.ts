/**
 * The OpenAPI description of alerts and notification channels. Access (401/403 and
 * `x-required-role`) is added from the access policy by openapi.ts, like for every other path.
 */
import type { z } from 'zod';
import { alertListQuerySchema, channelInputSchema, channelPatchSchema } from '../alerts/channel-schema';
import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_S } from '../alerts/signature';
import * as contracts from './contracts-alerts';
import { body, errors, idParameter, ref, response } from './openapi-parts';

export const alertsRequestSchemas = { NotificationChannelInput: channelInputSchema, NotificationChannelPatch: channelPatchSchema };

export const alertsResponseSchemas = {
  NotificationChannel: contracts.notificationChannelJsonSchema,
  NotificationChannelList: contracts.notificationChannelListJsonSchema,
  Delivery: contracts.deliveryJsonSchema,
  DeliveryList: contracts.deliveryListJsonSchema,
  Alert: contracts.alertJsonSchema,
  AlertList: contracts.alertListJsonSchema,
  ChannelTest: contracts.channelTestJsonSchema,
  ChannelDeleted: contracts.channelDeletedJsonSchema,
};

const WEBHOOK = `Webhook: POST of a JSON document (\`event\`: \`alert.opened\`, \`alert.resolved\` or \`test\`; \`alert\`; \`message\`; \`at\`) with \`X-Delivery-Id\` and, when the channel has a secret, \`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>\` (refuse a \`t\` older than ${SIGNATURE_TOLERANCE_S} s: replay). Redirects are not followed; a 5xx, 408, 429, timeout (10 s) or connection error is retried with exponential backoff and jitter (6 attempts in all), other answers are final. E-mail: SMTP with STARTTLS \`required\` (default), \`opportunistic\` or \`none\`.`;

export function alertsPaths(queryParameters: (schema: z.ZodType, descriptions?: Record<string, string>) => unknown[]) {
  return {
    '/api/alerts': {
      get: {
        tags: ['Alerts'],
        summary: 'Alerts, open first, with their notifications',
        description:
          'A registration out of `registered` for longer than its hold time (the provider\'s `alertHoldS`, else ALERTS_HOLD_S) raises one alert; its recovery resolves it. More than ALERTS_GROUP_PERCENT of a provider\'s enabled registrations failing raise one provider alert instead; across providers, one platform alert.',
        parameters: queryParameters(alertListQuerySchema, { state: 'Only open or resolved alerts (default all).', page: 'Page number, from 1.', pageSize: 'Alerts per page (at most 200).' }),
        responses: { '200': response('One page of alerts.', ref('AlertList')), '422': errors.validation },
      },
    },
    '/api/notification-channels': {
      get: {
        tags: ['Alerts'],
        summary: 'List notification channels',
        responses: { '200': response('Every channel, by name, with its last delivery. Secrets are never returned.', ref('NotificationChannelList')) },
      },
      post: {
        tags: ['Alerts'],
        summary: 'Create a notification channel',
        description: WEBHOOK,
        requestBody: body('NotificationChannelInput'),
        responses: { '201': response('Created.', ref('NotificationChannel')), '400': errors.invalidJson, '409': errors.conflict, '413': errors.tooLarge, '422': errors.validation },
      },
    },
    '/api/notification-channels/{id}': {
      parameters: [idParameter('notification channel')],
      get: { tags: ['Alerts'], summary: 'Get a notification channel', responses: { '200': response('The channel.', ref('NotificationChannel')), '404': errors.notFound } },
      patch: {
        tags: ['Alerts'],
        summary: 'Update a notification channel',
        description: "Only the fields given change (`kind` cannot). A secret (`secret`, `smtpPassword`) absent or '' keeps the stored one, null clears it. Send `revision` to be told (409 `stale`) when someone else changed it meanwhile.",
        requestBody: body('NotificationChannelPatch'),
        responses: { '200': response('Updated.', ref('NotificationChannel')), '400': errors.invalidJson, '404': errors.notFound, '409': errors.conflictOrStale, '413': errors.tooLarge, '422': errors.validation },
      },
      delete: { tags: ['Alerts'], summary: 'Delete a notification channel and its delivery log', responses: { '200': response('Deleted.', ref('ChannelDeleted')), '404': errors.notFound } },
    },
    '/api/notification-channels/{id}/test': {
      parameters: [idParameter('notification channel')],
      post: {
        tags: ['Alerts'],
        summary: 'Send a test notification',
        description: 'Queues a `test` delivery (also for a disabled channel), audited, and answers after its first attempt (at most 15 s): `sent`, `pending` (a retry follows) or `failed`.',
        responses: { '200': response('The delivery after its first attempt.', ref('ChannelTest')), '404': errors.notFound },
      },
    },
    '/api/notification-channels/{id}/deliveries': {
      parameters: [idParameter('notification channel')],
      get: {
        tags: ['Alerts'],
        summary: "The channel's delivery log",
        parameters: [{ name: 'limit', in: 'query', required: false, description: 'How many, newest first.', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } }],
        responses: { '200': response('Newest first.', ref('DeliveryList')), '404': errors.notFound, '422': errors.validation },
      },
    },
  };
}
