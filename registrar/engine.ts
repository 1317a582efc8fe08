// The REGISTER client engine: owns transports, the transaction layer, the
// scheduler and one Registration per configured binding. The supervisor feeds
// it configs (upsert/remove) and listens to 'status' and 'trace' events.
import { Resolver } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from './clock';
import { type DnsResolver } from './dns/resolve-targets';
import { TargetCache } from './dns/target-cache';
import type { ParseLimits } from './message/types';
import { Myself } from './proxy/myself';
import type { ProxyCounters } from './proxy/counters';
import { StatelessProxy } from './proxy/proxy';
import { ProxyTargets } from './proxy/targets';
import { bindingChanged, parseForwardUri, validateConfig, type BindingState, type RegistrationConfig } from './registration/config';
import { Registration } from './registration/registration';
import { LazyTraceEvent } from './registration/trace-event';
import {
  countByState,
  newBindingCheckCounters,
  type BindingCheckCounters,
  type RegistrationState,
  type RegistrationStatus,
  type TraceEntry,
  type TraceEvent,
  type TraceRetransmits,
} from './registration/status';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './registration/timing';
import { Scheduler } from './scheduler';
import type { UasCounters } from './uas/counters';
import { DdiTrace } from './uas/ddi-trace';
import { UasResponder } from './uas/responder';
import type { FlowSettings, FlowCounters } from './transaction/congestion-window';
import type { TransactionCounters } from './transaction/counters';
import { TransactionLayer } from './transaction/layer';
import { DEFAULT_TIMERS, timerF, type TimerValues } from './transaction/timers';
import { StreamTransport } from './transport/stream';
import type { Transport, TransportCounters, TransportProtocol, TransportTarget } from './transport/types';
import { UdpTransport } from './transport/udp';
import { openFamilies } from './transport/open-families';
import { DEFAULT_SIP_BIND, familyOf, formatBinds, parseSipBind, validateBinds, type BindAddress, type IpFamily } from './transport/sip-bind';
import { systemErrorCode } from './transport/errors';
import { parsePublicHosts, publicHostFor } from './registration/public-host';
import { SipError } from './errors';
import { mathRandom, type RandomSource } from './util/random';
import { toLogger, type Logger, type LogSink } from './util/log';
import { yieldToIo } from './util/yield-to-io';

