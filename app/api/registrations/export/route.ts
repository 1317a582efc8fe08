import { route } from '@/lib/api/http';
import { exportFilename, exportRegistrationsCsv } from '@/lib/registrations/export-queries';

export const dynamic = 'force-dynamic';

/** Every registration as a CSV download (the import's columns, no passwords). */
export const GET = route(async () => {
  const csv = await exportRegistrationsCsv();
  return new Response(csv, {
    headers: {
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': `attachment; filename="${exportFilename()}"`,
      'cache-control': 'no-store',
    },
  });
});
