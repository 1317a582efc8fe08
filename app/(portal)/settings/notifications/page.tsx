import type { Metadata } from 'next';
import { ChannelsManager } from '@/components/alerts/ChannelsManager';
import { requirePage } from '@/lib/auth/require-page';

export const metadata: Metadata = { title: 'Notification channels' };

/** Settings → Notification channels, for admins (the gate refuses others; requirePage answers 404 below admin). */
export default async function NotificationSettingsPage() {
  await requirePage('admin');
  return (
    <>
      <div className="page-head">
        <h1>Settings: notification channels</h1>
      </div>
      <p className="lead">
        Where alerts are sent: webhooks (a signed JSON POST) and e-mail over SMTP. Every channel gets each alert when it opens and when it resolves.
      </p>
      <ChannelsManager />
    </>
  );
}