export interface EngineOptions extends Partial<RetryPolicy> {
  clock?: Clock;
  /**
   * Local address:port per family (SIP_BIND), at most one IPv4 and one IPv6: each gets a UDP
   * socket and the TCP (and TLS) listeners; targets are reached from their own family's side.
   * Default `0.0.0.0:5060,[::]:5060` (IPv6 dropped when the host has none), or the one entry
   * bindAddress:bindPort when either is given.
   */
  binds?: ReadonlyArray<{ host: string; port: number }>;
  /** One address instead of binds (default 0.0.0.0). */
  bindAddress?: string;
  /** Its port, default 5060 (0 = ephemeral). */
  bindPort?: number;
  /**
   * Host advertised in Via/Contact, as SIP_PUBLIC_HOST: at most one IPv4 and one IPv6 address,
   * or one hostname for both; a target's family without one gets the local address towards it.
   */
  publicHost?: string;
  /**
   * Port advertised in Via/Contact; default: the local port. Over TCP/TLS the
   * Contact defaults to that listener's port (TCP: the SIP port; TLS:
   * tlsPort, else the SIP port) instead of the connection's ephemeral one, so
   * requests reach us and a reconnect does not create a second binding.
   */
  publicPort?: number;
  /** PEM CA bundle for TLS server verification. */
  tlsCaFile?: string;
  /** PEM certificate chain and key: with both, TLS is also accepted on tlsPort. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** TLS listening port (every family), default that family's SIP port + 1 (0 = ephemeral). */
  tlsPort?: number;
  /** RFC 5626 keep-alive period bound on outbound TCP/TLS (default 120 s, 0 = off) and pong timeout (10 s). */
  keepAliveMs?: number;
  pongTimeoutMs?: number;
  /** Default window over which start() spreads first REGISTERs. */
  startupSpreadMs?: number;
  /**
   * Congestion window per destination (registrar/transaction/congestion-window.ts): initial and
   * maximum window, RTT targets. Defaults derive from T1.
   */
  flow?: Partial<FlowSettings>;
  userAgent?: string;
  timers?: Partial<TimerValues>;
  /** Messages kept per registration for trace() (default 12: two challenge cycles and an un-REGISTER). */
  traceSize?: number;
  /** Characters (≈ bytes) of messages kept per registration for trace() (default 16 Ki; the newest message is always kept). */
  traceBytes?: number;
  /**
   * Characters of messages kept for trace() across all registrations (default 64 Mi): a
   * registration's ring gets min(traceBytes, this / registrations) when it is made: 10,000 keep
   * ≈ 6.7 KB each (a challenge cycle and more), 100,000 ≈ 670 characters (the newest message,
   * always kept). Without it 100,000 rings grew by ≈ 350 MB of SIP text in their first refresh
   * round (tests/bench/registrations.ts --n 100000 --refresh-round); 128 Mi (1.3 KB each, the last
   * request and response) cost 50–60 MiB more peak RSS at 100,000 on the product path (issue 12).
   * What a ring holds matters only when a registration starts being watched: the database already
   * has its first exchange, its failures and a routine sample every 10 minutes, and a ring forgets
   * what a store wrote (TraceEvent.persisted), so it holds only the messages since the last written one.
   */
  traceBudgetBytes?: number;
  maxRedirects?: number;
  /** Servers this engine may send to (default: any); a registration whose servers are all refused fails with cause `denied`, nothing sent. */
  allowTarget?: (target: TransportTarget) => boolean;
  /**
   * Binding audit interval, ms (default 60 s; 0 turns it off): each registered binding is
   * verified with a binding query (REGISTER without Contact, RFC 3261 §10.2.3).
   */
  bindingCheckMs?: number;
  resolver?: DnsResolver;
  dnsCacheMs?: number;
  socketBufferBytes?: number;
  limits?: ParseLimits;
  random?: RandomSource;
  /** Replaces the built-in transports (tests, custom sockets). */
  transports?: Partial<Record<TransportProtocol, Transport>>;
  /**
   * SIP_FORWARD_TO: where calls to our DDIs are relayed (a sip:/sips: URI of the PBX or SBC);
   * a registration's own forwardTo (its DDI provider's) wins. Without either, INVITEs get 480.
   */
  forwardTo?: string | null;
  /** This host's interface addresses (tests; default os.networkInterfaces()): who "we" are in Route headers. */
  interfaceAddresses?: () => string[];
  /** The host's logger (registrar/util/log.ts), e.g. for the line about a missing IPv6; default: nothing logged. */
  log?: LogSink;
}

/** The built-in transports, opened family by family. */
interface OwnTransports {
  udp: UdpTransport;
  tcp: StreamTransport;
  tls: StreamTransport;
}

/** Default binding audit interval: a lost binding is found within a minute. */
export const DEFAULT_BINDING_CHECK_MS = 60_000;

export interface EngineCounters {
  transactions: TransactionCounters;
  liveTransactions: number;
  /** Congestion windows: requests that waited, decreases on loss/delay, largest window. */
  flow: FlowCounters;
  /** Stream transports add listener, keep-alive and lost-flow counts. */
  transports: Partial<Record<TransportProtocol, TransportCounters | StreamTransport['counters']>>;
  /** Requests received at the Contact and the responses sent. */
  uas: UasCounters;
  /** Binding audit outcomes. */
  bindingChecks: BindingCheckCounters;
  /** Calls and other requests relayed to the forward target (registrar/proxy/). */
  proxy: ProxyCounters;
  registrationsByState: Record<RegistrationState, number>;
}

export interface EngineEvents {
  status: [RegistrationStatus];
  trace: [TraceEvent];
  /** A traced request's retransmissions, once its transaction ended (the store amends that trace entry). */
  retransmits: [TraceRetransmits];
}

