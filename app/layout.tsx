import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Nav } from '@/components/Nav';
import { LiveProvider } from '@/lib/client/live';
import { QueryProvider } from '@/lib/client/query-provider';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'DDI Provider Registrations', template: '%s · DDI Provider Registrations' },
  description: 'Keep SIP trunk registrations alive and visible',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <QueryProvider>
          <LiveProvider>
            <header className="site-header">
              <Nav />
            </header>
            <main id="main" className="container" tabIndex={-1}>
              {children}
            </main>
          </LiveProvider>
        </QueryProvider>
      </body>
    </html>
  );
}
