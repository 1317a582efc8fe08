/**
 * "Test registration": one REGISTER with the values typed so far, without saving, through a
 * short-lived engine of its own (the SIP_BIND addresses on ephemeral ports), then an Expires: 0 if it bound. Returns the
 * outcome and the (redacted) SIP ladder.
 */
import { z } from 'zod';
import type { Env } from '../env';
import { Engine, parseDnsServers, parseSipBind, resolverFor, type RegistrationStatus, type TraceEntry } from '../../registrar';
import { openSecret } from '../secrets/cipher';
import { isSecretError } from '../secrets/errors';
import { getKeyring } from '../secrets/keyring';
import { registrationInputSchema } from './schema';
import type { DenyList } from './test-deny';

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

/**
 * Runs the test with `password` in clear text (typed, or the saved one opened by the caller).
 * Servers in `deny` are never sent anything (outcome cause `denied`).
 */
export async function runTestRegistration(
  input: TestRegistrationInput,
  password: string | null,
  config: Pick<Env, 'SIP_BIND' | 'SIP_PUBLIC_HOST' | 'SIP_TLS_CA_FILE' | 'SIP_DNS_SERVERS'>,
  deny: DenyList,
  noAnswerMs = NO_ANSWER_MS,
): Promise<TestRegistrationResult> {
  const started = Date.now();
  const engine = new Engine({
    // The SIP_BIND addresses, each family on an ephemeral port: the test reaches servers of
    // either family, as the engine would (and IPv4 only on a host without IPv6, silently).
    binds: parseSipBind(config.SIP_BIND).map((b) => ({ host: b.host, port: 0 })),
    log: () => {},
    publicHost: config.SIP_PUBLIC_HOST,
    tlsCaFile: config.SIP_TLS_CA_FILE,
    // The same DNS servers as the engine: a test resolves (transport `auto`: NAPTR/SRV) as the registration will.
    resolver: resolverFor(parseDnsServers(config.SIP_DNS_SERVERS)),
    startupSpreadMs: 0,
    bindingCheckMs: 0,
    allowTarget: deny.size > 0 ? (target) => !deny.denies(target.host) : undefined,
  });
  const outcome = new Promise<RegistrationStatus | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), noAnswerMs);
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
      password,
      registerServerUri: input.registerServerUri,
      realm: input.realm,
      expires: input.expires,
      transport: input.transport,
      enabled: true,
    },
  ]);
  const status = (await outcome) ?? engine.status(TEST_ID)!;
  if (status.code !== null || NOTHING_SENT.has(status.reason ?? '')) {
    // A SIP answer (then an Expires: 0 if it bound), or nothing sent at all.
    await engine.stop(3000);
    return { status, trace: engine.trace(TEST_ID) };
  }
  // No SIP answer: stop at once (no retries, no un-REGISTER to a silent host) and answer at the
  // same moment whatever happened on the wire.
  await engine.stop(0);
  const uniform = UNIFORM.has(status.reason ?? '') || status.state !== 'retrying';
  // A certificate the engine refused (untrusted, expired, other name) keeps its cause and the
  // note naming the certificate: operators need it, and it only exists where a TLS server answered.
  const trace = uniform ? [] : engine.trace(TEST_ID).filter((m) => m.direction === 'note');
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