/** A test REGISTER under way (Engine.probe). */
export interface EngineProbe {
  status(): RegistrationStatus;
  /** Its SIP messages, oldest first, redacted. */
  trace(): TraceEntry[];
  /**
   * Ends it: with `deadlineMs` > 0, first an Expires: 0 (waiting at most that long) unless this
   * engine keeps a registration of the same DDI; with 0, at once, nothing more sent.
   */
  finish(deadlineMs: number): Promise<{ unregistered: boolean }>;
}

export class Engine extends EventEmitter<EngineEvents> {
  private readonly scheduler: Scheduler;
  private readonly layer: TransactionLayer;
  private readonly transports: Partial<Record<TransportProtocol, Transport>>;
  private readonly registrations = new Map<string, Registration>();
  private readonly ddis: DdiTrace;
  private readonly responder: UasResponder;
  private readonly proxy: StatelessProxy;
  private readonly forwardTo: string | null;
  /** Registrations being replaced: new one starts when the old one has unregistered. */
  private readonly handovers = new Map<string, Promise<void>>();
  private readonly deps: ConstructorParameters<typeof Registration>[1];
  private readonly traceBytes: number;
  private readonly traceBudgetBytes: number;
  /** Registrations the current per-ring share (deps.traceBytes) was computed for. */
  private traceShareFor = 0;
  private readonly startupSpreadMs: number;
  /** SIP_BIND, validated (with injected transports: only the ports advertised). */
  private readonly binds: BindAddress[];
  /** The built-in transports (null when injected). */
  private readonly own: OwnTransports | null;
  /** The entries bound by open() (IPv6 left out when the host has none). */
  private served: BindAddress[] | null = null;
  private readonly log: Logger;
  private running = false;
  private opened: Promise<void> | null = null;

