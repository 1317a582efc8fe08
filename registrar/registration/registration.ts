// One REGISTER client binding (RFC 3261 §10.2) as a state machine:
//
//   pending → registering → registered ⟲ (refresh stays 'registered')
//                 ↓  ↑          ↓
//        retrying / rejected ←──┘         any → unregistering → unregistered | disabled
//
// Each REGISTER "exchange" covers target failover (RFC 3263 §4.3), digest
// challenges (§22.2), 423 Min-Expires (§10.2.8) and 3xx redirects (§8.1.3.4).
//
// What 'registered' promises is kept true:
//  - at `expiresAt` without a successful refresh the state becomes `retrying`
//    (cause `expired`); refreshes go to the last server that answered first;
//  - a binding audit every `bindingCheckMs` asks the registrar for its
//    bindings (REGISTER without Contact, §10.2.3) and re-registers at once
//    (cause `binding-lost`) when ours is not among them;
//  - a lost TCP/TLS flow re-registers at once (cause `connection-closed`).
import { TAKEOVER_CSEQ_GAP } from './cseq-gap';
import type { SipError } from '../errors';
import type { SipResponse } from '../message/types';
import { formatUri, type SipUri } from '../message/uri';
import type { Scheduler, ScheduledTask } from '../scheduler';
import type { ClientTransaction, TransactionResult } from '../transaction/client-transaction';
import type { FlowSlot, TransactionLayer } from '../transaction/layer';
import { formatTarget, targetLabel, type Transport, type TransportProtocol, type TransportSetting, type TransportTarget } from '../transport/types';
import { randomHex, type RandomSource } from '../util/random';
import { AuthSession } from './auth-session';
import { requestUriOf, type BindingState, type RegistrationConfig } from './config';
import { buildRegister, contactUri } from './register-request';
import { auditVerdict, leftoverContacts } from './binding-audit';
import { grantedExpiry, minExpires, redirectTarget, retryAfterMs } from './response-info';
import type { BindingCheckCounters, LocalCause, RegistrationState, RegistrationStatus, TraceEntry } from './status';
import { backoffDelayMs, refreshDelayMs, rejectedDelayMs, type RetryPolicy } from './timing';
import { TraceRing } from './trace-ring';

/** What a registration needs from the engine. */
export interface RegistrationDeps {
  scheduler: Scheduler;
  layer: TransactionLayer;
  transports: Partial<Record<TransportProtocol, Transport>>;
  /** RFC 3263 targets of a URI; with `auto` each carries the transport DNS chose (Via and Contact follow it). */
  targets: {
    resolve(uri: SipUri, transport: TransportSetting): Promise<readonly TransportTarget[]>;
    /** resolve()'s answer when it is cached (TargetCache.resolveNow), else null: no promise per REGISTER. */
    resolveNow?(uri: SipUri, transport: TransportSetting): readonly TransportTarget[] | null;
  };
  policy: RetryPolicy;
  random: RandomSource;
  /** SIP_PUBLIC_HOST for the target's family, or null: the local address towards it. */
  publicHost(target: TransportTarget): string | null;
  publicPort: number | null;
  /**
   * Contact port over TCP/TLS: the engine's SIP port of the target's family (`host`), not
   * the connection's ephemeral one, so the Contact survives reconnects.
   */
  streamContactPort(protocol: 'tcp' | 'tls', host: string): number;
  userAgent: string;
  maxRedirects: number;
  /** Binding audit interval, ms (0: off). */
  bindingCheckMs: number;
  /** Servers this engine may send to (null: any); the others are never sent a message. */
  allowTarget: ((target: TransportTarget) => boolean) | null;
  /** Audit outcomes, shared by every registration of the engine. */
  bindingChecks: BindingCheckCounters;
  /** Timer F (64·T1): what one unanswered server costs a failover. */
  timerFMs: number;
  traceSize: number;
  traceBytes: number;
  onStatus(status: RegistrationStatus): void;
  /** `ring` and `entry`: where this registration keeps the message (null: not kept), for TraceEvent.persisted. */
  onTrace(registrationId: string, direction: TraceEntry['direction'], at: number, remote: string, text: string, ring?: TraceRing | null, entry?: TraceEntry | null): void;
  /** The request traced at `at` was retransmitted at these times (ms after `at`), told once its transaction ended. */
  onRetransmits(registrationId: string, at: number, retransmits: number[]): void;
  /**
   * The gate in front of every request (registrar/cluster/lease-keeper.ts): false when this node
   * may no longer be the registration's owner; the exchange then stops, nothing sent, state kept,
   * until registerNow() (absent: always true).
   */
  mayRegister?: ((registrationId: string) => boolean) | null;
}

type Outcome =
  | { kind: 'success'; response: SipResponse; contact: string | null }
  | { kind: 'failure'; rejected: boolean; code: number | null; reason: string; retryAfterMs: number | null }
  | { kind: 'superseded' }
  | { kind: 'fenced' };

