// Keeps the engine in step with the portal database: a full load at start-up, then only the
// registrations named in the change journal (within `pollMs`, or at once when nudged from the
// same process). Persists statuses, the timeline of transitions and the SIP messages worth keeping
// through the StatusStore (see there), and applies `watch` leases: someone has a registration's
// SIP messages open, so they are written as they come.
// Registrations are shared with the other engine nodes through leases (registrar/cluster/): this
// node registers only those it holds, every write names the lease token (fencing), and a clean
// stop hands them back when other nodes are alive (no un-REGISTER) or un-REGISTERs when it is the last.
import { performance } from 'node:perf_hooks';
import type { Db } from '../lib/db/client';
import type { Keyring } from '../lib/secrets/key';
import type { Engine } from './engine';
import { validateConfig, type RegistrationConfig } from './registration/config';
import { LeaseKeeper, type ClaimedLease, type LeaseHolder } from './cluster/lease-keeper';
import { ChangeFeed, type Change } from './store/change-feed';
import { LeaseStore } from './store/leases';
import { RegistrationSource } from './store/registration-source';
import { dbHandle } from '../lib/db/handle';
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
  /**
   * This engine node in the cluster: its id (engine_nodes.node_id) and lease, ms (REGISTRAR_LEASE_S).
   * `clock` (monotonic, default performance.now) bounds the sends of a lease; `now` (wall clock)
   * is compared with the other nodes' heartbeats.
   */
  lease: { nodeId: string; leaseMs: number; clock?: () => number; now?: () => number };
}

export interface SupervisorStopOptions {
  /**
   * Called before the leases are handed back to the other live nodes (start.ts: the heartbeat
   * says stopped, so they count this node out and claim its share at once).
   */
  beforeHandBack?: () => Promise<void>;
}

/** How long one `watch` journal entry keeps a registration's SIP messages written as they come (the page renews it every minute). */
export const WATCH_LEASE_MS = 3 * 60 * 1000;
const HOUSEKEEPING_MS = 10 * 60 * 1000;
/** Registrations read per query at start-up (a short query each: the event loop is never held long). */
const START_PAGE_ROWS = 500;

