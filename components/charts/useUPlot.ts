'use client';

import { useEffect, useRef, type RefObject } from 'react';
import type uPlot from 'uplot';

/** The value of a CSS custom property of the page (colours come from globals.css), or `fallback`. */
export function cssVar(name: string, fallback: string): string {
  if (typeof document === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * Time axis labels in the operator's locale (24 h where it says so): the clock time, with the
 * date where the day changes or on the first tick. uPlot's own are en-US ("6pm").
 */
export function timeTicks(_u: uPlot, splits: number[]): string[] {
  let lastDay = '';
  return splits.map((s) => {
    const d = new Date(s * 1000);
    const day = d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    const label = day !== lastDay ? `${time}\n${day}` : time;
    lastDay = day;
    return label;
  });
}

/**
 * A uPlot chart in `container`, as wide as it, rebuilt when `data` or `build` change. uPlot is
 * loaded on first use (its own chunk), so pages without a chart, and the dashboard's first
 * paint, do not carry it.
 */
export function useUPlot(container: RefObject<HTMLDivElement | null>, build: ((width: number, lib: typeof uPlot) => uPlot.Options) | null, data: uPlot.AlignedData | null): void {
  const chart = useRef<uPlot | null>(null);
  useEffect(() => {
    const el = container.current;
    if (!el || !build || !data) return;
    let cancelled = false;
    let observer: ResizeObserver | null = null;
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      const width = Math.max(200, el.clientWidth);
      chart.current = new UPlot(build(width, UPlot), data, el);
      observer = new ResizeObserver(() => {
        const w = Math.max(200, el.clientWidth);
        if (chart.current && chart.current.width !== w) chart.current.setSize({ width: w, height: chart.current.height });
      });
      observer.observe(el);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [container, build, data]);
}
