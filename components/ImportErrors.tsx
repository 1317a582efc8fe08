import type { ImportRowErrorJson } from '@/lib/api/contracts';

/** At most this many bad rows are listed on the page (the count says how many there are). */
const SHOWN = 500;

/** The bad rows of a dry run or refused import: row, line, field and the form's message. */
export function ImportErrors({ rows }: { rows: readonly ImportRowErrorJson[] }) {
  if (rows.length === 0) return null;
  const badRows = new Set(rows.map((r) => r.row)).size;
  return (
    <section aria-labelledby="import-errors-title">
      <h2 id="import-errors-title">
        {badRows} bad row{badRows === 1 ? '' : 's'}
      </h2>
      {rows.length > SHOWN ? (
        <p className="muted">
          The first {SHOWN} of {rows.length} problems are shown. Fix them and check the file again.
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Line</th>
              <th scope="col">Field</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, SHOWN).map((r, i) => (
              <tr key={`${r.row}-${r.field ?? ''}-${i}`}>
                <td>{r.row}</td>
                <td>{r.line ?? '—'}</td>
                <td className="mono">{r.field ?? '(row)'}</td>
                <td>{r.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