export class Supervisor {
  /** SQLite: status-store.ts (a worker thread with writeThread); PostgreSQL: the same on the asynchronous layer. */
  readonly store: StatusStore | AsyncStatusStore;
  private readonly source: RegistrationSource;
  private readonly feed: ChangeFeed;
  private readonly tests: TestCommands;
  /** The leases this node holds (registrar/cluster/lease-keeper.ts). */
  readonly leases: LeaseKeeper;
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
    const { nodeId, leaseMs, clock, now } = options.lease;
    this.leases = new LeaseKeeper(new LeaseStore(db, nodeId, leaseMs), this.holder(), {
      clock: clock ?? (() => performance.now()),
      now,
      log: this.log,
    });
    this.store.fencing = { token: (id) => this.leases.token(id), binding: (id) => this.engine.binding(id) };
  }

  /** What the lease keeper does to this node's registrations. */
  private holder(): LeaseHolder {
    return {
      adopt: async (leases) => {
        for (const config of await this.configsOf(leases)) this.engine.upsert(config);
      },
      drop: (ids) => new Map(ids.map((id) => [id, this.engine.drop(String(id))])),
      remove: async (ids) => {
        await Promise.all(ids.map((id) => this.engine.remove(String(id))));
      },
      resume: (ids) => {
        for (const id of ids) this.engine.registerNow(String(id));
      },
    };
  }

  /** The valid configs of claimed registrations, each resuming its binding where the previous owner left it. */
  private async configsOf(leases: readonly ClaimedLease[]): Promise<RegistrationConfig[]> {
    const resume = new Map(leases.map((l) => [l.registrationId, l.binding]));
    const configs = await this.source.loadMany(leases.map((l) => l.registrationId));
    // Object.assign, not a spread: a stored config opens its password through a getter (registration-source.ts).
    return configs.filter((c) => this.isValid(c)).map((c) => Object.assign(c, { resume: resume.get(Number(c.id)) ?? null }));
  }

  async start(): Promise<void> {
    this.engine.on('status', (s) => this.store.pushStatus(s));
    this.engine.on('trace', (t) => this.store.pushTrace(t));
    this.engine.on('retransmits', (r) => this.store.pushRetransmits(r));
    this.engine.setLeaseGate((id) => this.leases.mayRegister(id));
    await this.feed.markLoaded();
    // The SIP port first: leases still held under this node's id are taken back only by the process that holds its port.
    await this.engine.open();
    const claimed = await this.leases.claimInitial();
    const loaded = await this.startClaimed(claimed);
    this.log.info(`registrar: ${loaded} registrations loaded`);
    this.leases.run();
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
  /**
   * Starts the registrations of the leases claimed at start-up, read in pages of PAGE_ROWS by id
   * (sealed passwords opened at first use): the engine starts each page's registrations while the
   * next is read, so the first REGISTERs leave before the last rows are in (issue 12).
   */
  private async startClaimed(leases: readonly ClaimedLease[]): Promise<number> {
    const sorted = [...leases].sort((x, y) => x.registrationId - y.registrationId);
    let valid = 0;
    const pages = (async function* (self: Supervisor) {
      for (let i = 0; i < sorted.length; i += START_PAGE_ROWS) {
        const page = await self.configsOf(sorted.slice(i, i + START_PAGE_ROWS));
        valid += page.length;
        yield page;
      }
    })(this);
    await this.engine.start(pages, { spreadMs: this.options.spreadMs, total: sorted.length });
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
      if (this.leases.holds(id)) await this.store.watch(id, Date.now() + WATCH_LEASE_MS, this.engine.trace(id));
    } else if (command === 'test') {
      // "Test registration" from this engine's sockets; registrationId names the test_registrations row.
      void this.tests.run(registrationId);
    } else {
      const config = await this.source.load(registrationId);
      if (!config) {
        if (this.leases.holds(id)) void this.engine.remove(id).finally(() => this.leases.forget(registrationId));
      } else if (this.leases.holds(id)) {
        this.engine.upsert(config);
      } else {
        // A new registration (or one nobody holds): claimed if this node is below its share.
        const lease = await this.leases.claimNew(registrationId);
        if (lease && this.isValid(config)) this.engine.upsert(Object.assign(config, { resume: lease.binding }));
      }
    }
  }

  /**
   * Stops this node. With other live nodes: hands its leases back at once, nothing sent (the
   * bindings stay at the registrars; the node that claims each refreshes it under the same
   * Call-ID). As the last node: unregisters everything (bounded by `deadlineMs`), writes the
   * final statuses, and expires its leases (the next node to start claims them at once).
   */
  async stop(deadlineMs: number, { beforeHandBack }: SupervisorStopOptions = {}): Promise<void> {
    this.removeWake?.();
    this.removeWake = null;
    for (const t of this.timers) clearInterval(t);
    await this.sync();
    await this.tests.abort();
    await this.leases.halt();
    const handBack = this.leases.size > 0 && (await this.leases.othersAlive().catch(() => false));
    if (handBack) {
      await beforeHandBack?.();
      const released = await this.leases.handBack().catch((err: unknown) => {
        this.log.error(`registrar: leases not handed back (they expire in ${this.leases.leaseMs / 1000} s): ${err instanceof Error ? err.message : String(err)}`);
        return 0;
      });
      this.log.info(`registrar: ${released} registrations handed back to the other engine nodes (no un-REGISTER)`);
      await this.engine.stop(0);
    } else {
      await this.engine.stop(deadlineMs);
      await this.store.flush();
      await this.leases.releaseAll().catch((err: unknown) => {
        this.log.error(`registrar: leases not released (they expire in ${this.leases.leaseMs / 1000} s): ${err instanceof Error ? err.message : String(err)}`);
      });
    }
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
