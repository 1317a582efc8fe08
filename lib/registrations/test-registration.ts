/**
 * "Test registration": one REGISTER with the values typed so far, without saving, through a
 * short-lived engine of its own (ephemeral port), then an Expires: 0 if it bound. Returns the
 * outcome and the (redacted) SIP ladder.
 */
import { z } from 'zod';
import type { Env } from '../env';
import { Engine } from '../../registrar/engine';
import { openSecret } from '../secrets/cipher';
import { isSecretError } from '../secrets/errors';
import { getKeyring } from '../secrets/keyring';
import type { RegistrationStatus, TraceEntry } from '../../registrar/registration/status';
import { registrationInputSchema } from './schema';

export const testRegistrationSchema = registrationInputSchema.extend({
  ddiProviderId: z.number().int().positive().optional(),
  id: z.number().int().positive().optional(),
});
export type TestRegistrationInput = z.output<typeof testRegistrationSchema>;

const OUTCOMES = new Set(['registered', 'rejected', 'retrying']);
const TEST_ID = 'test';

export interface TestRegistrationResult {
  status: RegistrationStatus;
  trace: TraceEntry[];
}

function bindHost(sipBind: string): string {
  return sipBind.slice(0, sipBind.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/**
 * The clear text of a stored (sealed) password. One that cannot be opened stops the test with
 * a message asking to type it, naming the error code, never the value.
 */
function openStoredPassword(stored: string | null): string | null {
  if (stored === null) return null;
  try {
    return openSecret(stored, getKeyring());
  } catch (err) {
    if (!isSecretError(err)) throw err;
    throw new Error(`the saved password cannot be decrypted (${err.code}); type it in the form`, { cause: err });
  }
}

/**
 * Runs the test; `password` is the typed one or, when `input.password` is empty, the stored
 * (sealed) one of registration `id`, opened here.
 */
export async function runTestRegistration(
  input: TestRegistrationInput,
  password: string | null,
  config: Pick<Env, 'SIP_BIND' | 'SIP_PUBLIC_HOST' | 'SIP_TLS_CA_FILE'>,
  timeoutMs = 40_000,
): Promise<TestRegistrationResult> {
  const secret = input.password ? password : openStoredPassword(password);
  const engine = new Engine({
    bindAddress: bindHost(config.SIP_BIND),
    bindPort: 0,
    publicHost: config.SIP_PUBLIC_HOST,
    tlsCaFile: config.SIP_TLS_CA_FILE,
    startupSpreadMs: 0,
  });
  const outcome = new Promise<RegistrationStatus | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    engine.on('status', (s) => {
      if (!OUTCOMES.has(s.state)) return;
      clearTimeout(timer);
      resolve(s);
    });
  });
  await engine.start([
    {
      id: TEST_ID,
      username: input.username,
      domain: input.domain,
      ddi: input.ddi,
      authUsername: input.authUsername,
      password: secret,
      registerServerUri: input.registerServerUri,
      realm: input.realm,
      expires: input.expires,
      transport: input.transport,
      enabled: true,
    },
  ]);
  const status = (await outcome) ?? engine.status(TEST_ID)!;
  await engine.stop(3000);
  return { status, trace: engine.trace(TEST_ID) };
}
