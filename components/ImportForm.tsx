'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import type { ImportReportJson, ImportRowErrorJson } from '@/lib/api/contracts';
import { keys } from '@/lib/client/api';
import { setFlash } from '@/lib/client/flash';
import { refusedRows, uploadImport, type UploadProgress } from '@/lib/client/import-upload';
import { ImportErrors } from './ImportErrors';

type Phase = 'idle' | 'checking' | 'checked' | 'importing';
type Outcome = { report: ImportReportJson | null; rows: ImportRowErrorJson[]; message: string | null; fields: Record<string, string> };

const EMPTY: Outcome = { report: null, rows: [], message: null, fields: {} };

function Progress({ progress, label }: { progress: UploadProgress | null; label: string }) {
  const uploading = progress !== null && progress.loaded < progress.total;
  return (
    <p role="status" className="import-progress">
      <progress aria-label={label} max={uploading ? progress.total : undefined} value={uploading ? progress.loaded : undefined} />{' '}
      {uploading ? `${label}: sending ${Math.floor((100 * progress.loaded) / Math.max(progress.total, 1))} %` : `${label}: checking the rows…`}
    </p>
  );
}

/** Pick a file, check it (dry run: every bad row listed), then import it when the check is clean. */
export function ImportForm() {
  const id = useId();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>('idle');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(EMPTY);

  const send = async (dryRun: boolean) => {
    if (!file) return;
    setPhase(dryRun ? 'checking' : 'importing');
    setProgress(null);
    setOutcome(EMPTY);
    try {
      const report = await uploadImport(file, { dryRun, onProgress: setProgress });
      if (!dryRun) {
        await queryClient.invalidateQueries({ queryKey: keys.registrations });
        await queryClient.invalidateQueries({ queryKey: keys.providers });
        setFlash(`${report.imported} registration${report.imported === 1 ? '' : 's'} imported.`);
        router.push('/registrations');
        return;
      }
      setOutcome({ ...EMPTY, report });
      setPhase('checked');
    } catch (err) {
      const e = err as { message?: string; fields?: Record<string, string> };
      setOutcome({ report: null, rows: refusedRows(err), message: e.message ?? 'Something went wrong.', fields: e.fields ?? {} });
      setPhase('idle');
    }
  };

  const busy = phase === 'checking' || phase === 'importing';
  const clean = phase === 'checked' && outcome.report !== null;
  return (
    <div className="import-form">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send(true);
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-file`} className="field-label">
            CSV or JSON file
          </label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".csv,text/csv,.json,application/json"
            aria-describedby={`${id}-help`}
            disabled={busy}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setPhase('idle');
              setOutcome(EMPTY);
            }}
          />
          <p id={`${id}-help`} className="muted small">
            Checking writes nothing: every bad row is listed. Import is possible once the check finds none.
          </p>
        </div>
        <div className="actions">
          <button type="submit" className="button" disabled={!file || busy}>
            Check file
          </button>
          <button type="button" className="button button-primary" disabled={!clean || busy} onClick={() => void send(false)}>
            Import
          </button>
        </div>
      </form>
      {busy ? <Progress progress={progress} label={phase === 'checking' ? 'Checking the file' : 'Importing'} /> : null}
      {clean ? (
        <p role="status" className="alert alert-success">
          All {outcome.report!.rows} row{outcome.report!.rows === 1 ? '' : 's'} are valid. Nothing has been imported yet: press Import.
        </p>
      ) : null}
      {outcome.message ? (
        <div role="alert" className="alert alert-error">
          <p>{outcome.message}</p>
          {Object.keys(outcome.fields).length > 0 ? (
            <ul>
              {Object.entries(outcome.fields).map(([field, message]) => (
                <li key={field}>{message}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <ImportErrors rows={outcome.rows} />
    </div>
  );
}