  constructor(options: EngineOptions = {}) {
    super();
    const clock = options.clock ?? systemClock;
    this.scheduler = new Scheduler(clock);
    this.log = toLogger(options.log);
    const publicHosts = parseOption('publicHost', () => parsePublicHosts(options.publicHost));
    const binds = parseOption('binds', () =>
      options.binds
        ? validateBinds(options.binds)
        : options.bindAddress !== undefined || options.bindPort !== undefined
          ? validateBinds([{ host: options.bindAddress ?? '0.0.0.0', port: options.bindPort ?? 5060 }])
          : parseSipBind(DEFAULT_SIP_BIND),
    );
    this.binds = binds;
    if (options.transports) {
      this.own = null;
      this.transports = options.transports;
    } else {
      const stream = { limits: options.limits, keepAliveMs: options.keepAliveMs, pongTimeoutMs: options.pongTimeoutMs, random: options.random };
      const tlsListens = !!(options.tlsCertFile && options.tlsKeyFile);
      this.own = {
        udp: new UdpTransport({ binds, socketBufferBytes: options.socketBufferBytes }),
        // TCP listens on the UDP socket's port number: the one SIP port of that SIP_BIND entry (RFC 3261 §18.2.1).
        tcp: new StreamTransport('tcp', { ...stream, sides: binds.map((b) => ({ host: b.host, port: () => this.sipPort(b.family) })) }),
        tls: new StreamTransport('tls', {
          ...stream,
          tlsCaFile: options.tlsCaFile,
          sides: binds.map((b) => ({ host: b.host, port: tlsListens ? () => options.tlsPort ?? this.sipPort(b.family) + 1 : undefined })),
          tlsCertFile: options.tlsCertFile,
          tlsKeyFile: options.tlsKeyFile,
        }),
      };
      this.transports = this.own;
    }
    const timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.layer = new TransactionLayer({ scheduler: this.scheduler, transports: this.transports, timers, limits: options.limits, flow: options.flow });
    // A TCP/TLS flow closed or reset by the far end (or silent to keep-alives) took its
    // bindings with it at many registrars: the registrations made over it register again.
    this.layer.onFlowLost((remote) => {
      for (const r of this.registrations.values()) if (r.usesFlow(remote)) r.connectionLost();
    });
    const userAgent = options.userAgent ?? 'ddi-registrar/0.1';
    // Requests naming a DDI join its registration's trace (when someone listens).
    this.ddis = new DdiTrace(
      (id, direction, remote, text) => this.deps.onTrace(id, direction, this.scheduler.now(), remote, text),
      () => this.scheduler.now(),
    );
    this.responder = new UasResponder({
      transports: this.transports,
      server: userAgent,
      onExchange: (req, remote, res) => {
        if (this.listenerCount('trace') > 0) this.ddis.exchange(req, remote, res);
      },
    });
    this.forwardTo = options.forwardTo || null;
    if (this.forwardTo) parseForwardUri(this.forwardTo);
    const resolver = options.resolver ?? new Resolver({ timeout: 3000, tries: 2 });
    const proxyTargets = new ProxyTargets(resolver, clock, options.dnsCacheMs ?? 60_000);
    this.proxy = new StatelessProxy({
      transports: this.transports,
      server: userAgent,
      myself: new Myself({
        publicHosts: [publicHosts[4], publicHosts[6]].filter((h): h is string => h !== null),
        publicPort: options.publicPort ?? null,
        bindAddresses: binds.map((b) => b.host).filter((h) => h !== '0.0.0.0' && h !== '::'),
        ports: () => (this.served ?? []).flatMap((b) => Object.values(this.listeningPorts(b.family))),
        interfaceAddresses: options.interfaceAddresses,
      }),
      localAddress: async (target) => {
        const local = await this.transports[target.transport]!.localAddressFor(target);
        return { host: local.host, port: target.transport === 'udp' ? local.port : this.streamPort(target.transport, familyOf(target.host) ?? 4) };
      },
      publicHost: (peerHost) => publicHostFor(publicHosts, peerHost),
      publicPort: options.publicPort ?? null,
      resolve: (uri, seed) => proxyTargets.resolve(uri, seed),
      forwardFor: (user) => {
        const reg = this.registrations.get(this.ddis.idOf(user) ?? '');
        return reg?.currentConfig.forwardTo || this.forwardTo;
      },
      isDdi: (user) => this.ddis.idOf(user) !== undefined,
      local: (req, remote) => this.responder.handle(req, remote),
      onRelayed: (req, remote, data, target) => {
        if (req.method === 'INVITE' && this.listenerCount('trace') > 0) this.ddis.relayed(req, remote, data, target);
      },
      onResponseRelayed: (res, data, target) => {
        if (res.status >= 200 && this.listenerCount('trace') > 0 && res.headers.get('cseq')?.trim().endsWith('INVITE')) this.ddis.relayedResponse(res, data, target);
      },
    });
    this.layer.setRequestHandler((req, remote) => this.proxy.handle(req, remote));
    this.layer.setResponseHandler((res, remote) => this.proxy.relayResponse(res, remote));
    const random = options.random ?? mathRandom;
    const policy: RetryPolicy = {
      backoffFloorMs: options.backoffFloorMs ?? DEFAULT_RETRY_POLICY.backoffFloorMs,
      backoffCapMs: options.backoffCapMs ?? DEFAULT_RETRY_POLICY.backoffCapMs,
      rejectedRetryMinMs: options.rejectedRetryMinMs ?? DEFAULT_RETRY_POLICY.rejectedRetryMinMs,
      rejectedRetryMaxMs: options.rejectedRetryMaxMs ?? DEFAULT_RETRY_POLICY.rejectedRetryMaxMs,
      minRefreshMs: options.minRefreshMs ?? DEFAULT_RETRY_POLICY.minRefreshMs,
    };
    this.startupSpreadMs = options.startupSpreadMs ?? 1000;
    this.traceBytes = options.traceBytes ?? 16 * 1024;
    this.traceBudgetBytes = options.traceBudgetBytes ?? 64 * 1024 * 1024;
    this.deps = {
      scheduler: this.scheduler,
      layer: this.layer,
      transports: this.transports,
      targets: new TargetCache(resolver, clock, options.dnsCacheMs ?? 60_000, random),
      policy,
      random,
      publicHost: (target) => publicHostFor(publicHosts, target.host),
      publicPort: options.publicPort ?? null,
      userAgent,
      maxRedirects: options.maxRedirects ?? 5,
      bindingCheckMs: options.bindingCheckMs ?? DEFAULT_BINDING_CHECK_MS,
      bindingChecks: newBindingCheckCounters(),
      allowTarget: options.allowTarget ?? null,
      timerFMs: timerF(timers),
      traceSize: options.traceSize ?? 12,
      traceBytes: this.traceBytes,
      streamContactPort: (protocol, host) => this.streamPort(protocol, familyOf(host) ?? 4),
      onStatus: (s) => this.emit('status', s),
      onTrace: (registrationId, direction, at, remote, text, ring, entry) => {
        // Redacted when a listener reads `text` (most messages are dropped unread by the StatusStore).
        if (this.listenerCount('trace') > 0) this.emit('trace', new LazyTraceEvent(registrationId, direction, at, remote, text, ring, entry));
      },
      onRetransmits: (registrationId, at, retransmits) => {
        if (this.listenerCount('retransmits') > 0) this.emit('retransmits', { registrationId, at, retransmits });
      },
      mayRegister: null,
    };
  }

