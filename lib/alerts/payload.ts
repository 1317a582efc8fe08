/**
 * What a notification says: the JSON document a webhook receives (fixed when the delivery is
 * created, so every retry sends the same body) and the e-mail written from it.
 */
import type { AlertRow, DeliveryEvent } from '../db/schema';
import type { EmailMessage } from './email';

export type AlertPayload = {
  event: 'alert.opened' | 'alert.resolved' | 'test';
  alert: {
    id: number;
    key: string;
    scope: AlertRow['scope'];
    state: AlertRow['state'];
    summary: string;
    count: number;
    currentCount: number;
    total: number;
    failingSince: string;
    openedAt: string;
    resolvedAt: string | null;
    detail: Record<string, unknown>;
  } | null;
  message: string;
  at: string;
};

const iso = (ms: number) => new Date(ms).toISOString();

export function alertPayload(alert: AlertRow, event: Exclude<DeliveryEvent, 'test'>, now: number): AlertPayload {
  const verb = event === 'opened' ? 'ALERT' : 'RESOLVED';
  return {
    event: event === 'opened' ? 'alert.opened' : 'alert.resolved',
    alert: {
      id: alert.id,
      key: alert.key,
      scope: alert.scope,
      state: alert.state,
      summary: alert.summary,
      count: alert.count,
      currentCount: alert.currentCount,
      total: alert.total,
      failingSince: iso(alert.failingSince),
      openedAt: iso(alert.openedAt),
      resolvedAt: alert.resolvedAt === null ? null : iso(alert.resolvedAt),
      detail: alert.detail,
    },
    message: `${verb}: ${alert.summary}`,
    at: iso(now),
  };
}

export function testPayload(channelName: string, actor: string, now: number): AlertPayload {
  return { event: 'test', alert: null, message: `Test notification for channel "${channelName}", sent by ${actor}.`, at: iso(now) };
}

/** The e-mail of a payload: the message as subject, the facts as plain text. */
export function emailOf(payload: AlertPayload): EmailMessage {
  const subject = `[DDI registrations] ${payload.message}`.slice(0, 250);
  const a = payload.alert;
  const lines = [payload.message, ''];
  if (a) {
    lines.push(`Alert #${a.id} (${a.scope}, ${a.key}) is ${a.state}.`, `Failing since: ${a.failingSince}`, `Opened: ${a.openedAt}`);
    if (a.resolvedAt) lines.push(`Resolved: ${a.resolvedAt}`);
    if (a.scope !== 'registration') lines.push(`Registrations failing: ${a.currentCount} (${a.count} when it opened) of ${a.total}`);
  }
  lines.push('', `Sent at ${payload.at} by the DDI registrations portal.`);
  return { subject, text: lines.join('\n') };
}
