// Cheap random identifiers for branches, tags, Call-IDs and cnonces.
// Bytes come from the CSPRNG in 4 KiB batches so a 10,000-registration
// burst does not pay one syscall per identifier.
import { randomBytes } from 'node:crypto';

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

export function randomHex(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

/** A source of uniform numbers in [0, 1); injectable for deterministic tests. */
export type RandomSource = () => number;

export const mathRandom: RandomSource = Math.random;