  /**
   * Binds sockets, IPv4 first, then IPv6; per family UDP first, then the TCP/TLS listeners (TCP
   * on UDP's port). A host without IPv6 serves IPv4 only (one log line, transport/open-families.ts);
   * any other failure closes what was bound and rejects with a BindError naming the entry.
   * Called by start(); call it earlier to fail fast on bind errors.
   */
  open(): Promise<void> {
    this.opened ??= this.bind();
    this.opened.catch(() => (this.opened = null));
    return this.opened;
  }

  private async bind(): Promise<void> {
    const own = this.own;
    if (!own) {
      await Promise.all(Object.values(this.transports).map((t) => t?.open()));
      return;
    }
    const all = [own.udp, own.tcp, own.tls];
    this.served = await openFamilies(
      this.binds,
      {
        open: (bind) => this.bindFamily(own, bind),
        drop: async (bind, why) => {
          await Promise.all(all.map((t) => t.dropFamily(bind.family, why)));
        },
        closeAll: async () => {
          await Promise.all(all.map((t) => t.close()));
        },
      },
      (line) => this.log.warn(line),
    );
  }

  /** One family's sockets; with an ephemeral UDP port (port 0) taken for TCP/TLS, tries another port (5 attempts). */
  private async bindFamily(own: OwnTransports, bind: BindAddress): Promise<void> {
    const { family } = bind;
    for (let attempt = 1; ; attempt++) {
      await own.udp.openFamily(family);
      try {
        await Promise.all([own.tcp.openFamily(family), own.tls.openFamily(family)]);
        return;
      } catch (err) {
        if (systemErrorCode(err) !== 'EADDRINUSE' || bind.port !== 0 || attempt >= 5) throw err;
        await Promise.all([own.udp.closeFamily(family), own.tcp.closeFamily(family), own.tls.closeFamily(family)]);
      }
    }
  }

  /**
   * SIP_BIND as served after open(): every entry, or the IPv4 ones when the host has no IPv6
   * (ports as configured); before open() as configured.
   */
  bindings(): string {
    return formatBinds(this.served ?? this.binds);
  }

