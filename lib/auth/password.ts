/**
 * Operator password hashing with scrypt (node:crypto). Stored as
 * `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>` so parameters can be raised later.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 2 ** 15;
const r = 8;
const p = 1;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) =>
    scryptCb(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, { N, r, p });
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Parameters scrypt accepts and this server can afford (N a power of two up to 2^20, r·p bounded). */
function plausibleCost(n: number, rr: number, pp: number): boolean {
  const ints = [n, rr, pp].every((v) => Number.isInteger(v) && v > 0);
  return ints && n > 1 && n <= 2 ** 20 && (n & (n - 1)) === 0 && rr <= 32 && pp <= 16;
}

/** Constant-time comparison of `password` with a stored hash; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, rr, pp] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (!plausibleCost(n, rr, pp) || expected.length !== KEY_LENGTH) return false;
  try {
    const actual = await scrypt(password, salt, { N: n, r: rr, p: pp });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}

/** A hash of a random password: verified against when the e-mail is unknown, so timing does not tell. */
export const dummyHash: Promise<string> = hashPassword(randomBytes(18).toString('base64url'));
