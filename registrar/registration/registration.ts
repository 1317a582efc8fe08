// One REGISTER client binding (RFC 3261 §10.2) as a state machine:
//
//   pending → registering → registered ⟲ (refresh stays 'registered')
//                 ↓  ↑          ↓
//        retrying / rejected ←──┘         any → unregistering → unregistered | disabled
//
// Each REGISTER "exchange" covers target failover (RFC 3263 §4.3), digest
// challenges (§22.2), 423 Min-Expires (§10.2.8) and 3xx redirects (§8.1.3.4).
import type { SipError } from '../errors';
import type { SipResponse } from '../message/types';
import { formatUri, parseUri, type SipUri } from '../message/uri';
import type { Scheduler, ScheduledTask } from '../scheduler';
import type { TransactionLayer } from '../transaction/layer';
import type { TokenBucket } from '../util/token-bucket';
import { formatTarget, type Transport, type TransportProtocol, type TransportTarget } from '../transport/types';
import { randomHex, type RandomSource } from '../util/random';
import { AuthSession } from './auth-session';
import { requestUriOf, type RegistrationConfig } from './config';
import { buildRegister, contactUri } from './register-request';
import { grantedExpiry, minExpires, redirectTarget, retryAfterMs } from './response-info';
import type { LocalCause, RegistrationState, RegistrationStatus } from './status';
import { backoffDelayMs, refreshDelayMs, rejectedDelayMs, type RetryPolicy } from './timing';
import { TraceRing } from './trace-ring';

/** What a registration needs from the engine. */
export interface RegistrationDeps {
  scheduler: Scheduler;
  layer: TransactionLayer;
  transports: Partial<Record<TransportProtocol, Transport>>;
  targets: { resolve(uri: SipUri, transport: TransportProtocol): Promise<TransportTarget[]> };
  /** Paces new exchanges (charged once per exchange, not per request). */
  pacer: Pick<TokenBucket, 'acquire' | 'schedule'>;
  policy: RetryPolicy;
  random: RandomSource;
  publicHost: string | null;
  publicPort: number | null;
  /**
   * Contact port over TCP/TLS: the engine's SIP port, not the connection's
   * ephemeral one, so the Contact survives reconnects.
   */
  streamContactPort(protocol: 'tcp' | 'tls'): number;
  userAgent: string;
  maxRedirects: number;
  traceSize: number;
  traceBytes: number;
  onStatus(status: RegistrationStatus): void;
  onTrace(registrationId: string, direction: 'out' | 'in', at: number, remote: string, text: string): void;
}

type Outcome =
  | { kind: 'success'; response: SipResponse; contact: string }
  | { kind: 'failure'; rejected: boolean; code: number | null; reason: string; retryAfterMs: number | null }
  | { kind: 'superseded' };

const SUPERSEDED: Outcome = { kind: 'superseded' };
/** Bounds digest round trips inside one exchange (stale nonces, proxy + registrar). */
const MAX_AUTH_ROUNDS = 4;
/** Bounds consecutive 423 retries inside one exchange. */
const MAX_INTERVAL_RETRIES = 3;

