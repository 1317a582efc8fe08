/**
 * The portal's one logger (pino): a JSON object per line on stdout in production, a short
 * human-readable line in development (`npm run dev`, NODE_ENV=development). LOG_LEVEL sets the
 * level (lib/env.ts validates it; default info). Secrets never reach the output: the `redact`
 * paths censor passwords, SIP digest `response`s, cookies and Authorization headers in logged
 * objects, and messages name ids and codes, never values.
 *
 * Lines logged while serving a request carry its id (`reqId`): server.ts and the API route
 * wrapper (lib/api/http.ts) run the request inside `withRequestId`, and a pino mixin reads it
 * back. The context lives on globalThis, so the custom server's bundle and Next.js's route
 * bundles (separate copies of this module in one process) share it.
 *
 * The engine gets this logger through its port (registrar/util/log.ts) by `enginePort()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Logger as EngineLogger, LogFields } from '../registrar';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Censored wherever they appear at the top of a logged object or one or two levels down
 * (`{ req: { headers: { cookie } } }`). `response` is the SIP digest response (RFC 8760 §2.5 /
 * RFC 3261 §22.4): a password-equivalent for a replay within the nonce's life.
 */
const SECRET_KEYS = ['password', 'newPassword', 'currentPassword', 'response', 'cookie', 'set-cookie', 'authorization', 'proxy-authorization', 'Authorization', 'Proxy-Authorization', 'Cookie', 'token', 'secret'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => (/^\w+$/.test(k) ? [k, `*.${k}`, `*.*.${k}`] : [`["${k}"]`, `*["${k}"]`, `*.*["${k}"]`]));
export const REDACTED = '[redacted]';

type ContextHolder = { __portalLogContext?: AsyncLocalStorage<string> };
const requestContext = ((globalThis as ContextHolder).__portalLogContext ??= new AsyncLocalStorage<string>());

/** Runs `fn` with `reqId` attached to every line logged inside it (and in what it awaits). */
export function withRequestId<T>(reqId: string, fn: () => T): T {
  return requestContext.run(reqId, fn);
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return requestContext.getStore();
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable lines instead of JSON (development). */
  pretty?: boolean;
  /** Where lines go (default stdout, written synchronously so a line before exit is not lost). */
  destination?: DestinationStream;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One JSON line as `12:00:01.234 INFO  message key=value …` (development only). */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString().slice(11, 23);
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  const fields = Object.entries(o)
    .filter(([k]) => !OMITTED.has(k) && k !== 'err')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const err = o.err as { stack?: string } | undefined;
  return `${time} ${level} ${String(o.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}${err?.stack ? `\n${err.stack}` : ''}\n`;
}

/** A logger with the portal's redaction and request ids (tests pass their own destination). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  const destination: DestinationStream = options.pretty ? { write: (line: string) => out.write(prettyLine(line)) } : out;
  return pino(
    {
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      mixin: () => {
        const reqId = currentRequestId();
        return reqId ? { reqId } : {};
      },
    },
    destination,
  );
}

/** LOG_LEVEL when valid, else info (lib/env.ts refuses an invalid one at start-up). */
function levelFromEnv(): LogLevel {
  const v = process.env.LOG_LEVEL?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(v ?? '') ? (v as LogLevel) : 'info';
}

const development = process.env.NODE_ENV === 'development' || process.argv.includes('--dev');

/** The process's logger. */
export const log: Logger = createLogger({ level: levelFromEnv(), pretty: development });

/** `logger` (default: the portal's) as the engine's logging port: message first, then fields. */
export function enginePort(logger: Logger = log): EngineLogger {
  const at = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, fields?: LogFields) => (fields ? logger[level](fields, message) : logger[level](message));
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

/** An error as a log field: its message (and code), never the objects it may hold. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