const SUPERSEDED: Outcome = { kind: 'superseded' };
const FENCED: Outcome = { kind: 'fenced' };
/** Bounds digest round trips inside one exchange (stale nonces, proxy + registrar). */
const MAX_AUTH_ROUNDS = 4;
/** Bounds consecutive 423 retries inside one exchange. */
const MAX_INTERVAL_RETRIES = 3;
/** Servers whose Timer F the refresh margin covers (RFC 3263 failover before the binding lapses). */
const FAILOVER_BUDGET_TARGETS = 3;
/**
 * Refreshes and binding audits fall due on 100 ms steps of the clock (Scheduler.afterOnGrid), so
 * those falling in one step go out in one timer turn rather than one process wake-up each: a
 * refresh at most 100 ms later than computed (far inside its margin), an audit at most 100 ms
 * earlier (never past its interval).
 */
const REFRESH_GRID_MS = 100;
/** Shared by every registration without stale Contacts (nearly all: an array each is 32 bytes). */
const NO_CONTACTS: readonly string[] = Object.freeze([]);

/**
 * How this registrar answers binding queries: 'unknown' until it lists our Contact
 * ('lists'), or until it showed it does not ('refresh': the audit refreshes instead).
 */
type QueryMode = 'unknown' | 'lists' | 'refresh';

const CAUSES: Partial<Record<string, LocalCause>> = {
  E_TIMEOUT: 'timeout',
  E_DNS: 'dns',
  E_NO_IPV4: 'no-ipv4',
  E_NO_IPV6: 'no-ipv6',
  E_TRANSPORT: 'transport',
  E_TLS_UNTRUSTED: 'tls-untrusted',
  E_TLS_EXPIRED: 'tls-expired',
  E_TLS_HOSTNAME: 'tls-hostname',
  E_TLS_HANDSHAKE: 'tls-handshake',
  E_AUTH_REALM: 'auth-realm',
  E_AUTH_UNSUPPORTED: 'auth-unsupported',
  E_PARSE: 'bad-response',
  E_CLOSED: 'closed',
  E_CONFIG: 'config',
};

export function localCause(err: unknown): LocalCause {
  return CAUSES[(err as SipError | null)?.code ?? ''] ?? 'transport';
}

export class Registration {
  readonly id: string;
  private config: RegistrationConfig;
  private readonly requestUri: SipUri;
  private readonly requestUriText: string;
  private readonly aor: string;
  private readonly callId: string;
  private readonly fromTag = randomHex(8);
  private cseq: number;
  /**
   * Contacts of engine nodes that held this registration before us, still bound: removed by our
   * next REGISTER (`;expires=0` next to our own Contact) unless one is ours; empty once removed.
   */
  private staleContacts: readonly string[];
  /** Taken over: the first 2xx is searched for leftover Contacts of our DDI (binding-audit.ts leftoverContacts). */
  private sweepLeftovers: boolean;
  private readonly ring: TraceRing;

  private state: RegistrationState;
  private code: number | null = null;
  private reason: string | null = null;
  private at: number;
  private attempts = 0;
  private requestedExpires: number;
  private grantedExpires: number | null = null;
  private expiresAt: number | null = null;
  private nextAttemptAt: number | null = null;
  private target: string | null = null;
  private lastSuccessAt: number | null = null;

  /** Incremented by every operation; stale async continuations compare and bail. */
  private op = 0;
  /** A REGISTER exchange is running (its request may be waiting for the congestion window). */
  private inFlight = false;
  /** Contact of the last REGISTER sent with a non-zero expiry. */
  private lastContact: string | null = null;
  /** The request in flight (abandoned by dispose(): no retransmission after it). */
  private inFlightTx: ClientTransaction | null = null;
  /** Next refresh or retry. */
  private timer: ScheduledTask | null = null;
  /** Fires at `expiresAt` while registered. */
  private expiryTimer: ScheduledTask | null = null;
  /** Next binding audit while registered. */
  private checkTimer: ScheduledTask | null = null;
  /** The exchange in flight is a binding query (a REGISTER supersedes it). */
  private checking = false;
  private queryMode: QueryMode = 'unknown';
  /** A query was answered without any Contact once, before the registrar ever listed ours. */
  private contactlessOnce = false;
  /** Server of the last successful exchange: tried first next time, and the flow a lost connection is matched against. */
  private lastGood: TransportTarget | null = null;
  /** Servers resolved for the last exchange (sizes the refresh margin). */
  private targetCount = 1;
  private lastNote: string | null = null;
  /** Digest state of the last successful exchange with `lastGood`: the next one answers preemptively. */
  private lastAuth: AuthSession | null = null;
  /** Request-URI from a 3xx Contact that led to a success: later exchanges start there until it fails (RFC 3263 §4.3). */
  private keptRedirect: SipUri | null = null;
  /** Room in the first server's window, taken by begin() for exchange `op`'s first request. */
  private parked: { slot: FlowSlot; op: number } | null = null;

