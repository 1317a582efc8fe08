// One engine node's side of the cluster: which registrations it holds (the leases of
// store/leases.ts), kept every third of the lease:
//  1. renew: every lease held is renewed; one that is not (its row went to another node: a new
//     token) is LOST: its registration is stopped at once, nothing sent (no un-REGISTER: the binding
//     is the new owner's now), and nothing of it is written any more (fencing, below);
//  2. balance (cluster/balance.ts): with the live nodes (a heartbeat newer than one lease) sharing
//     the registrations, hand back what is above this node's share, claim what is missing from it.
// Fencing, twice:
//  - in the database: every status, timeline and trace write names the lease token it was made
//    under (token()) and is refused once the token is not current (store/status-writer.ts,
//    store/async-status-store.ts);
//  - on the wire: a REGISTER is sent only while this node's lease is surely valid (mayRegister):
//    until the time the last renewal was sent plus the lease, less a margin for the request in
//    flight. A node paused (SIGSTOP, a long GC, a stalled database) past its lease sends nothing
//    when it wakes: its registrations wait until a renewal says they are still its own (resumed)
//    or someone else's (dropped).
import type { BindingState } from '../registration/config';
import type { Logger } from '../util/log';
import { balanceStep, shareOf } from './balance';

/** A lease this node obtained: its fencing token and where the previous owner left the binding (null: never registered). */
export interface ClaimedLease {
  registrationId: number;
  token: number;
  binding: BindingState | null;
}

/** The lease rows in the database (registrar/store/leases.ts). */
export interface LeaseRows {
  readonly nodeId: string;
  readonly leaseMs: number;
  claim(max: number, options?: { own?: boolean }): Promise<ClaimedLease[]>;
  claimOne(id: number): Promise<ClaimedLease | null>;
  renew(): Promise<Map<number, number>>;
  release(leases: ReadonlyArray<{ registrationId: number; token: number; binding: BindingState | null }>): Promise<number>;
  missing(ids: readonly number[]): Promise<number[]>;
  liveNodes(now: number): Promise<number>;
  registrationCount(): Promise<number>;
}

/** What the keeper asks of the node's registrations (the Supervisor). */
export interface LeaseHolder {
  /** Start registering these, continuing each binding where its previous owner left it. */
  adopt(leases: readonly ClaimedLease[]): Promise<void>;
  /** Stop these at once, nothing sent; their bindings as last sent (for the next owner). */
  drop(ids: readonly number[]): Map<number, BindingState | null>;
  /** Remove these (their registration was deleted): un-REGISTER while the lease lasts. */
  remove(ids: readonly number[]): Promise<void>;
  /** Send the REGISTER the gate held back (the lease was renewed meanwhile). */
  resume(ids: readonly number[]): void;
}

export interface LeaseKeeperOptions {
  /** Monotonic ms (the gate's clock; tests: the fake clock). */
  clock: () => number;
  /** Wall clock ms, as heartbeats are written (live nodes). */
  now?: () => number;
  log: Logger;
  /** Margin before the lease's end after which no REGISTER is sent (default min(1 s, lease / 4)). */
  safetyMs?: number;
}

interface Held {
  token: number;
  /** No REGISTER after this (clock()). */
  validUntil: number;
}

export class LeaseKeeper {
  private readonly held = new Map<number, Held>();
  /** Held registrations whose REGISTER the gate refused (resumed after the next renewal). */
  private readonly blocked = new Set<number>();
  private readonly safetyMs: number;
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticking: Promise<void> | null = null;
  /** Claims, renewals and hand-backs run one at a time: each compares what the database answered with `held`. */
  private queue: Promise<unknown> = Promise.resolve();
  /** This node's share and the live nodes as of the last balance (journal claims stay within it). */
  private target = Infinity;
  private live = 1;
  readonly counters = { claimed: 0, released: 0, lost: 0, refusedSends: 0 };

  constructor(
    private readonly store: LeaseRows,
    private readonly holder: LeaseHolder,
    private readonly options: LeaseKeeperOptions,
  ) {
    this.safetyMs = options.safetyMs ?? Math.min(1000, Math.floor(store.leaseMs / 4));
    this.now = options.now ?? Date.now;
  }

  get leaseMs(): number {
    return this.store.leaseMs;
  }

  /** Every third of the lease (at least 250 ms). */
  get tickMs(): number {
    return Math.max(250, Math.floor(this.store.leaseMs / 3));
  }

  /** Registrations held now. */
  get size(): number {
    return this.held.size;
  }

  /** The lease token held for registration `id`, or null when it is not this node's. */
  token(id: string | number): number | null {
    return this.held.get(Number(id))?.token ?? null;
  }

  holds(id: string | number): boolean {
    return this.held.has(Number(id));
  }

  /**
   * The gate in front of every REGISTER of the node: true while the lease of `id` is surely
   * valid. A held registration refused here is resumed after the next renewal.
   */
  mayRegister(id: string): boolean {
    const n = Number(id);
    const h = this.held.get(n);
    if (h && h.validUntil > this.options.clock()) return true;
    this.counters.refusedSends++;
    if (h) this.blocked.add(n);
    return false;
  }

  /**
   * The leases to start with: this node's own from a previous process (same node id), then up to
   * its share of the rest. The caller starts registering them; tick() runs every tickMs after run().
   */
  async claimInitial(): Promise<ClaimedLease[]> {
    const sent = this.options.clock();
    const [total, live] = [await this.store.registrationCount(), await this.store.liveNodes(this.now())];
    const { target } = balanceStep(0, total, live);
    this.target = target;
    this.live = live;
    const leases = await this.store.claim(target, { own: true });
    this.take(leases, sent);
    return leases;
  }

