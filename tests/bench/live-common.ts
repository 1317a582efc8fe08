// Shared by the browser benchmarks (dashboard.ts, status-latency.ts): Debian Chromium through
// playwright-core, a portal server of their own, in-page probes and small statistics helpers.
// Not a test: nothing here is run by `npm test`.
import { spawnSync } from 'node:child_process';
import type { Browser, BrowserContext } from 'playwright-core';
import { chromiumLaunchOptions } from '../chromium';
import type { Portal } from '../portal-process';

export { chromiumLaunchOptions };

/** `--name value` options of a script; flags without a value are `true`. */
export function parseArgs(argv: string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[a.slice(2)] = next;
      i++;
    } else out[a.slice(2)] = true;
  }
  return out;
}

export function num(args: Record<string, string | true>, name: string, dflt: number): number {
  const v = args[name];
  if (v === undefined || v === true) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name}: not a number: ${v}`);
  return n;
}

/** Builds the portal when sources changed (as `npm start` does). */
export function ensureBuild(): void {
  const r = spawnSync('node', ['scripts/ensure-build.mjs'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (r.status !== 0) throw new Error('next build failed');
}

export { startPortal, type Portal } from '../portal-process';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
  min: number;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p50: quantile(s, 0.5),
    p95: quantile(s, 0.95),
    max: s[s.length - 1] ?? NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
  };
}

export function fmt(v: number, digits = 1): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** Prints rows as an aligned text table (first row = header). */
export function printTable(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(cells[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/**
 * In-page probes, installed with page.addInitScript before any app script runs:
 *  - window.__badges: [registrationId, state, Date.now()] each time the status badge of a row of
 *    the dashboard's `.live-table` (tr[data-registration-id] > .badge[data-state]) shows a new
 *    state (MutationObserver: DOM commit time, before paint);
 *  - window.__sse: [registrationId, state, at, Date.now()] for every `status` message the app's
 *    EventSource receives (wrapped: the app's own listener runs right after);
 *  - window.__longtasks: [startTime, duration] (PerformanceObserver 'longtask', performance.now());
 *  - window.__marks: first performance.now() of load milestones (see `milestones`): shell, progress,
 *    counts (state counts filled), firstRows (a row in the table), meaningful (both), allLoaded.
 */
export function installProbes(opts: { milestones: boolean }): void {
  type W = Window & {
    __badges: [number, string, number][];
    __sse: [number, string, number, number][];
    __longtasks: [number, number][];
    __marks: Record<string, number>;
    __frames: number[] | null;
  };
  const w = window as unknown as W;
  w.__badges = [];
  w.__sse = [];
  w.__longtasks = [];
  w.__marks = {};
  w.__frames = null;

  // The app's EventSource listeners: `status` ones are wrapped to timestamp each message first.
  type AddListener = (this: EventTarget, type: string, listener: unknown, options?: unknown) => void;
  const proto = window.EventSource?.prototype as unknown as { addEventListener: AddListener } | undefined;
  if (proto) {
    const native = proto.addEventListener;
    proto.addEventListener = function (this: EventTarget, type: string, listener: unknown, options?: unknown) {
      if (type === 'status' && typeof listener === 'function') {
        const inner = listener as (this: EventTarget, e: Event) => unknown;
        const wrapped = function (this: EventTarget, e: Event) {
          try {
            const d = JSON.parse((e as MessageEvent<string>).data) as { registrationId: number; state: string; at: number };
            w.__sse.push([d.registrationId, d.state, d.at, Date.now()]);
          } catch {
            /* the app ignores it too */
          }
          return inner.call(this, e);
        };
        return native.call(this, type, wrapped, options);
      }
      return native.call(this, type, listener, options);
    };
  }

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longtasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    /* not supported */
  }

  const shown = new Map<number, string>();
  const scanBadge = (badge: Element) => {
    const tr = badge.closest('.live-table tr[data-registration-id]');
    if (!tr) return;
    const id = Number(tr.getAttribute('data-registration-id'));
    const state = badge.getAttribute('data-state');
    if (!state || shown.get(id) === state) return;
    shown.set(id, state);
    w.__badges.push([id, state, Date.now()]);
  };
  const mark = (name: string) => {
    if (w.__marks[name] === undefined) w.__marks[name] = performance.now();
  };
  const checkMilestones = () => {
    if (!opts.milestones) return;
    if (document.querySelector('.state-counts')) mark('shell');
    const count = document.querySelector('.list .count')?.textContent ?? '';
    if (/Loading registrations… [\d,]+ of/.test(count)) mark('progress');
    const registered = document.querySelector('[data-group="registered"] .stat-value')?.textContent;
    if (registered && registered !== '…') mark('counts');
    const rows = document.querySelector('.live-table tbody tr[data-registration-id]');
    if (rows) mark('firstRows');
    // first meaningful render: rows in the table and the state counts, both on screen
    if (rows && registered && registered !== '…') mark('meaningful');
    if (/^[\d,]+ registrations?$/.test(count.trim())) mark('allLoaded');
  };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') {
        if (r.target instanceof Element && r.target.classList.contains('badge')) scanBadge(r.target);
      } else if (r.type === 'characterData') {
        const el = r.target.parentElement;
        if (el?.classList.contains('badge')) scanBadge(el);
      } else {
        for (const n of r.addedNodes) {
          if (!(n instanceof Element)) {
            if (n.parentElement?.classList.contains('badge')) scanBadge(n.parentElement);
            continue;
          }
          if (n.classList.contains('badge')) scanBadge(n);
          else for (const b of n.querySelectorAll('.badge')) scanBadge(b);
        }
      }
    }
    checkMilestones();
  });
  const start = () => {
    observer.observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'], characterData: true });
    checkMilestones();
  };
  if (document.documentElement) start();
  else document.addEventListener('readystatechange', start, { once: true });
}

/** Starts recording requestAnimationFrame deltas into window.__frames (call with page.evaluate). */
export function startFrameProbe(): void {
  const w = window as unknown as { __frames: number[] | null; __frameTimes: number[]; __frameGen?: number };
  const gen = (w.__frameGen = (w.__frameGen ?? 0) + 1);
  w.__frames = [];
  w.__frameTimes = [];
  let last = -1;
  const tick = (t: number) => {
    if (!w.__frames || w.__frameGen !== gen) return; // stopped, or superseded by a newer probe
    if (last >= 0) {
      w.__frames.push(t - last);
      w.__frameTimes.push(t);
    }
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** Stops the frame probe and returns [deltas, frame start times] (page.evaluate). */
export function stopFrameProbe(): [number[], number[]] {
  const w = window as unknown as { __frames: number[] | null; __frameTimes: number[] };
  const out: [number[], number[]] = [w.__frames ?? [], w.__frameTimes ?? []];
  w.__frames = null;
  return out;
}

/** A browser context signed in as the portal's test admin. */
export async function signedInContext(browser: Browser, portal: Portal): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.addCookies([{ name: 'ddr_session', value: portal.adminSession!, domain: new URL(portal.base).hostname, path: '/' }]);
  return ctx;
}