  constructor(
    config: RegistrationConfig,
    private readonly deps: RegistrationDeps,
  ) {
    this.id = config.id;
    this.config = config;
    const resume = config.resume ?? null;
    this.callId = resume?.callId ?? randomHex(16);
    this.cseq = resume ? resume.cseq + TAKEOVER_CSEQ_GAP : 0;
    this.staleContacts = resume?.contact ? [resume.contact] : NO_CONTACTS;
    this.sweepLeftovers = resume !== null;
    this.requestUri = requestUriOf(config);
    this.requestUriText = formatUri(this.requestUri);
    this.aor = `sip:${config.username}@${config.domain}`;
    this.requestedExpires = config.expires;
    this.ring = new TraceRing(deps.traceSize, deps.traceBytes);
    this.at = deps.scheduler.now();
    this.state = config.enabled ? 'pending' : 'disabled';
  }

  get currentConfig(): RegistrationConfig {
    return this.config;
  }

  get currentState(): RegistrationState {
    return this.state;
  }

  status(): RegistrationStatus {
    return {
      registrationId: this.id,
      state: this.state,
      code: this.code,
      reason: this.reason,
      at: this.at,
      attempts: this.attempts,
      requestedExpires: this.requestedExpires,
      grantedExpires: this.grantedExpires,
      expiresAt: this.expiresAt,
      nextAttemptAt: this.nextAttemptAt,
      target: this.target,
      lastSuccessAt: this.lastSuccessAt,
    };
  }

  /** The binding as sent so far (persisted with each status, for the node that may take it over). */
  binding(): BindingState {
    return { callId: this.callId, cseq: this.cseq, contact: this.lastContact ?? this.staleContacts[0] ?? null };
  }

  trace(): ReturnType<TraceRing['entries']> {
    return this.ring.entries();
  }

  /** Applies a config change that keeps the same binding (e.g. expires); used from the next REGISTER. */
  updateSettings(config: RegistrationConfig): void {
    this.config = config;
    this.requestedExpires = config.expires;
  }

  /** Schedules the first REGISTER after `delayMs`, or on the first `gridMs` step after that (state `pending`). */
  start(delayMs: number, gridMs = 0): void {
    this.cancelTimer();
    this.transition('pending', {});
    this.schedule(delayMs, gridMs);
  }

  /**
   * Sends a REGISTER unless one is already in flight. Flow control is the transaction
   * layer's: the request waits for the destination's congestion window.
   */
  registerNow(): void {
    if ((this.inFlight && !this.checking) || this.state === 'unregistering') return;
    this.cancelTimer();
    this.cancelCheck();
    this.op++;
    this.inFlight = true;
    this.checking = false;
    // A refresh of a live binding stays 'registered' (no flicker).
    if (this.state !== 'registered') this.transition('registering', { nextAttemptAt: null });
    Registration.begin(this);
  }

  /**
   * Removes our binding (REGISTER with Expires: 0 for our Contact, §10.2.2)
   * when the server may hold one, then settles in `finalState`.
   */
  async unregister(finalState: 'unregistered' | 'disabled'): Promise<void> {
    const now = this.deps.scheduler.now();
    const bound = (this.lastContact !== null && (this.inFlight || (this.expiresAt !== null && this.expiresAt > now))) || this.staleContacts.length > 0;
    this.cancelTimer();
    this.cancelCheck();
    this.cancelExpiry();
    const op = ++this.op;
    this.inFlight = false;
    this.checking = false;
    const cleared = { grantedExpires: null, expiresAt: null, nextAttemptAt: null, attempts: 0 };
    if (!bound) {
      this.transition(finalState, cleared);
      return;
    }
    this.transition('unregistering', { nextAttemptAt: null });
    let outcome: Outcome;
    try {
      outcome = await this.exchange(op, 0);
    } catch (err) {
      outcome = { kind: 'failure', rejected: false, code: null, reason: localCause(err), retryAfterMs: null };
    }
    if (outcome.kind === 'superseded') return;
    if (outcome.kind === 'fenced') {
      this.fenced();
      return;
    }
    this.lastContact = null;
    this.staleContacts = NO_CONTACTS;
    const result = outcome.kind === 'success' ? { code: outcome.response.status, reason: outcome.response.reason } : { code: outcome.code, reason: outcome.reason };
    this.transition(finalState, { ...cleared, ...result });
  }

  /** Stops timers and abandons any exchange in flight (no messages sent, not even a retransmission). */
  dispose(): void {
    this.inFlightTx?.abandon();
    this.inFlightTx = null;
    this.fenced();
  }

  /** Whether our binding was made over this TCP/TLS flow. */
  usesFlow(remote: { transport: TransportProtocol; host: string; port: number }): boolean {
    const t = this.lastGood;
    return t !== null && t.transport === remote.transport && t.host === remote.host && t.port === remote.port;
  }

  /**
   * The connection carrying our binding was closed or reset by the far end (or stopped
   * answering keep-alives): the registrar dropped the flow, and with it, for many, the
   * binding. Register again at once. An exchange in flight fails over by itself.
   */
  connectionLost(): void {
    if (this.state !== 'registered' || (this.inFlight && !this.checking)) return;
    this.transition('retrying', { code: null, reason: 'connection-closed' });
    this.registerNow();
  }

