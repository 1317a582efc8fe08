/**
 * Address ranges "Test registration" may not send to (`TEST_REGISTRATION_DENY`): comma-separated
 * CIDR blocks or single addresses, IPv4 or IPv6, e.g. `10.0.0.0/8, 169.254.0.0/16, fd00::/8`.
 * Checked on every resolved server (and after every redirect) before anything is sent, so the
 * feature cannot be used to probe hosts an administrator keeps out of reach.
 */
import { BlockList, isIP } from 'node:net';

export type DenyList = { readonly size: number; denies(host: string): boolean };

/** Parses the setting; throws with the offending entry when one is not an address or CIDR block. */
export function parseDenyList(text: string | undefined): DenyList {
  const list = new BlockList();
  let size = 0;
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const max = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : Number(bits);
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new Error(`"${entry}" is not an IP address or CIDR block`);
    }
    list.addSubnet(address!, prefix, family === 6 ? 'ipv6' : 'ipv4');
    size++;
  }
  return {
    size,
    denies(host: string): boolean {
      const family = isIP(host);
      if (family === 0) return false;
      return list.check(host, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
