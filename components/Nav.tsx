'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useLiveHealth, type LiveHealth } from '@/lib/client/live';
import { useCan, useOperator } from '@/lib/client/session';
import { SignOutButton } from './auth/SignOutButton';

type NavLink = { href: string; label: string; adminOnly?: boolean };

const links: NavLink[] = [
  { href: '/', label: 'Dashboard' },
  { href: '/providers', label: 'Providers' },
  { href: '/registrations', label: 'Registrations' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/audit', label: 'Audit' },
  { href: '/nodes', label: 'Nodes' },
  { href: '/operators', label: 'Operators', adminOnly: true },
  { href: '/settings/notifications', label: 'Settings', adminOnly: true },
  { href: '/help', label: 'Help' },
];

/** The indicator's look and words: green "Live" only when the stream is up and the engine runs. */
function indicator({ connection, engine, streamStale }: LiveHealth): { kind: string; label: string } {
  if (streamStale) return { kind: 'lost', label: 'Connection lost' };
  if (connection === 'live' && engine?.state === 'stopped') return { kind: 'engine-down', label: 'Engine not running' };
  if (connection === 'live' && engine?.state === 'unknown') return { kind: 'engine-down', label: 'No engine' };
  if (connection === 'live') return { kind: 'live', label: 'Live' };
  if (connection === 'unsupported') return { kind: 'unsupported', label: 'No live updates' };
  return { kind: connection, label: connection === 'connecting' ? 'Connecting…' : 'Reconnecting…' };
}

const isCurrent = (href: string, pathname: string) => (href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`));

/** The main navigation of a signed-in operator: sections, live status, who is signed in, sign-out. */
export function Nav() {
  const pathname = usePathname() ?? '/';
  const live = indicator(useLiveHealth());
  const operator = useOperator();
  const isAdmin = useCan('admin');
  return (
    <nav aria-label="Main" className="nav">
      <Link href="/" className="brand">
        DDI Registrations
      </Link>
      <ul>
        {links
          .filter((l) => !l.adminOnly || isAdmin)
          .map((l) => (
            <li key={l.href}>
              <Link href={l.href} aria-current={isCurrent(l.href, pathname) ? 'page' : undefined}>
                {l.label}
              </Link>
            </li>
          ))}
      </ul>
      <span className={`live-indicator live-${live.kind}`} role="status" title="Status updates pushed by the server">
        {live.label}
      </span>
      {operator ? (
        <div className="nav-account">
          <span className="nav-who">
            {operator.email} <span className="role-tag">{operator.role}</span>
          </span>
          <Link href="/account" aria-current={isCurrent('/account', pathname) ? 'page' : undefined}>
            Account
          </Link>
          <SignOutButton />
        </div>
      ) : null}
    </nav>
  );
}
