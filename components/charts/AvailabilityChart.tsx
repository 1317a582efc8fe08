'use client';

import { useQuery } from '@tanstack/react-query';
import { useCallback, useId, useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import { api, keys } from '@/lib/client/api';
import { formatDuration, formatOutcome, formatTime } from '@/lib/client/format';
import type { AvailabilityBands, BandSegment } from '@/lib/client/types';
import { ErrorNote } from '../ErrorNote';
import { cssVar, timeTicks, useUPlot } from './useUPlot';

type Range = '24h' | '7d';
type BandName = BandSegment['band'];

const BANDS: { band: BandName; label: string; color: () => string }[] = [
  { band: 'registered', label: 'Registered', color: () => cssVar('--ok', '#1a7f37') },
  { band: 'retrying', label: 'Retrying', color: () => cssVar('--warn', '#9a6700') },
  { band: 'rejected', label: 'Rejected', color: () => cssVar('--danger', '#b42318') },
  { band: 'disabled', label: 'Disabled', color: () => cssVar('--muted', '#57606a') },
  { band: 'other', label: 'Registering / unregistered', color: () => '#8c959f' },
];
const RANGE_LABEL: Record<Range, string> = { '24h': 'last 24 h', '7d': 'last 7 d' };

/** Share of the window per band (time before the first known transition is left out). */
function shares(data: AvailabilityBands): { band: BandName; ms: number }[] {
  const totals = new Map<BandName, number>();
  for (const s of data.segments) totals.set(s.band, (totals.get(s.band) ?? 0) + (s.to - s.from));
  return BANDS.map((b) => ({ band: b.band, ms: totals.get(b.band) ?? 0 })).filter((s) => s.ms > 0);
}

/**
 * uPlot data: x = segment starts (s) plus the window's end, one series per band, 1 while in that
 * band and 0 otherwise, drawn as stepped filled areas without a line: bands over time (0, not
 * null: uPlot clips a null's gap from the last point, which would cut a one-point step away).
 */
function toData(data: AvailabilityBands): uPlot.AlignedData {
  const xs: number[] = [data.from / 1000];
  const columns = BANDS.map(() => [0] as number[]);
  for (const s of data.segments) {
    xs.push(s.from / 1000);
    BANDS.forEach((b, k) => columns[k]!.push(b.band === s.band ? 1 : 0));
  }
  xs.push(data.to / 1000);
  const last = data.segments[data.segments.length - 1];
  BANDS.forEach((b, k) => columns[k]!.push(last && b.band === last.band ? 1 : 0));
  return [xs, ...columns];
}

/** The segment under time `t` (s), if any. */
function segmentAt(data: AvailabilityBands, t: number): BandSegment | undefined {
  const ms = t * 1000;
  return data.segments.find((s) => ms >= s.from && ms < s.to) ?? (ms >= data.to ? data.segments[data.segments.length - 1] : undefined);
}

function describe(s: BandSegment): string {
  const cause = s.code || s.reason ? ` · ${formatOutcome(s.code, s.reason)}` : '';
  return `${s.state}${cause} · ${formatTime(s.from)} → ${formatTime(s.to)} (${formatDuration(s.to - s.from)})`;
}

/**
 * The availability of one registration over 24 h or 7 days as coloured state bands (uPlot), the
 * cause under the pointer, the share per state, and the same segments as a table.
 */
export function AvailabilityChart({ id }: { id: number }) {
  const [range, setRange] = useState<Range>('24h');
  const uid = useId();
  const q = useQuery({ queryKey: keys.registrationBands(id, range), queryFn: () => api.registrations.bands(id, range), staleTime: 30_000, refetchInterval: 60_000 });
  const container = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<BandSegment | null>(null);
  const data = q.data;
  const plotData = useMemo(() => (data && data.segments.length > 0 ? toData(data) : null), [data]);
  const onCursor = useRef<(u: uPlot) => void>(() => {});
  onCursor.current = (u) => {
    const idx = u.cursor.idx;
    const left = u.cursor.left;
    if (!data || idx === null || idx === undefined || left === undefined || left < 0) return setHover(null);
    setHover(segmentAt(data, u.posToVal(left, 'x')) ?? null);
  };
  const build = useCallback(
    (width: number, lib: typeof uPlot): uPlot.Options => ({
      width,
      height: 110,
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: [0, 1] } },
      axes: [{ stroke: cssVar('--muted', '#57606a'), grid: { show: false }, values: timeTicks }, { show: false }],
      series: [
        {},
        ...BANDS.map((b) => {
          const color = b.color();
          return { label: b.label, stroke: color, fill: color, width: 0, points: { show: false }, paths: lib.paths.stepped!({ align: 1 }) };
        }),
      ],
      hooks: { setCursor: [(u) => onCursor.current(u)] },
    }),
    [],
  );
  useUPlot(container, plotData ? build : null, plotData);

  const parts = data ? shares(data) : [];
  const known = parts.reduce((sum, p) => sum + p.ms, 0);
  const summary = parts.map((p) => `${BANDS.find((b) => b.band === p.band)!.label.toLowerCase()} ${((p.ms / known) * 100).toFixed(1)} %`).join(', ');

  return (
    <div className="availability-chart">
      <div className="chart-head">
        <fieldset className="segmented">
          <legend className="sr-only">Window</legend>
          {(['24h', '7d'] as const).map((r) => (
            <label key={r} className={r === range ? 'on' : ''}>
              <input type="radio" name={`${uid}-range`} value={r} checked={r === range} onChange={() => setRange(r)} />
              {r === '24h' ? '24 h' : '7 d'}
            </label>
          ))}
        </fieldset>
        <ul className="chart-legend" aria-hidden="true">
          {BANDS.map((b) => (
            <li key={b.band}>
              <span className={`swatch swatch-${b.band}`} />
              {b.label}
            </li>
          ))}
        </ul>
      </div>
      <ErrorNote error={q.error} />
      {q.isLoading ? <p className="muted">Loading…</p> : null}
      {data && data.segments.length === 0 ? <p className="muted">No state reported by the engine over the {RANGE_LABEL[range]}.</p> : null}
      {plotData ? (
        <>
          <div
            ref={container}
            className="chart-canvas"
            role="img"
            aria-label={`States over the ${RANGE_LABEL[range]}: ${summary}. The table below lists every period.`}
            data-testid="availability-chart"
            onMouseLeave={() => setHover(null)}
          />
          <p className="chart-hover muted small" aria-hidden="true">
            {hover ? describe(hover) : 'Point at the chart for the state and its cause.'}
          </p>
        </>
      ) : null}
      {data && data.segments.length > 0 ? (
        <details className="chart-table">
          <summary>Show as a table ({data.segments.length.toLocaleString()} periods)</summary>
          <table className="table">
            <caption className="sr-only">States over the {RANGE_LABEL[range]}, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Duration</th>
                <th scope="col">State</th>
                <th scope="col">Cause</th>
              </tr>
            </thead>
            <tbody>
              {data.segments.map((s) => (
                <tr key={`${s.from}-${s.state}`}>
                  <td className="nowrap">{formatTime(s.from)}</td>
                  <td className="nowrap">{formatTime(s.to)}</td>
                  <td className="nowrap">{formatDuration(s.to - s.from)}</td>
                  <td>{s.state}</td>
                  <td>{s.code || s.reason ? formatOutcome(s.code, s.reason) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}