  /**
   * Registers every enabled config, first REGISTERs spread evenly over
   * `spreadMs` (default: the startupSpreadMs option). Disabled configs report
   * their initial `disabled` status (enabled ones report `pending`).
   *
   * `configs` is an array (validated whole before anything starts) or pages that come
   * asynchronously (RegistrationSource.pages: an invalid config there throws when its page is
   * reached; the pages before it are running). Registrations are made and started
   * `START_SLICE` at a time with the event loop's I/O in between, so the first REGISTERs leave
   * while the rest are still being read and made, and the loop is never blocked by the whole
   * set (issue 12: 10,000 made in one piece took ≈ 0.3 s). `total` (the number of configs the
   * pages will hold, for the spread; default: an array's length) places registration i of the
   * spread at spreadMs · i / total. Resolves when every config is made and started (scheduled).
   */
  async start(configs: readonly RegistrationConfig[] | AsyncIterable<readonly RegistrationConfig[]>, options: { spreadMs?: number; total?: number } = {}): Promise<void> {
    const pages = isPageSource(configs) ? configs : null;
    if (!pages) for (const c of configs as readonly RegistrationConfig[]) validateConfig(c);
    await this.open();
    const spread = options.spreadMs ?? this.startupSpreadMs;
    // Made before start() (upsert while stopped) and still waiting: they start with the first slice.
    const waiting = [...this.registrations.values()].filter((r) => r.currentConfig.enabled && r.currentState === 'pending');
    const coming = options.total ?? (pages ? 0 : (configs as readonly RegistrationConfig[]).length);
    const total = waiting.length + coming;
    this.shareTraceBudget(this.registrations.size + coming);
    this.running = true;
    const begun = new Set<Registration>();
    const begin = (r: Registration) => {
      if (begun.has(r)) return;
      // More than one first REGISTER per START_GRID_MS: on its steps (Scheduler.afterOnGrid), one timer turn each.
      r.start(total > 1 ? Math.floor((spread * Math.min(begun.size, total - 1)) / total) : 0, spread > 0 && spread < START_GRID_MS * total ? START_GRID_MS : 0);
      begun.add(r);
    };
    for (const r of waiting) begin(r);
    let sliced = false;
    const add = async (slice: readonly RegistrationConfig[]) => {
      for (let from = 0; from < slice.length; from += START_SLICE) {
        if (sliced) await yieldToIo();
        sliced = true;
        if (!this.running) return;
        const made: Registration[] = [];
        for (const c of slice.slice(from, from + START_SLICE)) {
          if (pages) validateConfig(c);
          this.ddis.set(c.id, c.ddi, this.registrations.get(c.id)?.currentConfig.ddi);
          const reg = this.upsertQuiet(c);
          if (reg.currentState === 'disabled') this.emit('status', reg.status());
          else made.push(reg);
        }
        // The slice's disabled statuses first, then its first REGISTERs (scheduled).
        for (const reg of made) if (reg.currentConfig.enabled && reg.currentState === 'pending') begin(reg);
      }
    };
    if (pages) {
      for await (const page of pages) {
        if (!this.running) break;
        await add(page);
      }
    } else await add(configs as readonly RegistrationConfig[]);
  }

  /**
   * Adds or updates a registration. A change of address or credential fields
   * unregisters the old binding before registering the new one; enabled:false
   * unregisters and settles in `disabled`.
   */
  upsert(config: RegistrationConfig): void {
    validateConfig(config);
    this.ddis.set(config.id, config.ddi, this.registrations.get(config.id)?.currentConfig.ddi);
    const existing = this.registrations.get(config.id);
    if (!existing) {
      const reg = this.upsertQuiet(config);
      if (!config.enabled) this.emit('status', reg.status());
      else if (this.running) reg.start(0);
      return;
    }
    const old = existing.currentConfig;
    if (bindingChanged(old, config)) {
      const next = new Registration(config, this.deps);
      this.registrations.set(config.id, next);
      const handover = existing.unregister(config.enabled ? 'unregistered' : 'disabled').then(() => {
        existing.dispose();
        if (this.handovers.get(config.id) === handover) this.handovers.delete(config.id);
        if (this.running && config.enabled && this.registrations.get(config.id) === next) next.start(0);
      });
      this.handovers.set(config.id, handover);
      return;
    }
    existing.updateSettings(config);
    if (old.enabled && !config.enabled) void existing.unregister('disabled');
    else if (!old.enabled && config.enabled && this.running) existing.start(0);
  }

  /**
   * Engine nodes sharing registrations (registrar/cluster/): `gate` is asked before every request
   * of a registration, and refuses those this node may no longer own (nothing sent).
   */
  setLeaseGate(gate: (id: string) => boolean): void {
    this.deps.mayRegister = gate;
  }

  /**
   * Stops and forgets the registration at once, nothing sent (another engine node owns its
   * binding now, or will): its binding as last sent, or null if unknown.
   */
  drop(id: string): BindingState | null {
    const reg = this.registrations.get(id);
    if (!reg) return null;
    this.registrations.delete(id);
    this.handovers.delete(id);
    this.ddis.delete(id, reg.currentConfig.ddi);
    reg.dispose();
    return reg.binding();
  }

