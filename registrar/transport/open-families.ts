// Binding the SIP_BIND entries at start: IPv4 first, then IPv6. A host without IPv6 (the kernel
// refuses the family, EAFNOSUPPORT, or has no such address, EADDRNOTAVAIL) still starts on the
// default `0.0.0.0:5060,[::]:5060`: the IPv6 entry is dropped with one log line and IPv4 is
// served, its targets failing with E_NO_IPV6. Anything else (an address in use, a port needing
// privileges, IPv4 failing, IPv6 alone failing) stops the start with a BindError naming the entry.
import { SipError } from '../errors';
import { systemErrorCode } from './errors';
import { formatBind, type BindAddress } from './sip-bind';

/** System errors meaning "this host has no IPv6 (there)", not "this address is taken". */
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL']);

/** An entry of SIP_BIND could not be bound (E_TRANSPORT); `cause` carries the system error. */
export class BindError extends SipError {
  constructor(
    /** The entry, as SIP_BIND spells it, e.g. `[::]:5060`. */
    readonly entry: string,
    cause: unknown,
  ) {
    super('E_TRANSPORT', `SIP_BIND ${entry}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'BindError';
  }
}

export interface FamilyBinder {
  /** Binds every socket of the entry's family (UDP, the TCP and TLS listeners). */
  open(bind: BindAddress): Promise<void>;
  /** Closes what open() bound of that family and forgets it: its targets then fail with `why`. */
  drop(bind: BindAddress, why: string): Promise<void>;
  /** Closes everything bound so far (the start failed). */
  closeAll(): Promise<void>;
}

/** Binds the entries; resolves with those served (all, or IPv4 only when IPv6 is not available). */
export async function openFamilies(binds: readonly BindAddress[], binder: FamilyBinder, log: (line: string) => void): Promise<BindAddress[]> {
  const served: BindAddress[] = [];
  for (const bind of [...binds].sort((a, b) => a.family - b.family)) {
    try {
      await binder.open(bind);
      served.push(bind);
    } catch (err) {
      const code = systemErrorCode(err);
      if (bind.family === 6 && code && NO_IPV6.has(code) && served.some((b) => b.family === 4)) {
        const entry = formatBind(bind);
        await binder.drop(bind, `IPv6 is not available on this host (bind ${entry}: ${code})`);
        log(`registrar: IPv6 not available (${entry}: ${code}): serving IPv4 only`);
        continue;
      }
      await binder.closeAll();
      throw new BindError(formatBind(bind), err);
    }
  }
  // In SIP_BIND order, as configured.
  return binds.filter((b) => served.includes(b));
}
