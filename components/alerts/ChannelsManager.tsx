'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { NotificationChannelJson } from '@/lib/api/contracts-alerts';
import { api, keys } from '@/lib/client/api';
import { ConfirmActionButton } from '../ConfirmActionButton';
import { ChannelForm } from './ChannelForm';
import { DeliveryStatus } from './DeliveryStatus';

function target(c: NotificationChannelJson): string {
  return c.kind === 'webhook' ? (c.url ?? '') : `${c.smtpHost}:${c.smtpPort} → ${c.mailTo.join(', ')}`;
}

function Deliveries({ id }: { id: number }) {
  const { data } = useQuery({ queryKey: keys.channelDeliveries(id), queryFn: () => api.channels.deliveries(id), refetchInterval: 3_000 });
  if (!data) return null;
  if (data.length === 0) return <p className="muted">Nothing sent yet.</p>;
  return (
    <ul className="plain-list" aria-label="Delivery log">
      {data.map((d) => (
        <li key={d.id}>
          #{d.id} {d.event}: <DeliveryStatus delivery={d} />
        </li>
      ))}
    </ul>
  );
}

function ChannelCard({ channel: c, onMessage }: { channel: NotificationChannelJson; onMessage: (m: string) => void }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: keys.channels }), queryClient.invalidateQueries({ queryKey: keys.channelDeliveries(c.id) })]);
  const test = useMutation({
    mutationFn: () => api.channels.test(c.id),
    onSuccess: async ({ delivery }) => {
      onMessage(`Test to "${c.name}": ${delivery.status === 'sent' ? 'sent' : delivery.status === 'failed' ? `failed (${delivery.lastError ?? 'no answer'})` : `not delivered yet (${delivery.lastError ?? 'queued'}); retrying`}.`);
      await refresh();
    },
    onError: (err) => onMessage(err instanceof Error ? err.message : 'Test failed.'),
  });
  const remove = useMutation({ mutationFn: async () => void (await api.channels.remove(c.id)), onSuccess: () => refresh() });
  if (editing) return <ChannelForm channel={c} onDone={(m) => { setEditing(false); if (m) onMessage(m); }} />;
  return (
    <section className="card channel-card" aria-label={`Channel ${c.name}`} data-channel-id={c.id}>
      <h3 className="card-title">
        {c.name} <span className="role-tag">{c.kind}</span> {c.enabled ? null : <span className="role-tag">disabled</span>}
      </h3>
      <p className="mono">{target(c)}</p>
      {c.kind === 'webhook' ? <p className="muted">{c.hasSecret ? 'Signed (X-Signature)' : 'Not signed'}</p> : <p className="muted">STARTTLS {c.smtpStarttls}{c.smtpUser ? `, user ${c.smtpUser}` : ''}</p>}
      <p data-testid="last-delivery">
        Last delivery: {c.lastDelivery ? <DeliveryStatus delivery={c.lastDelivery} /> : <span className="muted">none</span>}
      </p>
      <div className="actions">
        <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate()}>
          {test.isPending ? 'Sending…' : 'Send test'}
        </button>
        <button type="button" className="button" onClick={() => setEditing(true)}>
          Edit
        </button>
        <button type="button" className="button" aria-expanded={showLog} onClick={() => setShowLog(!showLog)}>
          {showLog ? 'Hide delivery log' : 'Delivery log'}
        </button>
        <ConfirmActionButton
          label="Delete"
          ariaLabel={`Delete channel ${c.name}`}
          title={`Delete channel ${c.name}?`}
          confirmLabel="Delete channel"
          action={remove}
          onDone={() => onMessage(`Channel "${c.name}" deleted.`)}
        >
          Its delivery log goes with it; alerts stay.
        </ConfirmActionButton>
      </div>
      {showLog ? <Deliveries id={c.id} /> : null}
    </section>
  );
}

/** Notification channels (admins): list with last delivery and Send test, create form. */
export function ChannelsManager() {
  const [message, setMessage] = useState<string | null>(null);
  const { data, error } = useQuery({ queryKey: keys.channels, queryFn: () => api.channels.list(), refetchInterval: 5_000 });
  return (
    <>
      <p role="status" data-testid="channel-message" className={message ? 'alert alert-success' : 'sr-only'}>
        {message}
      </p>
      {error ? (
        <p role="alert" className="alert alert-error">
          {error.message}
        </p>
      ) : null}
      {data?.length === 0 ? <p className="muted">No channel yet: alerts are shown in the portal only.</p> : null}
      {data?.map((c) => <ChannelCard key={c.id} channel={c} onMessage={setMessage} />)}
      <ChannelForm onDone={setMessage} />
    </>
  );
}
