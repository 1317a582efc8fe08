// GET /metrics in Prometheus text format (prom-client), served by the custom server.
// Everything about the engine comes from the database, whether the engine is the portal's child
// process or runs apart: up/down, calls relayed/refused and the transaction figures from its
// heartbeat (lib/engine/counters.ts: at most one REGISTRAR_HEARTBEAT_MS old), registrations by state.
import { count, eq, sum } from 'drizzle-orm';
import type { Conn } from './db/conn';
import { alerts, engineNodes, notificationDeliveries, registrationStatus } from './db/schema';
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { EngineHealth } from './engine/health';
import type { EventTail } from './live/event-tail';
import { LATENCY_BUCKETS_MS, type EngineCounters } from '../registrar';

const RESPONSE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx'] as const;

/** A histogram whose buckets the engine already keeps (cumulative counts made here). */
function latencyHistogram(engine: { counters(): EngineCounters }): Metric {
  const name = 'sip_register_transaction_duration_seconds';
  const help = 'REGISTER transaction time from first send to final response.';
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const { latency } = engine.counters().transactions;
      let cumulative = 0;
      const values = LATENCY_BUCKETS_MS.map((ms, i) => {
        cumulative += latency.buckets[i] ?? 0;
        return { metricName: `${name}_bucket`, labels: { le: ms / 1000 }, value: cumulative };
      });
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' as unknown as number }, value: latency.count });
      values.push({ metricName: `${name}_sum`, labels: {} as { le: number }, value: latency.sumMs / 1000 });
      values.push({ metricName: `${name}_count`, labels: {} as { le: number }, value: latency.count });
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  } as unknown as Metric;
}

/** The running engines' counters, zero when none beats (the series stay, at 0). */
const NO_COUNTERS = {
  transactions: { responsesByClass: [], timeouts: 0, transportErrors: 0, retransmissions: 0, droppedMalformed: 0, droppedUnmatched: 0, latency: { buckets: [], count: 0, sumMs: 0 } },
  uas: { requests: {}, responses: {} },
  transports: {},
  bindingChecks: {},
} as unknown as EngineCounters;