  /**
   * Runs the exchange registerNow() (or the audit) asked for, once the first server's congestion
   * window has room: a registration waiting for it is one callback in the window's queue, not a
   * suspended exchange (a start-up burst queues thousands). The slot waits in `parked` for the
   * exchange's first request. When the server is not known yet (a lookup under way), the
   * exchange starts now and waits for the window itself.
   */
  private static begin(reg: Registration): void {
    const target = reg.firstTargetNow();
    if (!target) {
      Registration.launch(reg, reg.op);
      return;
    }
    const op = reg.op;
    const { layer } = reg.deps;
    // Called now when the window has room, else on the layer's next turn after a response freed
    // a slot (TransactionLayer.nextTurn); a slot given back (superseded, or nothing sent) frees room again.
    layer.whenAdmitted(target, false, (slot) => {
      if (op !== reg.op) {
        layer.release(slot); // superseded while it waited
        return;
      }
      reg.parked = { slot, op };
      Registration.launch(reg, op);
    });
  }

  private static launch(reg: Registration, op: number): void {
    const work = reg.checking ? reg.runCheck(op) : reg.run(op);
    work.catch((err: unknown) => {
      if (op !== reg.op) return;
      if (reg.checking) reg.checkFailed(localCause(err), null);
      else reg.fail(localCause(err), null, null, false);
    });
  }

  private async run(op: number): Promise<void> {
    const outcome = await this.exchange(op, this.requestedExpires);
    if (outcome.kind === 'superseded') return;
    if (outcome.kind === 'fenced') {
      this.fenced();
      return;
    }
    this.inFlight = false;
    if (outcome.kind === 'failure') {
      this.fail(outcome.reason, outcome.code, outcome.retryAfterMs, outcome.rejected);
      return;
    }
    const now = this.deps.scheduler.now();
    const granted = grantedExpiry(outcome.response, outcome.contact as string, this.requestedExpires);
    if (granted === null) {
      // A 2xx that does not bind us is no success (the response stays in the trace).
      this.fail('binding-missing', null, retryAfterMs(outcome.response), false);
      return;
    }
    const failoverMs = this.deps.timerFMs * Math.min(this.targetCount, FAILOVER_BUDGET_TARGETS);
    const delay = refreshDelayMs(granted, this.deps.policy, this.deps.random, failoverMs);
    // On the grid only with room before the expiry (a grant of a second or two is refreshed at its computed time).
    this.schedule(delay, granted * 1000 - delay > 2 * REFRESH_GRID_MS ? REFRESH_GRID_MS : 0);
    this.scheduleExpiry(granted * 1000);
    this.scheduleCheck(true);
    this.transition('registered', {
      code: outcome.response.status,
      reason: outcome.response.reason,
      attempts: 0,
      grantedExpires: granted,
      expiresAt: now + granted * 1000,
      nextAttemptAt: this.nextAttemptAt,
      lastSuccessAt: now,
    });
    if (this.sweepLeftovers) {
      this.sweepLeftovers = false;
      const leftovers = leftoverContacts(outcome.response, outcome.contact as string, this.config.ddi);
      if (leftovers.length > 0) {
        this.note(`Taken over from another engine node: removing its leftover Contact${leftovers.length > 1 ? 's' : ''} ${leftovers.join(', ')} (expires=0).`);
        this.staleContacts = leftovers;
        this.registerNow();
      }
    }
  }

  /**
   * The gate refused a request: this node may have lost the registration to another. Nothing
   * more is sent, no timer runs and the state is left as it is (the owner writes the statuses)
   * until registerNow() (the lease was renewed after all) or dispose() (it was not).
   */
  private fenced(): void {
    this.op++;
    this.inFlight = false;
    this.checking = false;
    this.cancelTimer();
    this.cancelCheck();
    this.cancelExpiry();
  }

  private fail(reason: string, code: number | null, retryAfter: number | null, rejected: boolean): void {
    this.inFlight = false;
    this.cancelCheck();
    this.cancelExpiry();
    const attempts = this.attempts + 1;
    const { policy, random } = this.deps;
    // §21.5.4/§20.33: a Retry-After is honoured as given (capped at a day), for any status.
    const delay = rejected ? rejectedDelayMs(policy, random, retryAfter) : backoffDelayMs(attempts, retryAfter, policy, random);
    this.schedule(delay);
    this.transition(rejected ? 'rejected' : 'retrying', { code, reason, attempts, nextAttemptAt: this.deps.scheduler.now() + delay });
  }

