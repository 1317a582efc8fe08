'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useConnection } from '@/lib/client/live';
import { useCan, useOperator } from '@/lib/client/session';
import { SignOutButton } from './auth/SignOutButton';

type NavLink = { href: string; label: string; adminOnly?: boolean };

const links: NavLink[] = [
  { href: '/', label: 'Dashboard' },
  { href: '/providers', label: 'Providers' },
  { href: '/registrations', label: 'Registrations' },
  { href: '/audit', label: 'Audit' },
  { href: '/operators', label: 'Operators', adminOnly: true },
  { href: '/help', label: 'Help' },
];

const isCurrent = (href: string, pathname: string) => (href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`));

/** The main navigation of a signed-in operator: sections, live status, who is signed in, sign-out. */
export function Nav() {
  const pathname = usePathname() ?? '/';
  const connection = useConnection();
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
      <span className={`live-indicator live-${connection}`} role="status" title="Status updates pushed by the server">
        {connection === 'live' ? 'Live' : connection === 'unsupported' ? 'No live updates' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
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
