// The engine's logging port. The engine core does not depend on a logging library: the host
// (registrar/start.ts, with the portal's pino logger from lib/log.ts) injects a leveled Logger,
// and tests may inject a plain line sink. Messages are whole sentences; `fields` carry the
// structured parts (ids, codes), never secrets.

export type LogFields = Record<string, unknown>;

/** The levels the engine logs at (a subset of pino's; the portal's logger fits this shape). */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

/** What a host may inject: a Logger, or a function that gets every line whatever its level. */
export type LogSink = Logger | ((line: string) => void);

/** Nothing logged: the default when the host injects no logger. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/** The Logger for an injected sink (a line sink receives every level's message). */
export function toLogger(sink: LogSink | undefined): Logger {
  if (!sink) return silentLogger;
  if (typeof sink !== 'function') return sink;
  const line = (message: string) => sink(message);
  return { error: line, warn: line, info: line, debug: line };
}
