/**
 * Sign-in with e-mail and password. The answer never says which of the two was wrong, an unknown
 * e-mail costs the same scrypt time as a known one, and attempts are throttled (throttle.ts),
 * reserved before the verification so parallel requests cannot slip past the limits.
 */
import type { Db } from '../db/client';
import { fail, ok, type ActionResult } from '../api/result';
import type { OperatorPublic } from './principal';
import { findOperatorByEmail } from './operators';
import { dummyHash, verifyPassword } from './password';
import { throttledCheck } from './password-check';
import { createSession, type NewSession } from './sessions';
import type { ThrottlePolicy } from './throttle';

export type LoginInput = { email: string; password: string; ip: string | null; userAgent: string | null };
export type LoginOutcome = { session: NewSession; operator: OperatorPublic };

const WRONG_CREDENTIALS = 'E-mail or password is incorrect.';

/** `{ data }` with a new session, or `invalid_credentials` / `throttled` / `locked` (with `retryAfterMs`). */
export async function login(
  db: Db,
  input: LoginInput,
  policy: ThrottlePolicy,
  arrived = Date.now(),
): Promise<ActionResult<LoginOutcome> & { retryAfterMs?: number }> {
  // The attempt is reserved first, judged as of when it arrived (a burst is judged as the burst it
  // was, however long its requests queue in a busy server); the operator looked up once it may be checked.
  const found: { op: Awaited<ReturnType<typeof findOperatorByEmail>> } = { op: null };
  const checked = await throttledCheck(
    db,
    input,
    policy,
    async () => {
      const op = (found.op = await findOperatorByEmail(db, input.email));
      const valid = await verifyPassword(input.password, op?.passwordHash ?? (await dummyHash));
      return !!op && valid && !op.disabled;
    },
    arrived,
  );
  const { op } = found;
  if ('error' in checked) return checked;
  if (!op || !checked.passed) return fail('invalid_credentials', WRONG_CREDENTIALS);
  const session = await createSession(db, op.id, { ip: input.ip, userAgent: input.userAgent });
  return ok({ session, operator: { id: op.id, email: op.email, name: op.name, role: op.role } });
}