  /** The registration's binding as sent so far (Call-ID, CSeq, Contact), or null if unknown. */
  binding(id: string): BindingState | null {
    return this.registrations.get(id)?.binding() ?? null;
  }

  /** Unregisters (if bound) and forgets the registration. */
  async remove(id: string): Promise<void> {
    const reg = this.registrations.get(id);
    if (!reg) return;
    this.registrations.delete(id);
    this.ddis.delete(id, reg.currentConfig.ddi);
    await reg.unregister('unregistered');
    reg.dispose();
  }

  /** Sends a REGISTER now (e.g. from a "retry" button). False if unknown or disabled. */
  registerNow(id: string): boolean {
    const reg = this.registrations.get(id);
    if (!reg || !reg.currentConfig.enabled || !this.running) return false;
    reg.registerNow();
    return true;
  }

  /**
   * Removes the binding (REGISTER with Expires: 0, §10.2.2) and holds the registration in
   * `unregistered` until registerNow() (an operator's "Unregister" action). False if unknown or disabled.
   */
  async unregister(id: string): Promise<boolean> {
    const reg = this.registrations.get(id);
    if (!reg || !reg.currentConfig.enabled) return false;
    await reg.unregister('unregistered');
    return true;
  }

  /**
   * Unregisters every bound registration, waiting at most `deadlineMs`, then
   * stops all timers and closes the transports.
   */
  async stop(deadlineMs = 5000): Promise<void> {
    this.running = false;
    const regs = [...this.registrations.values()];
    const pending = regs.filter((r) => r.currentState !== 'disabled').map((r) => r.unregister('unregistered'));
    const all = Promise.all([...pending, ...this.handovers.values()]);
    await new Promise<void>((resolve) => {
      const timer = this.scheduler.after(deadlineMs, resolve);
      void all.then(() => {
        this.scheduler.cancel(timer);
        resolve();
      });
    });
    for (const r of regs) r.dispose();
    this.scheduler.clear();
    this.layer.resetFlow();
    await Promise.all(Object.values(this.transports).map((t) => t?.close()));
    this.opened = null;
  }

  /**
   * "Test registration": one REGISTER of `config` from this engine's own sockets (the production
   * source address, which carriers often allow-list), apart from the registrations it keeps: not
   * in statuses(), counters or the DDI routing, no binding audit, its statuses to `onStatus` only.
   * Servers `allowTarget` refuses are never sent anything (cause `denied`).
   */
  probe(config: RegistrationConfig, options: { allowTarget?: (target: TransportTarget) => boolean; onStatus: (s: RegistrationStatus) => void }): EngineProbe {
    validateConfig(config);
    if (!this.running) throw new SipError('E_CONFIG', 'the engine is not running');
    const reg = new Registration(config, {
      ...this.deps,
      allowTarget: options.allowTarget ?? this.deps.allowTarget,
      bindingCheckMs: 0,
      bindingChecks: newBindingCheckCounters(),
      onStatus: options.onStatus,
      onTrace: () => {},
      // Not a leased registration: a test goes out from this node whoever holds the real one.
      mayRegister: null,
    });
    reg.start(0);
    return {
      status: () => reg.status(),
      trace: () => reg.trace(),
      finish: async (deadlineMs) => {
        // The same DDI kept registered here has the same Contact: an Expires: 0 for it would
        // remove the live binding at that registrar too, so the test binding is left to expire.
        const shared = [...this.registrations.values()].some((r) => r.currentConfig.ddi === config.ddi && r.currentConfig.enabled);
        if (deadlineMs > 0 && !shared) {
          await new Promise<void>((resolve) => {
            const timer = this.scheduler.after(deadlineMs, resolve);
            void reg.unregister('unregistered').then(() => {
              this.scheduler.cancel(timer);
              resolve();
            });
          });
        }
        reg.dispose();
        return { unregistered: deadlineMs > 0 && !shared };
      },
    };
  }

  status(id: string): RegistrationStatus | null {
    return this.registrations.get(id)?.status() ?? null;
  }