  /**
   * The binding audit's answer (RFC 3261 §10.2.3: a 2xx to a query lists every
   * current binding of the AOR). Ours listed → keep going; missing → lost,
   * register again at once. A registrar that does not answer queries usefully
   * never makes a binding look lost: the audit refreshes instead, and says so.
   */
  private async runCheck(op: number): Promise<void> {
    const outcome = await this.exchange(op, 0, true);
    if (outcome.kind === 'superseded') return;
    if (outcome.kind === 'fenced') {
      this.fenced();
      return;
    }
    this.inFlight = false;
    this.checking = false;
    if (outcome.kind === 'failure') {
      this.checkFailed(outcome.reason, outcome.code);
      return;
    }
    const verdict = auditVerdict(outcome.response, this.lastContact);
    const counters = this.deps.bindingChecks;
    if (verdict === 'listed') {
      counters.listed++;
      this.queryMode = 'lists';
      this.contactlessOnce = false;
      this.scheduleCheck(false);
      return;
    }
    if (verdict === 'missing' || this.queryMode === 'lists') {
      counters.lost++;
      this.bindingLost();
      return;
    }
    counters.contactless++;
    // A 2xx without any Contact from a registrar that never listed ours: it may have lost
    // every binding of the AOR, or it may not list bindings at all. A refresh settles the
    // first; the same answer again right after it settles the second.
    if (this.contactlessOnce) {
      this.queryMode = 'refresh';
      this.note(`Binding query answered ${outcome.response.status} without any Contact again: this registrar does not list bindings, so the audit refreshes the registration every ${this.checkSeconds()} s instead.`);
    } else {
      this.contactlessOnce = true;
      this.note(`Binding query answered ${outcome.response.status} without any Contact: refreshing the registration to be sure it is bound.`);
    }
    this.registerNow();
  }

  private checkFailed(reason: string, code: number | null): void {
    this.inFlight = false;
    this.checking = false;
    if (this.state !== 'registered') return;
    if (code !== null) {
      this.deps.bindingChecks.refused++;
      this.queryMode = 'refresh';
      this.note(`Binding query answered ${code} ${reason}: this registrar does not answer queries, so the audit refreshes the registration every ${this.checkSeconds()} s instead.`);
    } else {
      this.deps.bindingChecks.failed++;
      this.note(`Binding query failed (${reason}): refreshing the registration instead.`);
    }
    this.registerNow();
  }

  /** Our Contact is gone from the registrar: say so, and register again at once. */
  private bindingLost(): void {
    this.cancelExpiry();
    this.transition('retrying', { code: null, reason: 'binding-lost', grantedExpires: null, expiresAt: null });
    this.registerNow();
  }

  /**
   * One logical REGISTER: resolves, sends, follows challenges/redirects, fails over.
   * Its first request queues behind other registrations' in the destination's
   * congestion window; the requests within it (digest answers, 423 retries,
   * redirects, failover) and un-REGISTERs are urgent: they go first, so exchanges
   * under way finish (and shutdown un-REGISTERs are not starved by new REGISTERs).
   */
  private async exchange(op: number, expires: number, query = false): Promise<Outcome> {
    try {
      const kept = this.keptRedirect;
      if (kept) {
        const outcome = await this.exchangeFrom(kept, op, expires, query);
        if (outcome.kind !== 'failure' || op !== this.op) return outcome;
        // The kept redirect target failed: forget it, and start over at the configured Request-URI.
        if (this.keptRedirect === kept) this.keptRedirect = null;
      }
      return await this.exchangeFrom(this.requestUri, op, expires, query);
    } finally {
      // A slot begin() took for this exchange that no request used (the lookup failed, superseded): given back.
      const unused = this.parked;
      if (unused && unused.op === op) {
        this.parked = null;
        this.deps.layer.release(unused.slot);
      }
    }
  }

  /**
   * The server a new exchange would send to first, when that is known without waiting (an IP
   * literal, or a lookup cached and done), else null. The same choice as exchangeFrom's; an SRV
   * draw may differ, and then the slot taken for this one is given back (takeParked).
   */
  private firstTargetNow(): TransportTarget | null {
    let targets = this.deps.targets.resolveNow?.(this.keptRedirect ?? this.requestUri, this.config.transport);
    if (!targets) return null;
    const { transports } = this.deps;
    if (this.config.transport === 'auto') targets = targets.filter((t) => transports[t.transport] !== undefined);
    targets = this.allowed(targets);
    return targets.length === 0 ? null : this.lastGoodFirst(targets)[0];
  }

  /** The slot begin() took for exchange `op`, if it is room in `target`'s window; a slot for another server is given back. */
  private takeParked(target: TransportTarget, op: number): FlowSlot | null {
    const parked = this.parked;
    if (!parked || parked.op !== op) return null;
    this.parked = null;
    if (this.deps.layer.slotFor(parked.slot, target)) return parked.slot;
    this.deps.layer.release(parked.slot);
    return null;
  }

