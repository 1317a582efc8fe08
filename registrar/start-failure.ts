// Why the engine could not start, in words an operator can act on: what is wrong (stored with
// the heartbeat and shown in the portal's banner) and what to change (logged once).

export interface StartFailure {
  /** What is wrong, e.g. "SIP_BIND 127.0.0.1:5060 is in use". */
  reason: string;
  /** What to change. */
  fix: string;
}

const FREE_BIND = 'Set SIP_BIND to a free address:port, or REGISTRAR_ENABLED=0 and run `npm run registrar` apart';

/** The system error code (EADDRINUSE, …) of `err` or of the error it wraps (its `cause`). */
function systemCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as Error).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E') && !code.startsWith('E_')) return code;
  }
  return undefined;
}

export function explainStartFailure(err: unknown, bind: string): StartFailure {
  switch (systemCode(err)) {
    case 'EADDRINUSE':
      return { reason: `SIP_BIND ${bind} is in use`, fix: `${FREE_BIND} (or stop the process that holds it)` };
    case 'EACCES':
      return {
        reason: `SIP_BIND ${bind} is not permitted (ports below 1024 need privileges)`,
        fix: 'Set SIP_BIND to a port of 1024 or above, or grant the process CAP_NET_BIND_SERVICE',
      };
    case 'EADDRNOTAVAIL':
      return { reason: `SIP_BIND ${bind}: the address is not on this machine`, fix: 'Set SIP_BIND to an address of this machine, or 0.0.0.0:<port>' };
    default:
      return { reason: err instanceof Error ? err.message : String(err), fix: 'Check the registrar settings (SIP_*, REGISTRAR_*, SECRET_KEY)' };
  }
}
