/** Display helpers shared by the client pages. */
import { displayText } from './display-text';
import {
  LOCAL_CAUSE_EXPLANATIONS,
  RETIRED_LOCAL_CAUSE_EXPLANATIONS,
  type TransportSetting,
} from '../../registrar/domain/vocabulary';

// One way to write a time everywhere: the reader's locale and its hour cycle (24 h where the locale
// says so), always with seconds; the SIP ladder adds milliseconds. A date is written only when the
// time is not today (formatClock) or always (formatTime: lists, audit, "Updated").
const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit', second: '2-digit' };
const DATE_TIME: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric', ...TIME };

/** API timestamps are milliseconds since the Unix epoch (lib/api/contracts.ts). */
function toDate(value: number): Date | null {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Date and time: "30 Nov 2026, 13:24:31" (en-GB), "Nov 30, 2026, 1:24:31 PM" (en-US). */
export function formatTime(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const d = toDate(value);
  return d ? d.toLocaleString(undefined, DATE_TIME) : String(value);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** A duration as "12 s", "3 min", "2 h 5 min", "4 d 3 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/**
 * A setting or an answer in whole seconds (Expires): the seconds as configured, with the same
 * duration wording as everywhere else when it is a minute or more: "45 s", "3600 s (1 h)".
 */
export function formatSeconds(seconds: number): string {
  const n = Math.max(0, Math.floor(seconds));
  return n < 60 ? `${n} s` : `${n.toLocaleString()} s (${formatDuration(n * 1000)})`;
}

/** A countdown to `at` ("in 4 min", "now", "3 s ago"). */
export function formatRelative(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined || Number.isNaN(at)) return '—';
  const diff = at - now;
  if (Math.abs(diff) < 1000) return 'now';
  return diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
}

/** Only the clock time for today ("13:24:31"), else date and time as formatTime. */
export function formatClock(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const d = toDate(value);
  if (!d) return String(value);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString(undefined, TIME) : d.toLocaleString(undefined, DATE_TIME);
}

/** The clock time with milliseconds, for SIP messages ("13:24:31.042"). */
export function formatPreciseTime(value: number): string {
  const d = toDate(value);
  return d ? d.toLocaleTimeString(undefined, { ...TIME, fractionalSecondDigits: 3 }) : String(value);
}

/** "401 Unauthorized", or a local cause ("timeout"), or "—". */
/** The reason comes from the network: control and bidi characters are shown escaped (display-text.ts). */
export function formatOutcome(code: number | null | undefined, reason: string | null | undefined): string {
  if (code) return reason ? `${code} ${displayText(reason)}` : String(code);
  return reason ? displayText(reason) : '—';
}

/** Explanation of a local (non-SIP) cause, for a tooltip. */
export function describeLocalCause(reason: string | null | undefined): string | undefined {
  if (!reason) return undefined;
  if (Object.hasOwn(LOCAL_CAUSE_EXPLANATIONS, reason)) return LOCAL_CAUSE_EXPLANATIONS[reason as keyof typeof LOCAL_CAUSE_EXPLANATIONS];
  return Object.hasOwn(RETIRED_LOCAL_CAUSE_EXPLANATIONS, reason) ? RETIRED_LOCAL_CAUSE_EXPLANATIONS[reason] : undefined;
}

/** A fraction 0..1 as "99.5 %". */
export function formatPercent(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'no data';
  const p = v * 100;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)} %`;
}

/** Option text of a transport setting in the form: "Auto (DNS decides)", "UDP", "TCP", "TLS". */
export function transportOptionLabel(t: TransportSetting): string {
  return t === 'auto' ? 'Auto (DNS decides)' : t.toUpperCase();
}

/** The transport a status `target` ('ip:port/transport', as the engine reports it) went over, or null. */
export function targetTransport(target: string | null | undefined): 'udp' | 'tcp' | 'tls' | null {
  const m = /\/(udp|tcp|tls)$/i.exec(target ?? '');
  return m ? (m[1]!.toLowerCase() as 'udp' | 'tcp' | 'tls') : null;
}

/**
 * A registration's transport as shown: "UDP"; for `auto`, the one DNS chose for the last REGISTER,
 * from the engine's status ("auto → TCP"), or just "auto" before any REGISTER went out.
 */
export function formatTransport(setting: TransportSetting, target: string | null | undefined): string {
  if (setting !== 'auto') return setting.toUpperCase();
  const chosen = targetTransport(target);
  return chosen ? `auto → ${chosen.toUpperCase()}` : 'auto';
}
