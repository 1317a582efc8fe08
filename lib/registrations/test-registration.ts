/**
 * "Test registration": one REGISTER with the values typed so far, without saving, then an
 * Expires: 0 if it bound. Run by the engine process (journal command `test`,
 * registrar/store/test-commands.ts) from its production SIP sockets, the source address carriers
 * allow-list; this side seals the request, wakes the engine, waits for the result with a deadline
 * and shapes the answer so a silent, closed or non-SIP port cannot be told apart.
 */
import { eq } from 'drizzle-orm';
import type { RegistrationStatus, TraceEntry } from '../../registrar';
import { getDb } from '../db/client';
import { registrationChanges, testRegistrations } from '../db/schema';
import { getEngineHealth } from '../engine/health-query';
import { wakeEngine } from '../engine/wake';
import { openSecret } from '../secrets/cipher';
import { isSecretError } from '../secrets/errors';
import { getKeyring } from '../secrets/keyring';
import { sealTestRequest, type TestRegistrationInput, type TestResponse } from './test-registration-request';



export interface TestRegistrationResult {
  status: RegistrationStatus;
  trace: TraceEntry[];
}

/**
 * The clear text of a stored (sealed) password. One that cannot be opened stops the test with
 * a message asking to type it, naming the error code, never the value.
 */
export function openStoredPassword(stored: string | null): string | null {
  if (stored === null) return null;
  try {
    return openSecret(stored, getKeyring());
  } catch (err) {
    if (!isSecretError(err)) throw err;
    throw new Error(`the saved password cannot be decrypted (${err.code}); type it in the form`, { cause: err });
  }
}

/** How long a test waits for a SIP answer; one without any is answered at exactly this time. */
const NO_ANSWER_MS = 10_000;

/**
 * Outcomes without a SIP answer that would tell a closed port from a filtered one or from a
 * service that is not SIP: they all read `no-answer`, with no SIP messages (over TCP a refused
 * connection sends none, over UDP a silent port gets ours), after NO_ANSWER_MS. (Certificate
 * failures keep their cause and the certificate note: operators need them; they wait as long.)
 */
const UNIFORM: ReadonlySet<string> = new Set(['timeout', 'transport', 'closed', 'bad-response', 'tls-handshake']);

/** Local causes where nothing was sent: answered at once (no-ipv4/no-ipv6 with the trace note saying why). */
const NOTHING_SENT: ReadonlySet<string> = new Set(['denied', 'dns', 'config', 'no-ipv4', 'no-ipv6']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** No engine took the test: none runs against this database. */
export class NoEngineError extends Error {
  constructor() {
    super('no engine running: start it or enable REGISTRAR_ENABLED');
    this.name = 'NoEngineError';
  }
}

/** How long a running engine may take to pick the test up (it reads the journal every 250 ms, or at once when woken). */
const CLAIM_MS = 5_000;
/** Beyond the wait for an answer: the Expires: 0 after it (3 s) and the hand-over. */
const RESULT_MARGIN_MS = 6_000;
const POLL_MS = 25;

/**
 * Runs the test with `password` in clear text (typed, or the saved one opened by the caller)
 * in the engine process. Servers in `deny` (TEST_REGISTRATION_DENY, validated by the caller) are
 * never sent anything (outcome cause `denied`). Throws NoEngineError when no engine takes it.
 */
export async function runTestRegistration(input: TestRegistrationInput, password: string | null, deny: string, noAnswerMs = NO_ANSWER_MS): Promise<TestRegistrationResult> {
  const started = Date.now();
  if ((await getEngineHealth()).state !== 'running') throw new NoEngineError();
  const response = await inEngine(
    {
      input: {
        username: input.username,
        domain: input.domain,
        ddi: input.ddi,
        authUsername: input.authUsername,
        registerServerUri: input.registerServerUri,
        realm: input.realm,
        expires: input.expires,
        transport: input.transport,
      },
      password,
      deny,
      noAnswerMs,
    },
    noAnswerMs,
  );
  if ('error' in response) throw new Error(response.error);
  const { status } = response;
  if (status.code !== null || NOTHING_SENT.has(status.reason ?? '')) return response;
  // No SIP answer: the same answer at the same moment whatever happened on the wire.
  const uniform = UNIFORM.has(status.reason ?? '') || status.state !== 'retrying';
  // A certificate the engine refused (untrusted, expired, other name) keeps its cause and the
  // note naming the certificate: operators need it, and it only exists where a TLS server answered.
  const trace = uniform ? [] : response.trace.filter((m) => m.direction === 'note');
  await sleep(started + noAnswerMs - Date.now());
  return {
    status: {
      ...status,
      state: 'retrying',
      code: null,
      reason: uniform ? 'no-answer' : status.reason,
      target: null,
      attempts: 1,
      nextAttemptAt: null,
      at: Date.now(),
    },
    trace,
  };
}

/**
 * Hands the request (sealed: it holds the password) to the engine through the journal, wakes it,
 * and polls for its answer; the row is deleted whatever happens.
 */
async function inEngine(request: Parameters<typeof sealTestRequest>[0], noAnswerMs: number): Promise<TestResponse> {
  const db = getDb();
  const sealed = sealTestRequest(request, getKeyring());
  const id = await db.transaction(async (tx) => {
    const [row] = await tx.insert(testRegistrations).values({ request: sealed, createdAt: Date.now() }).returning({ id: testRegistrations.id });
    await tx.insert(registrationChanges).values({ registrationId: row!.id, command: 'test' });
    return row!.id;
  });
  wakeEngine();
  const read = async () => (await db.select({ claimedAt: testRegistrations.claimedAt, result: testRegistrations.result }).from(testRegistrations).where(eq(testRegistrations.id, id)))[0];
  try {
    const claimBy = Date.now() + CLAIM_MS;
    let resultBy = Infinity;
    for (;;) {
      const row = await read();
      if (row?.result) return JSON.parse(row.result) as TestResponse;
      if (row?.claimedAt != null) resultBy = Math.min(resultBy, row.claimedAt + noAnswerMs + RESULT_MARGIN_MS);
      else if (Date.now() > claimBy) throw new NoEngineError();
      if (Date.now() > resultBy) throw new Error('the engine took the test but gave no answer in time');
      await sleep(POLL_MS);
    }
  } finally {
    await db.delete(testRegistrations).where(eq(testRegistrations.id, id));
  }
}
