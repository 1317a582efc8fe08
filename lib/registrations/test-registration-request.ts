// What the portal takes and hands the engine process for a "Test registration" (journal command `test`,
// row in `test_registrations`) and what comes back. The request holds the password in clear
// text, so it is stored sealed with the keyring (lib/secrets), like the saved SIP passwords, and
// the row is deleted once the portal has the answer.
import { z } from 'zod';
import type { RegistrationStatus, TraceEntry } from '../../registrar';
import { isSealed, openSecret, sealSecret } from '../secrets/cipher';
import type { Keyring } from '../secrets/key';
import { registrationInputSchema } from './schema';

/** The body of POST /api/registrations/test: the form's values, and the saved registration whose password may be used. */
export const testRegistrationSchema = registrationInputSchema.extend({
  ddiProviderId: z.number().int().positive().optional(),
  id: z.number().int().positive().optional(),
});
export type TestRegistrationInput = z.output<typeof testRegistrationSchema>;

export interface TestRequest {
  input: Pick<TestRegistrationInput, 'username' | 'domain' | 'ddi' | 'authUsername' | 'registerServerUri' | 'realm' | 'expires' | 'transport'>;
  /** Clear text (typed, or the saved one opened by the portal), or null. */
  password: string | null;
  /** TEST_REGISTRATION_DENY as the portal has it: the engine never sends to those ranges. */
  deny: string;
  /** How long the engine waits for a SIP answer, ms. */
  noAnswerMs: number;
}

/** The engine's answer: the first outcome and the messages (redacted), or why it could not run. */
export type TestResponse = { status: RegistrationStatus; trace: TraceEntry[] } | { error: string };

export const sealTestRequest = (request: TestRequest, keyring: Keyring): string => sealSecret(JSON.stringify(request), keyring);

/** The request in clear; one stored unsealed is refused (the portal always seals it). */
export function openTestRequest(stored: string, keyring: Keyring): TestRequest {
  if (!isSealed(stored)) throw new Error('the test request is not sealed');
  return JSON.parse(openSecret(stored, keyring)) as TestRequest;
}
