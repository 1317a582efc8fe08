import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { EngineBanner } from '@/components/EngineBanner';
import { Nav } from '@/components/Nav';
import { currentOperator } from '@/lib/auth/current';
import { getEngineHealth } from '@/lib/engine/health-query';
import { LiveProvider } from '@/lib/client/live';
import { QueryProvider } from '@/lib/client/query-provider';
import { SessionProvider } from '@/lib/client/session';
// uPlot's own rules (1.8 kB) with the page's: a stylesheet imported by a lazily shown client component
// made client-side navigation to the dashboard wait for it (components/charts/).
import 'uplot/dist/uPlot.min.css';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'DDI Provider Registrations', template: '%s · DDI Provider Registrations' },
  description: 'Keep SIP trunk registrations alive and visible',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const operator = await currentOperator();
  const main = (
    <main id="main" className="container" tabIndex={-1}>
      {children}
    </main>
  );
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <SessionProvider operator={operator}>
          <QueryProvider>
            {operator ? (
              <LiveProvider initialEngine={await getEngineHealth()}>
                <header className="site-header">
                  <Nav />
                </header>
                <EngineBanner />
                {main}
              </LiveProvider>
            ) : (
              main
            )}
          </QueryProvider>
        </SessionProvider>
      </body>
    </html>
  );
}