const CAUSES: Partial<Record<string, LocalCause>> = {
  E_TIMEOUT: 'timeout',
  E_DNS: 'dns',
  E_TRANSPORT: 'transport',
  E_TLS: 'tls',
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
  private readonly callId = randomHex(16);
  private readonly fromTag = randomHex(8);
  private cseq = 0;
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
  /** A REGISTER exchange is running or waiting for the pacer. */
  private inFlight = false;
  /** Queued in the pacer (at most once). */
  private queued = false;
  /** Contact of the last REGISTER sent with a non-zero expiry. */
  private lastContact: string | null = null;
  private timer: ScheduledTask | null = null;

  constructor(
    config: RegistrationConfig,
    private readonly deps: RegistrationDeps,
  ) {
    this.id = config.id;
    this.config = config;
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

  trace(): ReturnType<TraceRing['entries']> {
    return this.ring.entries();
  }

  /** Applies a config change that keeps the same binding (e.g. expires); used from the next REGISTER. */
  updateSettings(config: RegistrationConfig): void {
    this.config = config;
    this.requestedExpires = config.expires;
  }

  /** Schedules the first REGISTER after `delayMs` (state `pending`). */
  start(delayMs: number): void {
    this.cancelTimer();
    this.transition('pending', {});
    this.schedule(delayMs);
  }

  /** Sends a REGISTER (when the pacer allows) unless one is already in flight. */
  registerNow(): void {
    if (this.inFlight || this.state === 'unregistering') return;
    this.cancelTimer();
    this.op++;
    this.inFlight = true;
    // A refresh of a live binding stays 'registered' (no flicker).
    if (this.state !== 'registered') this.transition('registering', { nextAttemptAt: null });
    if (this.queued) return;
    this.queued = true;
    this.deps.pacer.schedule(Registration.paced, this);
  }

  /**
   * Removes our binding (REGISTER with Expires: 0 for our Contact, §10.2.2)
   * when the server may hold one, then settles in `finalState`.
   */
  async unregister(finalState: 'unregistered' | 'disabled'): Promise<void> {
    const now = this.deps.scheduler.now();
    const bound = this.lastContact !== null && (this.inFlight || (this.expiresAt !== null && this.expiresAt > now));
    this.cancelTimer();
    const op = ++this.op;
    this.inFlight = false;
    const cleared = { grantedExpires: null, expiresAt: null, nextAttemptAt: null, attempts: 0 };
    if (!bound) {
      this.transition(finalState, cleared);
      return;
    }
    this.transition('unregistering', { nextAttemptAt: null });
    let outcome: Outcome;
    try {
      await this.deps.pacer.acquire();
      outcome = op === this.op ? await this.exchange(op, 0) : SUPERSEDED;
    } catch (err) {
      outcome = { kind: 'failure', rejected: false, code: null, reason: localCause(err), retryAfterMs: null };
    }
    if (outcome.kind === 'superseded') return;
    this.lastContact = null;
    const result = outcome.kind === 'success' ? { code: outcome.response.status, reason: outcome.response.reason } : { code: outcome.code, reason: outcome.reason };
    this.transition(finalState, { ...cleared, ...result });
  }

  /** Stops timers and abandons any exchange in flight (no messages sent). */
  dispose(): void {
    this.op++;
    this.inFlight = false;
    this.cancelTimer();
  }

  /** The pacer's turn: runs the exchange registerNow() asked for, unless it was abandoned meanwhile. */
  private static paced(reg: Registration): void {
    reg.queued = false;
    if (!reg.inFlight || reg.state === 'unregistering') return;
    const op = reg.op;
    reg.run(op).catch((err: unknown) => {
      if (op === reg.op) reg.fail(localCause(err), null, null, false);
    });
  }

  private async run(op: number): Promise<void> {
    const outcome = await this.exchange(op, this.requestedExpires);
    if (outcome.kind === 'superseded') return;
    this.inFlight = false;
    if (outcome.kind === 'failure') {
      this.fail(outcome.reason, outcome.code, outcome.retryAfterMs, outcome.rejected);
      return;
    }
    const now = this.deps.scheduler.now();
    const granted = grantedExpiry(outcome.response, parseUri(outcome.contact), this.requestedExpires);
    const delay = refreshDelayMs(granted, this.deps.policy, this.deps.random);
    this.schedule(delay);
    this.transition('registered', {
      code: outcome.response.status,
      reason: outcome.response.reason,
      attempts: 0,
      grantedExpires: granted,
      expiresAt: now + granted * 1000,
      nextAttemptAt: now + delay,
      lastSuccessAt: now,
    });
  }

  private fail(reason: string, code: number | null, retryAfter: number | null, rejected: boolean): void {
    this.inFlight = false;
    const attempts = this.attempts + 1;
    const { policy, random } = this.deps;
    const delay = rejected ? rejectedDelayMs(policy, random) : backoffDelayMs(attempts, retryAfter, policy, random);
    this.schedule(delay);
    this.transition(rejected ? 'rejected' : 'retrying', { code, reason, attempts, nextAttemptAt: this.deps.scheduler.now() + delay });
  }

  /**
   * One logical REGISTER: resolves, sends, follows challenges/redirects, fails over.
   * Callers charge the pacer once before it: requests within it (digest answers,
   * 423 retries, redirects, failover) go out at once instead of queueing
   * behind every other registration's first REGISTER.
   */
  private async exchange(op: number, expires: number): Promise<Outcome> {
    const { layer, transports } = this.deps;
    let requestUri = this.requestUri;
    let uriText = this.requestUriText;
    let targets: TransportTarget[];
    try {
      targets = await this.deps.targets.resolve(requestUri, this.config.transport);
    } catch (err) {
      return failure(null, localCause(err), null);
    }
    let auth = this.newAuthSession();
    let index = 0;
    let redirects = 0;
    let authRounds = 0;
    let intervalRetries = 0;
    let requested = expires;
    let last: Outcome = failure(null, 'dns', null);

    while (index < targets.length) {
      if (op !== this.op) return SUPERSEDED;
      const target = targets[index];
      const remote = formatTarget(target);
      const transport = transports[target.transport];
      if (!transport) return failure(null, 'config', null);

      let contact: string;
      try {
        const local = await transport.localAddressFor(target);
        const contactPort = target.transport === 'udp' ? (this.deps.publicPort ?? local.port) : (this.deps.publicPort ?? this.deps.streamContactPort(target.transport));
        contact =
          expires === 0 && this.lastContact
            ? this.lastContact
            : contactUri(this.config.ddi, this.deps.publicHost ?? local.host, contactPort, target.transport);
        if (op !== this.op) return SUPERSEDED;
        this.target = remote;
        const request = buildRegister({
          requestUri: uriText,
          aor: this.aor,
          fromTag: this.fromTag,
          callId: this.callId,
          cseq: ++this.cseq,
          contact,
          expires: requested,
          transport: target.transport,
          viaHost: this.deps.publicHost ?? local.host,
          viaPort: this.deps.publicPort ?? local.port,
          userAgent: this.deps.userAgent,
          authorization: auth ? auth.headers('REGISTER', uriText) : [],
        });
        if (requested > 0) this.lastContact = contact;
        this.record('out', remote, request.text);
        const result = await layer.request(target, request.data, request.branch, 'REGISTER').result;
        const from = result.remote;
        this.record('in', from.host === target.host && from.port === target.port && from.transport === target.transport ? remote : formatTarget(from), result.response.text);
        if (op !== this.op) return SUPERSEDED;

        const res = result.response;
        const status = res.status;
        if (status < 300) return { kind: 'success', response: res, contact };

        if (status === 401 || status === 407) {
          if (!auth) return rejected(status, 'no-credentials');
          if (++authRounds > MAX_AUTH_ROUNDS) return rejected(status, res.reason);
          const verdict = auth.accept(res);
          if (verdict.ok) continue;
          return 'error' in verdict ? rejected(status, localCause(verdict.error)) : rejected(status, res.reason);
        }
        if (status === 423) {
          // §10.2.8: retry at once with an interval no shorter than Min-Expires.
          const min = minExpires(res);
          if (requested === 0 || min === null || min <= requested || ++intervalRetries > MAX_INTERVAL_RETRIES) return rejected(status, res.reason);
          requested = min;
          this.requestedExpires = min;
          continue;
        }
        if (status < 400) {
          const next = redirectTarget(res);
          if (!next) return rejected(status, res.reason);
          if (++redirects > this.deps.maxRedirects) return rejected(status, 'too-many-redirects');
          requestUri = { ...next, user: null, headers: null, params: new Map([...next.params].filter(([k]) => k === 'transport')) };
          uriText = formatUri(requestUri);
          targets = await this.deps.targets.resolve(requestUri, this.config.transport);
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
        return rejected(status, res.reason);
      } catch (err) {
        if (op !== this.op) return SUPERSEDED;
        // Timeouts and transport/TLS errors: fail over (RFC 3263 §4.3).
        last = failure(null, localCause(err), null);
        if ((err as SipError | null)?.code === 'E_DNS') return last;
        index++;
        auth = this.newAuthSession();
      }
    }
    return last;
  }

  private newAuthSession(): AuthSession | null {
    const password = this.config.password;
    if (!password) return null;
    return new AuthSession(this.config.authUsername || this.config.username, password, this.config.realm || null);
  }

  private record(direction: 'out' | 'in', remote: string, text: string): void {
    const at = this.deps.scheduler.now();
    this.ring.push(direction, at, remote, text);
    this.deps.onTrace(this.id, direction, at, remote, text);
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    this.nextAttemptAt = this.deps.scheduler.now() + delayMs;
    this.timer = this.deps.scheduler.after(delayMs, Registration.fire, this);
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

function rejected(code: number | null, reason: string): Outcome {
  return { kind: 'failure', rejected: true, code, reason, retryAfterMs: null };
}