export function createMetrics(db: Conn, tail: EventTail, engineCounters: () => Promise<EngineCounters | null>, engineHealth: () => Promise<EngineHealth>): Registry {
  // Read once per scrape (below), then by every engine series.
  let latest: EngineCounters = NO_COUNTERS;
  const engine = { counters: () => latest };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'registrar_engine_up',
    help: 'Whether the registrar engine runs (1: its heartbeat is fresh; 0: stopped, silent or never seen), as GET /api/health says.',
    registers: [registry],
    async collect() {
      this.set((await engineHealth()).state === 'running' ? 1 : 0);
    },
  });
  const calls = () =>
    db
      .select({ relayed: sum(engineNodes.callsRelayed).mapWith(Number), refused: sum(engineNodes.callsRefused).mapWith(Number) })
      .from(engineNodes);
  new Counter({
    name: 'sip_calls_total',
    help: 'Calls (new INVITEs) at our Contact: relayed to the forward target, or refused with 480 because none is configured. From the engines\' heartbeats (counted since each engine started).',
    labelNames: ['outcome'],
    registers: [registry],
    async collect() {
      const [row] = await calls();
      this.reset();
      this.inc({ outcome: 'relayed' }, row?.relayed ?? 0);
      this.inc({ outcome: 'refused' }, row?.refused ?? 0);
    },
  });
  const byState = () =>
    db.select({ state: registrationStatus.state, n: count() }).from(registrationStatus).groupBy(registrationStatus.state);

  new Gauge({
    name: 'sip_registrations',
    help: 'Registrations by state, as last reported by the engine.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const rows = await byState();
      this.reset();
      for (const row of rows) this.set({ state: row.state }, row.n);
    },
  });
  const openAlerts = () => db.select({ scope: alerts.scope, n: count() }).from(alerts).where(eq(alerts.state, 'open')).groupBy(alerts.scope);
  new Gauge({
    name: 'portal_alerts_open',
    help: 'Open alerts by scope (registration, provider, platform), as the portal\'s alert rules raised them (lib/alerts).',
    labelNames: ['scope'],
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>((await openAlerts()).map((r) => [r.scope, r.n]));
      this.reset();
      for (const scope of ['registration', 'provider', 'platform']) this.set({ scope }, counts.get(scope) ?? 0);
    },
  });
  const deliveries = () =>
    db.select({ status: notificationDeliveries.status, n: count() }).from(notificationDeliveries).groupBy(notificationDeliveries.status);
  new Gauge({
    name: 'portal_notification_deliveries',
    help: 'Notifications in the delivery log (kept 30 days) by status: pending (waiting for a first try or a retry), sending, sent, failed.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>((await deliveries()).map((r) => [r.status, r.n]));
      this.reset();
      for (const status of ['pending', 'sending', 'sent', 'failed']) this.set({ status }, counts.get(status) ?? 0);
    },
  });
  new Gauge({
    name: 'portal_stream_clients',
    help: 'Browsers connected to the live status stream.',
    registers: [registry],
    collect() {
      this.set(tail.clients);
    },
  });
  new Counter({
    name: 'portal_stream_events_pushed_total',
    help: 'Status events pushed to browsers (each client counted).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(tail.delivered);
    },
  });
  new Counter({
    name: 'sip_register_transactions_total',
    help: 'REGISTER transactions by final response class (timeout / transport_error when none).',
    labelNames: ['class'],
    registers: [registry],
    collect() {
      const t = engine.counters().transactions;
      this.reset();
      RESPONSE_CLASSES.forEach((c, i) => this.inc({ class: c }, t.responsesByClass[i + 1] ?? 0));
      this.inc({ class: 'timeout' }, t.timeouts);
      this.inc({ class: 'transport_error' }, t.transportErrors);
    },
  });
  new Counter({
    name: 'sip_retransmissions_total',
    help: 'REGISTER retransmissions (Timer E, RFC 3261 §17.1.2.2).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(engine.counters().transactions.retransmissions);
    },
  });
  new Counter({
    name: 'sip_dropped_messages_total',
    help: 'Inbound SIP messages dropped: malformed or matching no transaction.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const t = engine.counters().transactions;
      this.reset();
      this.inc({ reason: 'malformed' }, t.droppedMalformed);
      this.inc({ reason: 'unmatched' }, t.droppedUnmatched);
    },
  });
  new Counter({
    name: 'sip_inbound_requests_total',
    help: 'SIP requests received at our Contact, by method (OTHER outside the SIP method registry) and transport.',
    labelNames: ['method', 'transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [method, byTransport] of Object.entries(engine.counters().uas.requests)) {
        for (const [transport, n] of Object.entries(byTransport)) this.inc({ method, transport }, n ?? 0);
      }
    },
  });
  new Counter({
    name: 'sip_responses_sent_total',
    help: 'Responses sent to requests at our Contact, by status code.',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, n] of Object.entries(engine.counters().uas.responses)) this.inc({ status }, n);
    },
  });
  new Counter({
    name: 'sip_flows_lost_total',
    help: 'Outbound TCP/TLS connections lost: closed or reset by the far end, or keep-alive pong missing (RFC 5626).',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, c] of Object.entries(engine.counters().transports)) if (c && 'flowsLost' in c) this.inc({ transport }, c.flowsLost);
    },
  });
  new Counter({
    name: 'sip_keepalives_total',
    help: 'RFC 5626 CRLF keep-alives on TCP/TLS: pings sent, pongs received, pongs sent to the peer\'s pings.',
    labelNames: ['transport', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, c] of Object.entries(engine.counters().transports)) {
        if (!c || !('pingsSent' in c)) continue;
        this.inc({ transport, kind: 'ping_sent' }, c.pingsSent);
        this.inc({ transport, kind: 'pong_received' }, c.pongsReceived);
        this.inc({ transport, kind: 'pong_sent' }, c.pongsSent);
      }
    },
  });
  new Counter({
    name: 'sip_binding_checks_total',
    help: 'Binding audits (REGISTER without Contact, RFC 3261 §10.2.3) by result: listed (our Contact there), lost (not there: registered again), contactless/refused/failed (answered without any Contact, with an error, or not at all: a refresh followed), refreshed (an audit done as a refresh for a registrar that does not answer queries).',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [result, n] of Object.entries(engine.counters().bindingChecks)) this.inc({ result }, n);
    },
  });
  registry.registerMetric(latencyHistogram(engine));
  const scrape = registry.metrics.bind(registry);
  registry.metrics = async () => {
    latest = (await engineCounters()) ?? NO_COUNTERS;
    return scrape();
  };
  return registry;
}
