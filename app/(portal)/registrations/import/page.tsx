import type { Metadata } from 'next';
import { ImportForm } from '@/components/ImportForm';
import { requirePage } from '@/lib/auth/require-page';
import { IMPORT_COLUMNS, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from '@/lib/registrations/import-columns';

export const metadata: Metadata = { title: 'Import registrations' };

export default async function ImportRegistrationsPage() {
  await requirePage('editor');
  return (
    <>
      <h1>Import registrations</h1>
      <p className="lead">
        A CSV file (UTF-8, first row naming the columns) or a JSON array. The whole file is imported, or nothing is.
      </p>
      <details className="import-help">
        <summary>What the file must look like</summary>
        <p>
          Columns: {IMPORT_COLUMNS.map((c, i) => (
            <span key={c}>
              {i > 0 ? ', ' : ''}
              <code>{c}</code>
            </span>
          ))}
          . <code>username</code>, <code>domain</code>, <code>ddi</code> and the DDI provider (by <code>ddiProviderName</code> or{' '}
          <code>ddiProviderId</code>) are required; empty cells take the defaults. At most {IMPORT_MAX_BYTES / (1024 * 1024)} MiB and{' '}
          {IMPORT_MAX_ROWS.toLocaleString('en')} rows.
        </p>
        <p>
          Row numbers count the registrations (the header row is not counted); lines are the lines of the file. An{' '}
          <a href="/api/registrations/export" download>
            export
          </a>{' '}
          has the same columns, without passwords.
        </p>
      </details>
      <ImportForm />
    </>
  );
}