  statuses(): RegistrationStatus[] {
    return [...this.registrations.values()].map((r) => r.status());
  }

  /** Last SIP messages of a registration, oldest first, redacted. */
  trace(id: string): TraceEntry[] {
    return this.registrations.get(id)?.trace() ?? [];
  }

  counters(): EngineCounters {
    const registrationsByState = countByState();
    for (const r of this.registrations.values()) registrationsByState[r.currentState]++;
    const transports: EngineCounters['transports'] = {};
    for (const [k, t] of Object.entries(this.transports) as Array<[TransportProtocol, Transport | undefined]>) {
      if (t) transports[k] = { ...t.counters };
    }
    return {
      transactions: structuredClone(this.layer.counters),
      liveTransactions: this.layer.size,
      flow: { ...this.layer.flowCounters },
      transports,
      uas: structuredClone(this.responder.counters),
      proxy: structuredClone(this.proxy.counters),
      bindingChecks: { ...this.deps.bindingChecks },
      registrationsByState,
    };
  }

  /** The proxy's counters alone (cheap: what the heartbeat writes every beat). */
  proxyCounters(): ProxyCounters {
    return { ...this.proxy.counters, requestsRelayed: { ...this.proxy.counters.requestsRelayed } };
  }

  /**
   * Ports bound by open() for one family (default: the first served): the UDP socket and the
   * TCP/TLS listeners (e.g. to learn ephemeral ones).
   */
  listeningPorts(family: IpFamily | undefined = this.served?.[0]?.family): Partial<Record<TransportProtocol, number>> {
    const ports: Partial<Record<TransportProtocol, number>> = {};
    const own = this.own;
    if (!own || family === undefined) return ports;
    for (const [k, port] of [['udp', own.udp.boundPort(family)], ['tcp', own.tcp.listenPortOf(family)], ['tls', own.tls.listenPortOf(family)]] as const) {
      if (port !== null) ports[k] = port;
    }
    return ports;
  }

  /** Our SIP port of a family: its UDP socket's bound port, else the configured one (default 5060). */
  private sipPort(family: IpFamily): number {
    return this.own?.udp.boundPort(family) ?? (this.binds.find((b) => b.family === family)?.port || 5060);
  }

  /** Contact port over TCP/TLS for a family: that listener's port, else the SIP port. */
  private streamPort(protocol: 'tcp' | 'tls', family: IpFamily): number {
    const t = this.transports[protocol];
    return (t instanceof StreamTransport ? t.listenPortOf(family) : null) ?? this.sipPort(family);
  }

  /** Rings made from now on get min(traceBytes, budget / `count`) characters (rings already made keep theirs). */
  private shareTraceBudget(count: number): void {
    this.traceShareFor = count;
    this.deps.traceBytes = Math.min(this.traceBytes, Math.floor(this.traceBudgetBytes / Math.max(1, count)));
  }

  private upsertQuiet(config: RegistrationConfig): Registration {
    const existing = this.registrations.get(config.id);
    if (existing && !bindingChanged(existing.currentConfig, config) && existing.currentConfig.enabled === config.enabled) {
      existing.updateSettings(config);
      return existing;
    }
    if (existing) existing.dispose();
    else if (this.registrations.size + 1 > this.traceShareFor) this.shareTraceBudget(this.registrations.size + 1);
    const reg = new Registration(config, this.deps);
    this.registrations.set(config.id, reg);
    return reg;
  }
}

/** Configs made and started per event-loop turn by start() (≈ 2–3 ms at 10,000). */
const START_SLICE = 256;
/**
 * Step of the start-up spread when it places more than one first REGISTER per step (10,000 over
 * the default 10 s): one timer turn per 20 ms instead of one process wake-up per millisecond.
 */
const START_GRID_MS = 20;

function isPageSource(configs: readonly RegistrationConfig[] | AsyncIterable<readonly RegistrationConfig[]>): configs is AsyncIterable<readonly RegistrationConfig[]> {
  return !Array.isArray(configs) && typeof (configs as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** A bad engine option: E_CONFIG naming it. */
function parseOption<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new SipError('E_CONFIG', `${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