  private async exchangeFrom(start: SipUri, op: number, expires: number, query: boolean): Promise<Outcome> {
    const { layer, transports } = this.deps;
    let requestUri = start;
    let uriText = start === this.requestUri ? this.requestUriText : formatUri(start);
    /** Request-URIs of this exchange, lower-case, made on its first redirect (nearly every exchange has none). */
    let visited: Set<string> | null = null;
    let targets: readonly TransportTarget[];
    try {
      // A refresh finds everything it waits for ready (the lookup cached, the local address known,
      // room in the window) and takes it without an await each: fewer promises and microtask turns per REGISTER.
      targets = this.deps.targets.resolveNow?.(requestUri, this.config.transport) ?? (await this.deps.targets.resolve(requestUri, this.config.transport));
    } catch (err) {
      return failure(null, localCause(err), null);
    }
    // `auto` may name transports this engine has none of (an engine built with UDP only): skipped.
    if (this.config.transport === 'auto') targets = targets.filter((t) => transports[t.transport] !== undefined);
    if (targets.length === 0) return failure(null, 'config', null);
    targets = this.allowed(targets);
    if (targets.length === 0) return failure(null, 'denied', null);
    targets = this.lastGoodFirst(targets);
    this.targetCount = targets.length;
    // Preemptive credentials (the last nonce, nc + 1) for the server that answered last: a
    // refresh, query or un-REGISTER costs one round trip where the registrar allows it.
    let auth = this.lastAuth && this.isLastGood(targets[0]) ? this.lastAuth.reuse() : this.newAuthSession();
    let index = 0;
    let redirects = 0;
    let authRounds = 0;
    let intervalRetries = 0;
    let requested = expires;
    let last: Outcome = failure(null, 'dns', null);
    let urgent = expires === 0 && !query;

    while (index < targets.length) {
      if (op !== this.op) return SUPERSEDED;
      const target = targets[index];
      const remote = targetLabel(target);
      const transport = transports[target.transport];
      if (!transport) return failure(null, 'config', null);

      let contact: string | null;
      /** Room in the window, held until the request is handed to its transaction. */
      let slot: FlowSlot | null = null;
      /** The request's transaction and trace entry: its retransmissions are noted there when it ends. */
      let sent: { tx: ClientTransaction; entry: TraceEntry | null; at: number } | null = null;
      try {
        const local = transport.localAddressNow?.(target) ?? (await transport.localAddressFor(target));
        // Flow control: wait for room in this server's congestion window, then build the
        // request (fresh nonce count, nothing held while waiting); a superseded exchange sends nothing.
        slot = this.takeParked(target, op) ?? layer.admitNow(target, urgent) ?? (await layer.admit(target, urgent));
        if (op !== this.op) {
          layer.release(slot);
          return SUPERSEDED;
        }
        if (this.deps.mayRegister && !this.deps.mayRegister(this.id)) {
          layer.release(slot);
          slot = null;
          return FENCED;
        }
        const contactPort = target.transport === 'udp' ? (this.deps.publicPort ?? local.port) : (this.deps.publicPort ?? this.deps.streamContactPort(target.transport, target.host));
        // Via and Contact in the target's family: its public host, else our address towards it.
        const advertised = this.deps.publicHost(target) ?? local.host;
        contact = query
          ? null
          : expires === 0 && (this.lastContact ?? this.staleContacts[0])
            ? (this.lastContact ?? this.staleContacts[0])
            : contactUri(this.config.ddi, advertised, contactPort, target.transport);
        // A binding taken over from another node: its Contact goes in the same REGISTER with expires=0 (§10.2.2).
        const stale = requested > 0 && contact !== null && this.staleContacts.length > 0 ? this.staleContacts.filter((c) => c !== contact) : NO_CONTACTS;
        const removeContacts = stale.length > 0 ? stale : undefined;
        this.target = remote;
        const request = buildRegister({
          requestUri: uriText,
          aor: this.aor,
          fromTag: this.fromTag,
          callId: this.callId,
          cseq: ++this.cseq,
          contact,
          removeContacts,
          expires: requested,
          transport: target.transport,
          viaHost: advertised,
          viaPort: this.deps.publicPort ?? local.port,
          userAgent: this.deps.userAgent,
          authorization: auth ? auth.headers('REGISTER', uriText) : [],
        });
        if (requested > 0 && contact !== null) this.lastContact = contact;
        const at = this.deps.scheduler.now();
        const entry = this.record('out', remote, request.text, at);
        urgent = true;
        // REGISTERs leave with the others of this timer turn (TransactionLayer.startLater); an
        // un-REGISTER at once (shutdown waits for it, and a removal should not wait for anything).
        const tx = layer.request(target, request.data, request.branch, 'REGISTER', { slot, batched: requested > 0 || query });
        sent = { tx, entry, at };
        slot = null; // the transaction holds it now
        this.inFlightTx = tx;
        let result: TransactionResult;
        try {
          result = await tx.result;
        } finally {
          if (this.inFlightTx === tx) this.inFlightTx = null;
        }
        this.noteRetransmits(sent.tx, sent.entry, sent.at);
        const from = result.remote;
        this.record('in', from.host === target.host && from.port === target.port && from.transport === target.transport ? remote : formatTarget(from), result.response.text);
        if (op !== this.op) return SUPERSEDED;

        const res = result.response;
        const status = res.status;
        if (status < 300) {
          if (contact !== null) this.staleContacts = NO_CONTACTS;
          this.lastGood = target;
          this.lastAuth = auth?.hasCredentials ? auth : null;
          this.keptRedirect = requestUri === this.requestUri ? null : requestUri;
          return { kind: 'success', response: res, contact };
        }

        if (status === 401 || status === 407) {
          if (!auth) return rejected(status, 'no-credentials');
          if (++authRounds > MAX_AUTH_ROUNDS) return rejected(status, res.reason);
          const verdict = auth.accept(res);
          if (verdict.ok) continue;
          return 'error' in verdict ? rejected(status, localCause(verdict.error)) : rejected(status, res.reason);
        }
        if (query && status < 400) return failure(status, res.reason, null); // a query is not redirected
        if (status === 423) {
          // §10.2.8: retry at once with an interval no shorter than Min-Expires.
          const min = minExpires(res);
          // A Min-Expires not above what we asked cannot be met by asking again now: a server
          // fault, retried with backoff, never a verdict on the configuration.
          if (requested === 0 || min === null || min <= requested || ++intervalRetries > MAX_INTERVAL_RETRIES) return failure(status, res.reason, retryAfterMs(res));
          requested = min;
          this.requestedExpires = min;
          continue;
        }
        if (status < 400) {
          const next = redirectTarget(res);
          if (!next) return rejected(status, res.reason, retryAfterMs(res));
          const nextUri: SipUri = { ...next, user: null, headers: null, params: new Map([...next.params].filter(([k]) => k === 'transport')) };
          const nextText = formatUri(nextUri);
          // A redirect back to a URI of this exchange is a loop: refused on its first repeat.
          visited ??= new Set([uriText.toLowerCase()]);
          if (visited.has(nextText.toLowerCase())) return rejected(status, 'redirect-loop');
          if (++redirects > this.deps.maxRedirects) return rejected(status, 'too-many-redirects');
          const nextTargets = this.allowed(await this.deps.targets.resolve(nextUri, this.config.transport));
          if (nextTargets.length === 0) return failure(null, 'denied', null);
          // ...and so is one to the server that sent it.
          if (nextTargets.some((t) => t.transport === target.transport && t.host === target.host && t.port === target.port)) return rejected(status, 'redirect-loop');
          visited.add(nextText.toLowerCase());
          requestUri = nextUri;
          uriText = nextText;
          targets = nextTargets;
          index = 0;
          auth = this.newAuthSession();
          continue;
        }
        if (status === 503) {
          // RFC 3263 §4.3: try the next server.
          last = failure(status, res.reason, retryAfterMs(res));
          index++;
          auth = this.newAuthSession();
          continue;
        }
        if (status >= 500 || status === 408) return failure(status, res.reason, retryAfterMs(res));
        return rejected(status, res.reason, retryAfterMs(res));
      } catch (err) {
        if (slot) layer.release(slot); // nothing was sent with it
        if (sent) this.noteRetransmits(sent.tx, sent.entry, sent.at);
        if (op !== this.op) return SUPERSEDED;
        // Timeouts and transport/TLS errors: fail over (RFC 3263 §4.3).
        last = failure(null, localCause(err), null);
        // A TLS failure sends nothing: the trace says why, with the server's certificate;
        // so does a target of a family we have no socket for (which family, and why).
        if (last.kind === 'failure' && (last.reason.startsWith('tls-') || last.reason.startsWith('no-ipv'))) this.noteOnce((err as Error).message);
        if ((err as SipError | null)?.code === 'E_DNS') return last;
        index++;
        auth = this.newAuthSession();
      }
    }
    return last;
  }

