// Keeps the engine in step with the portal database: a full load at start-up, then only the
// registrations named in the change journal (within `pollMs`, or at once when nudged from the
// same process). Persists statuses, the timeline of transitions and the SIP messages worth keeping
// through the StatusStore (see there), and applies `watch` leases: someone has a registration's
// SIP messages open, so they are written as they come.
import type { SQL } from 'drizzle-orm';
import type { Db } from '../lib/db/client';
import type { Keyring } from '../lib/secrets/key';
import type { Engine } from './engine';
import { validateConfig, type RegistrationConfig } from './registration/config';
import { ChangeFeed, type Change } from './store/change-feed';
import { RegistrationSource } from './store/registration-source';
import { dbHandle } from '../lib/db/client';
import { AsyncStatusStore } from './store/async-status-store';
import { StatusStore, type StatusStoreOptions } from './store/status-store';
import { TestCommands } from './store/test-commands';
import { toLogger, type Logger, type LogSink } from './util/log';

export interface SupervisorOptions extends StatusStoreOptions {
  /** How often the change journal is read, ms. */
  pollMs?: number;
  /** How often queued status/trace writes are committed, ms. */
  flushMs?: number;
  /** Window over which first REGISTERs are spread at start-up, ms. */
  spreadMs?: number;
  log?: LogSink;
  /** Opens the stored SIP passwords (lib/secrets). */
  keyring: Keyring;
  /**
   * Port for an in-process wake-up: the host installs the given function where the portal calls
   * it after a committed change, and gets back its removal (default: none, the journal is polled).
   */
  installWake?: (wake: () => void) => () => void;
}

/** How long one `watch` journal entry keeps a registration's SIP messages written as they come (the page renews it every minute). */
export const WATCH_LEASE_MS = 3 * 60 * 1000;
const HOUSEKEEPING_MS = 10 * 60 * 1000;

export class Supervisor {
  /** SQLite: status-store.ts (a worker thread with writeThread); PostgreSQL: the same on the asynchronous layer. */
  readonly store: StatusStore | AsyncStatusStore;
  private readonly source: RegistrationSource;
  private readonly feed: ChangeFeed;
  private readonly tests: TestCommands;
  private removeWake: (() => void) | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;
  /** The journal read in progress: reads never overlap (the cursor moves in order). */
  private syncing: Promise<void> | null = null;
  private syncAgain = false;

  constructor(
    db: Db,
    private readonly engine: Engine,
    private readonly options: SupervisorOptions,
  ) {
    this.source = new RegistrationSource(db, { keyring: options.keyring, log: options.log });
    this.feed = new ChangeFeed(db);
    const handle = dbHandle(db);
    this.store = handle.dialect === 'sqlite' ? new StatusStore(handle.sqlite, options) : new AsyncStatusStore(db, options);
    this.log = toLogger(options.log);
    this.tests = new TestCommands(db, engine, options.keyring, this.log);
  }

  async start(): Promise<void> {
    this.engine.on('status', (s) => this.store.pushStatus(s));
    this.engine.on('trace', (t) => this.store.pushTrace(t));
    this.engine.on('retransmits', (r) => this.store.pushRetransmits(r));
    await this.feed.markLoaded();
    const loaded = await this.startFromPages();
    this.log.info(`registrar: ${loaded} registrations loaded`);
    this.every(this.options.pollMs ?? 250, () => this.sync());
    this.store.onError = (err) => this.log.error(`registrar: periodic task failed: ${err instanceof Error ? err.message : String(err)}`);
    this.every(this.options.flushMs ?? 50, async () => this.store.drain());
    this.every(HOUSEKEEPING_MS, () => this.housekeeping());
    this.removeWake =
      this.options.installWake?.(() =>
        setImmediate(() => {
          this.sync().catch((err: unknown) => this.log.error(`registrar: periodic task failed: ${err instanceof Error ? err.message : String(err)}`));
        }),
      ) ?? null;
  }

  /**
   * Reads the registrations page by page (RegistrationSource.pages) into the engine, which starts
   * each page's registrations as it comes, in slices (Engine.start): the first REGISTERs leave
   * while the rest are read, and neither the read nor the start blocks the event loop in one
   * piece. `where`: only the registrations matching it (a condition on the registrations and
   * ddi_providers tables, e.g. those this node holds). Returns how many were valid (an invalid
   * one is logged and skipped).
   */
  private async startFromPages(where?: SQL): Promise<number> {
    let valid = 0;
    const pages = this.source.pages({ where });
    const checked = (async function* (isValid: (c: RegistrationConfig) => boolean) {
      for await (const page of pages) {
        const ok = page.filter(isValid);
        valid += ok.length;
        yield ok;
      }
    })((c) => this.isValid(c));
    await this.engine.start(checked, { spreadMs: this.options.spreadMs, total: await this.source.count(where) });
    return valid;
  }

  /**
   * Applies journal entries: a changed registration is re-read and upserted or removed. A call
   * while a read is in progress makes one more read after it (the entry that woke it may be newer).
   */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        for (const change of await this.feed.take()) {
          try {
            await this.apply(change);
          } catch (err) {
            this.log.error(`registrar: registration ${change.registrationId} not applied: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      } while (this.syncAgain);
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async apply({ registrationId, command }: Change): Promise<void> {
    const id = String(registrationId);
    if (command === 'register') {
      this.engine.registerNow(id);
    } else if (command === 'unregister') {
      void this.engine.unregister(id);
    } else if (command === 'watch') {
      await this.store.watch(id, Date.now() + WATCH_LEASE_MS, this.engine.trace(id));
    } else if (command === 'test') {
      // "Test registration" from this engine's sockets; registrationId names the test_registrations row.
      void this.tests.run(registrationId);
    } else {
      const config = await this.source.load(registrationId);
      if (config) this.engine.upsert(config);
      else void this.engine.remove(id);
    }
  }

  /** Unregisters everything (bounded by `deadlineMs`) and writes the final statuses. */
  async stop(deadlineMs: number): Promise<void> {
    this.removeWake?.();
    this.removeWake = null;
    for (const t of this.timers) clearInterval(t);
    await this.sync();
    await this.tests.abort();
    await this.engine.stop(deadlineMs);
    await this.store.flush();
    await this.store.close();
  }

  private isValid(config: RegistrationConfig): boolean {
    try {
      validateConfig(config);
      return true;
    } catch (err) {
      this.log.warn(`registrar: registration ${config.id} skipped: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    await this.store.expire(now);
    await this.tests.expire(now);
    await this.feed.compact(now - HOUSEKEEPING_MS);
  }

  /**
   * A periodic task. An error (e.g. SQLITE_BUSY past busy_timeout) is logged, never thrown:
   * thrown from a timer it would be an uncaught exception (or an unhandled rejection) and take
   * down the whole process (the portal too, when the engine runs inside it). The next run tries
   * again; a run still in progress when the next is due makes that one skip.
   */
  private every(ms: number, fn: () => Promise<void>): void {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      fn()
        .catch((err: unknown) => this.log.error(`registrar: periodic task failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => (running = false));
    }, ms);
    t.unref();
    this.timers.push(t);
  }
}
