'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useConnection } from '@/lib/client/live';

const links = [
  { href: '/', label: 'Dashboard' },
  { href: '/providers', label: 'Providers' },
  { href: '/registrations', label: 'Registrations' },
  { href: '/help', label: 'Help' },
];

export function Nav() {
  const pathname = usePathname() ?? '/';
  const connection = useConnection();
  return (
    <nav aria-label="Main" className="nav">
      <Link href="/" className="brand">
        DDI Registrations
      </Link>
      <ul>
        {links.map((l) => {
          const current = l.href === '/' ? pathname === '/' : pathname === l.href || pathname.startsWith(`${l.href}/`);
          return (
            <li key={l.href}>
              <Link href={l.href} aria-current={current ? 'page' : undefined}>
                {l.label}
              </Link>
            </li>
          );
        })}
      </ul>
      <span className={`live-indicator live-${connection}`} role="status" title="Status updates pushed by the server">
        {connection === 'live' ? 'Live' : connection === 'unsupported' ? 'No live updates' : connection === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
      </span>
    </nav>
  );
}