  private allowed(targets: readonly TransportTarget[]): readonly TransportTarget[] {
    const allow = this.deps.allowTarget;
    return allow ? targets.filter(allow) : targets;
  }

  /**
   * The server that answered last goes first (its Timer F is not spent on a dead one
   * before every refresh), the rest in RFC 3263 order.
   */
  private isLastGood(t: TransportTarget | undefined): boolean {
    const good = this.lastGood;
    return !!t && !!good && t.transport === good.transport && t.host === good.host && t.port === good.port;
  }

  private lastGoodFirst(targets: readonly TransportTarget[]): readonly TransportTarget[] {
    const good = this.lastGood;
    if (!good) return targets;
    const i = targets.findIndex((t) => t.transport === good.transport && t.host === good.host && t.port === good.port);
    if (i <= 0) return targets;
    return [targets[i], ...targets.slice(0, i), ...targets.slice(i + 1)];
  }

  private newAuthSession(): AuthSession | null {
    const password = this.config.password;
    if (!password) return null;
    return new AuthSession(this.config.authUsername || this.config.username, password, this.config.realm || null);
  }

  private note(text: string): void {
    this.record('note', '', text);
  }

  /** A note, unless it repeats the last one (a retry failing the same way). */
  private noteOnce(text: string): void {
    if (text === this.lastNote) return;
    this.lastNote = text;
    this.note(text);
  }

  private checkSeconds(): number {
    return Math.round(this.deps.bindingCheckMs / 1000);
  }

  private record(direction: TraceEntry['direction'], remote: string, text: string, at = this.deps.scheduler.now()): TraceEntry | null {
    const entry = this.ring.push(direction, at, remote, text);
    this.deps.onTrace(this.id, direction, at, remote, text, entry ? this.ring : null, entry);
    return entry;
  }

