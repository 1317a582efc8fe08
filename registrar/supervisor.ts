// Keeps the engine in step with the portal database: a full load at start-up, then only the
// registrations named in the change journal (within `pollMs`, or at once when nudged from the
// same process). Persists statuses, the timeline of transitions and the SIP messages worth keeping
// through the StatusStore (see there), and applies `watch` leases: someone has a registration's
// SIP messages open, so they are written as they come.
import type Database from 'better-sqlite3';
import type { Keyring } from '../lib/secrets/key';
import type { Engine } from './engine';
import { validateConfig, type RegistrationConfig } from './registration/config';
import { ChangeFeed, type Change } from './store/change-feed';
import { RegistrationSource } from './store/registration-source';
import { TestCommands } from './store/test-commands';
import { StatusStore, type StatusStoreOptions } from './store/status-store';
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
  readonly store: StatusStore;
  private readonly source: RegistrationSource;
  private readonly feed: ChangeFeed;
  private readonly tests: TestCommands;
  private removeWake: (() => void) | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly log: Logger;

  constructor(
    sqlite: Database.Database,
    private readonly engine: Engine,
    private readonly options: SupervisorOptions,
  ) {
    this.source = new RegistrationSource(sqlite, { keyring: options.keyring, log: options.log });
    this.feed = new ChangeFeed(sqlite);
    this.store = new StatusStore(sqlite, options);
    this.log = toLogger(options.log);
    this.tests = new TestCommands(sqlite, engine, options.keyring, this.log);
  }

  async start(): Promise<void> {
    this.engine.on('status', (s) => this.store.pushStatus(s));
    this.engine.on('trace', (t) => this.store.pushTrace(t));
    this.engine.on('retransmits', (r) => this.store.pushRetransmits(r));
    this.feed.markLoaded();
    const configs = this.source.loadAll().filter((c) => this.isValid(c));
    await this.engine.start(configs, { spreadMs: this.options.spreadMs });
    this.log.info(`registrar: ${configs.length} registrations loaded`);
    this.every(this.options.pollMs ?? 250, () => this.sync());
    this.store.onError = (err) => this.log.error(`registrar: periodic task failed: ${err instanceof Error ? err.message : String(err)}`);
    this.every(this.options.flushMs ?? 50, () => this.store.drain());
    this.every(HOUSEKEEPING_MS, () => this.housekeeping());
    this.removeWake = this.options.installWake?.(() => setImmediate(() => this.sync())) ?? null;
  }

  /** Applies journal entries: a changed registration is re-read and upserted or removed. */
  sync(): void {
    for (const change of this.feed.take()) {
      try {
        this.apply(change);
      } catch (err) {
        this.log.error(`registrar: registration ${change.registrationId} not applied: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private apply({ registrationId, command }: Change): void {
    const id = String(registrationId);
    if (command === 'register') {
      this.engine.registerNow(id);
    } else if (command === 'unregister') {
      void this.engine.unregister(id);
    } else if (command === 'test') {
      // "Test registration" from this engine's sockets; registrationId names the test_registrations row.
      void this.tests.run(registrationId);
    } else if (command === 'watch') {
      this.store.watch(id, Date.now() + WATCH_LEASE_MS, this.engine.trace(id));
    } else {
      const config = this.source.load(registrationId);
      if (config) this.engine.upsert(config);
      else void this.engine.remove(id);
    }
  }

  /** Unregisters everything (bounded by `deadlineMs`) and writes the final statuses. */
  async stop(deadlineMs: number): Promise<void> {
    this.removeWake?.();
    this.removeWake = null;
    for (const t of this.timers) clearInterval(t);
    this.sync();
    await this.tests.abort();
    await this.engine.stop(deadlineMs);
    this.store.flush();
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

  private housekeeping(): void {
    const now = Date.now();
    this.store.expire(now);
    this.tests.expire(now);
    this.feed.compact(now - HOUSEKEEPING_MS);
  }

  /**
   * A periodic task. An error (e.g. SQLITE_BUSY past busy_timeout) is logged, never thrown:
   * thrown from a timer it would be an uncaught exception and take down the whole process
   * (the portal too, when the engine runs inside it). The next run tries again.
   */
  private every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      try {
        fn();
      } catch (err) {
        this.log.error(`registrar: periodic task failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }
}
