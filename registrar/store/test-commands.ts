// The engine's side of "Test registration" (journal command `test`, see lib/db/schema.ts
// test_registrations): claims the request row (one engine runs it when several share the
// database), opens it with the keyring, sends the REGISTER from this engine's own sockets
// (Engine.probe: the production source address) and writes the result back. The portal's side,
// which waits for it and shapes the answer, is lib/registrations/test-registration.ts.
import { and, eq, isNull, lt } from 'drizzle-orm';
import { changed, type Conn } from '../../lib/db/conn';
import { testRegistrations as t } from '../../lib/db/schema';
import { parseDenyList } from '../../lib/registrations/test-deny';
import { openTestRequest, type TestResponse } from '../../lib/registrations/test-registration-request';
import type { Keyring } from '../../lib/secrets/key';
import type { Engine } from '../engine';
import type { RegistrationStatus } from '../registration/status';
import type { Logger } from '../util/log';

/** States that end a test: the first answer decides. */
const OUTCOMES: ReadonlySet<string> = new Set(['registered', 'rejected', 'retrying']);
/** How long the Expires: 0 after an answered test may take. */
const UNREGISTER_MS = 3000;
/** Rows nobody collected (the portal stopped while waiting) are dropped after this long. */
const ABANDONED_MS = 10 * 60 * 1000;

export class TestCommands {
  /** Tests under way: how to end each one's wait at once. */
  private readonly running = new Map<Promise<TestResponse>, () => void>();

  constructor(
    private readonly db: Conn,
    private readonly engine: Engine,
    private readonly keyring: Keyring,
    private readonly log: Logger,
  ) {}

  /** Runs test `id` unless another engine claimed it (or the portal gave up and deleted it). */
  async run(id: number): Promise<void> {
    if (changed(await this.db.update(t).set({ claimedAt: Date.now() }).where(and(eq(t.id, id), isNull(t.claimedAt)))) !== 1) return;
    const [row] = await this.db.select({ request: t.request }).from(t).where(eq(t.id, id));
    if (!row) return;
    let settle: (s: RegistrationStatus | null) => void = () => {};
    const outcome = new Promise<RegistrationStatus | null>((resolve) => (settle = resolve));
    const done = this.probe(row.request, outcome, settle).catch((err: unknown): TestResponse => ({ error: err instanceof Error ? err.message : String(err) }));
    this.running.set(done, () => settle(null));
    try {
      await this.db.update(t).set({ result: JSON.stringify(await done) }).where(eq(t.id, id));
    } catch (err) {
      this.log.error(`registrar: test registration ${id} not answered: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.running.delete(done);
    }
  }

  private async probe(stored: string, outcome: Promise<RegistrationStatus | null>, settle: (s: RegistrationStatus | null) => void): Promise<TestResponse> {
    const request = openTestRequest(stored, this.keyring);
    const deny = parseDenyList(request.deny);
    const timer = setTimeout(() => settle(null), request.noAnswerMs);
    const probe = this.engine.probe(
      { ...request.input, id: 'test', password: request.password, enabled: true },
      {
        allowTarget: deny.size > 0 ? (target) => !deny.denies(target.host) : undefined,
        onStatus: (s) => {
          if (OUTCOMES.has(s.state)) settle(s);
        },
      },
    );
    try {
      const status = (await outcome) ?? probe.status();
      // A SIP answer: then an Expires: 0 if it bound. None: stop at once, nothing more sent.
      await probe.finish(status.code !== null ? UNREGISTER_MS : 0);
      return { status, trace: probe.trace() };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the waits of the tests under way (engine stopping); resolves once their results are written. */
  async abort(): Promise<void> {
    for (const end of this.running.values()) end();
    await Promise.all(this.running.keys());
  }

  /** Drops rows left behind (see ABANDONED_MS). */
  async expire(now: number): Promise<void> {
    const changes = changed(await this.db.delete(t).where(lt(t.createdAt, now - ABANDONED_MS)));
    if (changes > 0) this.log.info(`registrar: ${changes} uncollected test registrations dropped`);
  }
}