  /**
   * The request's transaction ended (answered, timed out or failed): its retransmissions, if
   * any, go on the request's trace entry (ring and store), not one trace row each.
   */
  private noteRetransmits(tx: ClientTransaction, entry: TraceEntry | null, at: number): void {
    const times = tx.retransmissions;
    if (times.length === 0) return;
    // The first send may have waited for the window after the entry was made: times are from `at`.
    const offset = tx.startedAt - at;
    const retransmits = times.map((t) => t + offset);
    if (entry) entry.retransmits = retransmits;
    this.deps.onRetransmits(this.id, at, retransmits);
  }

  /** The next REGISTER after `delayMs`, or on the first `gridMs` step after that (refreshes and audits: Scheduler.afterOnGrid). */
  private schedule(delayMs: number, gridMs = 0): void {
    this.cancelTimer();
    this.timer = this.deps.scheduler.afterOnGrid(delayMs, gridMs, Registration.fire, this);
    this.nextAttemptAt = this.timer.at;
  }

  private static fire(reg: Registration): void {
    reg.timer = null;
    reg.registerNow();
  }

  private cancelTimer(): void {
    this.deps.scheduler.cancel(this.timer);
    this.timer = null;
    this.nextAttemptAt = null;
  }

  /** The invariant: never 'registered' past `expiresAt` without a successful refresh. */
  private scheduleExpiry(lifetimeMs: number): void {
    this.cancelExpiry();
    this.expiryTimer = this.deps.scheduler.after(lifetimeMs, Registration.expire, this);
  }

  private static expire(reg: Registration): void {
    reg.expiryTimer = null;
    if (reg.state !== 'registered') return;
    reg.transition('retrying', { code: null, reason: 'expired' });
    reg.registerNow(); // no-op when the refresh is already under way (it settles the state)
  }

  private cancelExpiry(): void {
    this.deps.scheduler.cancel(this.expiryTimer);
    this.expiryTimer = null;
  }

  /**
   * Next audit: within the interval, never later, so a lost binding is found within
   * `bindingCheckMs`; randomized (first one over the second half of the interval, then
   * 80–100 % of it) so bindings made together are not checked together. Skipped when the
   * refresh comes first: a refresh re-binds anyway.
   */
  private scheduleCheck(first: boolean): void {
    this.cancelCheck();
    const interval = this.deps.bindingCheckMs;
    if (interval <= 0) return;
    const delay = Math.round(interval * (first ? 0.5 + 0.5 * this.deps.random() : 0.8 + 0.2 * this.deps.random()));
    const refreshAt = this.timer?.at ?? Infinity;
    if (refreshAt <= this.deps.scheduler.now() + delay) return;
    // On the 100 ms step at or before `delay` (a step back, then the grid's step forward): never past the interval.
    const stepped = delay >= 2 * REFRESH_GRID_MS ? delay - REFRESH_GRID_MS : delay;
    const grid = stepped === delay ? 0 : REFRESH_GRID_MS;
    if (this.queryMode === 'refresh') {
      // This registrar does not answer queries: the audit is a refresh, at the audit's pace.
      this.deps.bindingChecks.refreshed++;
      this.schedule(stepped, grid);
      return;
    }
    this.checkTimer = this.deps.scheduler.afterOnGrid(stepped, grid, Registration.fireCheck, this);
  }

  private static fireCheck(reg: Registration): void {
    reg.checkTimer = null;
    if (reg.inFlight || reg.state !== 'registered') return;
    reg.op++;
    reg.inFlight = true;
    reg.checking = true;
    Registration.begin(reg);
  }

  private cancelCheck(): void {
    this.deps.scheduler.cancel(this.checkTimer);
    this.checkTimer = null;
  }

  private transition(state: RegistrationState, patch: Partial<Omit<RegistrationStatus, 'registrationId' | 'state' | 'at'>>): void {
    this.state = state;
    this.at = this.deps.scheduler.now();
    if (patch.code !== undefined) this.code = patch.code;
    if (patch.reason !== undefined) this.reason = patch.reason;
    if (patch.attempts !== undefined) this.attempts = patch.attempts;
    if (patch.grantedExpires !== undefined) this.grantedExpires = patch.grantedExpires;
    if (patch.expiresAt !== undefined) this.expiresAt = patch.expiresAt;
    if (patch.nextAttemptAt !== undefined) this.nextAttemptAt = patch.nextAttemptAt;
    if (patch.lastSuccessAt !== undefined) this.lastSuccessAt = patch.lastSuccessAt;
    this.deps.onStatus(this.status());
  }
}

function failure(code: number | null, reason: string, retryAfter: number | null): Outcome {
  return { kind: 'failure', rejected: false, code, reason, retryAfterMs: retryAfter };
}

function rejected(code: number | null, reason: string, retryAfter: number | null = null): Outcome {
  return { kind: 'failure', rejected: true, code, reason, retryAfterMs: retryAfter };
}
