// Why the engine could not start, in words an operator can act on: what is wrong (stored with
// the heartbeat and shown in the portal's banner) and what to change (logged once).
import { BindError } from './transport/open-families';
import { systemErrorCode } from './transport/errors';

export interface StartFailure {
  /** What is wrong, e.g. "SIP_BIND 127.0.0.1:5060 is in use". */
  reason: string;
  /** What to change. */
  fix: string;
}

const FREE_BIND = 'Set SIP_BIND to a free address:port, or REGISTRAR_ENABLED=0 and run `npm run registrar` apart';

/** `bind`: SIP_BIND as configured; a BindError names the entry that failed instead. */
export function explainStartFailure(err: unknown, sipBind: string): StartFailure {
  const bind = err instanceof BindError ? err.entry : sipBind;
  switch (systemErrorCode(err)) {
    case 'EADDRINUSE':
      return { reason: `SIP_BIND ${bind} is in use`, fix: `${FREE_BIND} (or stop the process that holds it)` };
    case 'EACCES':
      return {
        reason: `SIP_BIND ${bind} is not permitted (ports below 1024 need privileges)`,
        fix: 'Set SIP_BIND to a port of 1024 or above, or grant the process CAP_NET_BIND_SERVICE',
      };
    case 'EADDRNOTAVAIL':
      return { reason: `SIP_BIND ${bind}: the address is not on this machine`, fix: 'Set SIP_BIND to addresses of this machine, or 0.0.0.0:<port>,[::]:<port>' };
    case 'EAFNOSUPPORT':
      return { reason: `SIP_BIND ${bind}: this host does not support that address family`, fix: 'Set SIP_BIND to addresses of a family this host has (IPv4: 0.0.0.0:<port>)' };
    default:
      return { reason: err instanceof Error ? err.message : String(err), fix: 'Check the registrar settings (SIP_*, REGISTRAR_*, SECRET_KEY)' };
  }
}
