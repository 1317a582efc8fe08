'use client';

import { useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import { api, keys } from '@/lib/client/api';
import { formatClock } from '@/lib/client/format';
import type { StateHistory } from '@/lib/client/types';
import { ErrorNote } from '../ErrorNote';
import { cssVar, timeTicks, useUPlot } from './useUPlot';

const MINUTE_S = 60;

/** uPlot data: one point per sampled minute; a missing minute is a gap (no engine then). */
function toData(h: StateHistory): uPlot.AlignedData {
  const xs: number[] = [];
  const registered: (number | null)[] = [];
  const failing: (number | null)[] = [];
  let last: number | null = null;
  for (const s of h.samples) {
    const t = s.at / 1000;
    if (last !== null && t - last > 2 * MINUTE_S) {
      xs.push(last + MINUTE_S);
      registered.push(null);
      failing.push(null);
    }
    xs.push(t);
    registered.push(s.registered);
    failing.push(s.failing);
    last = t;
  }
  return [xs, registered, failing];
}

/** The last sample of each hour, newest first: the chart as a table. */
function hourly(h: StateHistory) {
  const byHour = new Map<number, StateHistory['samples'][number]>();
  for (const s of h.samples) byHour.set(Math.floor(s.at / 3_600_000), s);
  return [...byHour.values()].reverse();
}

/**
 * The dashboard's small chart: registered vs failing (retrying + rejected) registrations over the
 * last 24 hours, from the engine's per-minute samples, with an hourly table as the alternative.
 * Its own query, refreshed once a minute: the live table and its stream are not touched.
 */
export function StateHistoryChart() {
  const q = useQuery({ queryKey: keys.stateHistory, queryFn: api.registrations.history, staleTime: 55_000, refetchInterval: 60_000 });
  const container = useRef<HTMLDivElement>(null);
  const data = q.data;
  const plotData = useMemo(() => (data && data.samples.length > 0 ? toData(data) : null), [data]);
  const build = useCallback((width: number): uPlot.Options => {
    const ok = cssVar('--ok', '#1a7f37');
    const bad = cssVar('--danger', '#b42318');
    return {
      width,
      height: 120,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: cssVar('--muted', '#57606a'), grid: { stroke: '#eaeef2' }, values: timeTicks },
        { stroke: cssVar('--muted', '#57606a'), grid: { stroke: '#eaeef2' }, size: 50 },
      ],
      series: [
        { label: 'Time', value: (_u, v) => (v === null ? '—' : formatClock(v * 1000)) },
        { label: 'Registered', stroke: ok, width: 2, fill: `${ok}22`, points: { show: false }, value: (_u, v) => (v === null ? '—' : v.toLocaleString()) },
        { label: 'Failing', stroke: bad, width: 2, fill: `${bad}22`, points: { show: false }, value: (_u, v) => (v === null ? '—' : v.toLocaleString()) },
      ],
    };
  }, []);
  useUPlot(container, plotData ? build : null, plotData);

  const latest = data?.samples[data.samples.length - 1];
  return (
    <section className="card history-card" aria-labelledby="history-title">
      <h2 id="history-title">Last 24 hours</h2>
      <ErrorNote error={q.error} />
      {data && data.samples.length === 0 ? <p className="muted small">No history yet: the registrar engine records the counts once a minute while it runs.</p> : null}
      {plotData && latest ? (
        <>
          <div
            ref={container}
            className="chart-canvas"
            role="img"
            data-testid="history-chart"
            aria-label={`Registered and failing registrations per minute over the last 24 hours; now ${latest.registered.toLocaleString()} registered, ${latest.failing.toLocaleString()} failing. The table below has the hourly figures.`}
          />
          <details className="chart-table">
            <summary>Show as a table (hourly)</summary>
            <table className="table">
              <caption className="sr-only">Registered and failing registrations, last sample of each hour, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col" className="num">Registered</th>
                  <th scope="col" className="num">Failing</th>
                  <th scope="col" className="num">Retrying</th>
                  <th scope="col" className="num">Rejected</th>
                </tr>
              </thead>
              <tbody>
                {hourly(data!).map((s) => (
                  <tr key={s.at}>
                    <td className="nowrap">{formatClock(s.at)}</td>
                    <td className="num">{s.registered.toLocaleString()}</td>
                    <td className="num">{s.failing.toLocaleString()}</td>
                    <td className="num">{s.retrying.toLocaleString()}</td>
                    <td className="num">{s.rejected.toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      ) : null}
    </section>
  );
}