  /** Claims a registration just created (journal) if nobody holds it and this node is below its share. */
  claimNew(id: number): Promise<ClaimedLease | null> {
    return this.exclusive(() => this.claimOne(id));
  }

  private async claimOne(id: number): Promise<ClaimedLease | null> {
    if (this.held.has(id)) return null;
    this.target = shareOf(await this.store.registrationCount(), this.live);
    if (this.held.size >= this.target) return null;
    const sent = this.options.clock();
    const lease = await this.store.claimOne(id);
    if (lease) this.take([lease], sent);
    return lease;
  }

  /** Forgets a registration that was deleted (its lease row went with it). */
  forget(id: number): void {
    this.held.delete(id);
    this.blocked.delete(id);
  }

  run(): void {
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = this.tick()
        .catch((err: unknown) => this.options.log.error(`registrar: lease renewal failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => (this.ticking = null));
    }, this.tickMs);
    this.timer.unref();
  }

  /** Stops the periodic renewal (waits for one in progress). */
  async halt(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** Renew, then balance (see the top of the file). */
  tick(): Promise<void> {
    return this.exclusive(() => this.renewAndBalance());
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async renewAndBalance(): Promise<void> {
    const sent = this.options.clock();
    const renewed = await this.store.renew();
    const lost: number[] = [];
    for (const [id, h] of this.held) {
      if (renewed.get(id) === h.token) h.validUntil = sent + this.store.leaseMs - this.safetyMs;
      else lost.push(id);
    }
    // Rows under our id that this process does not run (a claim whose answer was lost): handed back.
    const strays = [...renewed].filter(([id, token]) => this.held.get(id)?.token !== token).map(([registrationId, token]) => ({ registrationId, token, binding: null }));
    if (strays.length > 0) await this.store.release(strays);
    if (lost.length > 0) await this.lose(lost);
    const resumable = [...this.blocked].filter((id) => this.held.has(id));
    this.blocked.clear();
    if (resumable.length > 0) this.holder.resume(resumable);
    await this.balance(sent);
  }

  /**
   * Leases not renewed: taken by another node (stopped, nothing sent), or gone with their
   * registration (deleted: un-REGISTERed, as the supervisor would on the journal entry).
   */
  private async lose(ids: number[]): Promise<void> {
    const gone = new Set(await this.store.missing(ids));
    const taken = ids.filter((id) => !gone.has(id));
    for (const id of taken) this.forget(id);
    if (taken.length > 0) {
      this.counters.lost += taken.length;
      this.holder.drop(taken);
      const named = taken.slice(0, 3).join(', ') + (taken.length > 3 ? ', …' : '');
      this.options.log.warn(`registrar: ${taken.length} registration leases taken over by another node: stopped here, nothing sent (registrations ${named})`);
    }
    if (gone.size > 0) {
      // Not awaited: an un-REGISTER may take Timer F; the gate lets it through while the lease lasts.
      void this.holder.remove([...gone]).finally(() => {
        for (const id of gone) this.forget(id);
      });
    }
  }

  private async balance(sent: number): Promise<void> {
    const total = await this.store.registrationCount();
    const live = await this.store.liveNodes(this.now());
    const step = balanceStep(this.held.size, total, live);
    this.target = step.target;
    this.live = live;
    if (step.release > 0) {
      // The newest claims go first (highest ids: claims take the lowest free ids first).
      const ids = [...this.held.keys()].sort((a, b) => b - a).slice(0, step.release);
      await this.release(ids);
      this.options.log.info(`registrar: ${ids.length} registrations handed back to balance ${live} nodes (share ${step.target} of ${total})`);
    } else if (step.claim > 0) {
      const leases = await this.store.claim(step.claim);
      if (leases.length === 0) return;
      this.take(leases, sent);
      await this.holder.adopt(leases);
    }
  }

  /**
   * Hands leases back at once: the registrations stop (nothing sent, no retransmission), then the
   * leases expire with the bindings as last sent, for the node that claims them next.
   */
  handBack(ids?: readonly number[]): Promise<number> {
    return this.exclusive(() => this.release(ids ?? [...this.held.keys()]));
  }

  private async release(ids: readonly number[]): Promise<number> {
    const bindings = this.holder.drop(ids);
    const leases = ids.flatMap((id) => {
      const h = this.held.get(id);
      return h ? [{ registrationId: id, token: h.token, binding: bindings.get(id) ?? null }] : [];
    });
    let released: number;
    try {
      released = await this.store.release(leases);
    } finally {
      // Forgotten after the hand-back: statuses still queued are written under the token until another node claims them.
      for (const id of ids) this.forget(id);
    }
    this.counters.released += released;
    return released;
  }

  /** Expires every lease still held, bindings as the final statuses left them (after the un-REGISTERs of the last node). */
  releaseAll(): Promise<number> {
    return this.exclusive(async () => {
      const leases = [...this.held].map(([registrationId, h]) => ({ registrationId, token: h.token, binding: null }));
      this.held.clear();
      this.blocked.clear();
      return this.store.release(leases);
    });
  }

  /** Other live nodes than this one. */
  async othersAlive(): Promise<boolean> {
    return (await this.store.liveNodes(this.now())) > 1;
  }

  private take(leases: readonly ClaimedLease[], sent: number): void {
    for (const l of leases) this.held.set(l.registrationId, { token: l.token, validUntil: sent + this.store.leaseMs - this.safetyMs });
    this.counters.claimed += leases.length;
  }
}
