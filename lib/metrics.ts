// GET /metrics in Prometheus text format (prom-client), served by the custom server.
// Everything about the engine comes from the database, whether the engine is the portal's child
// process or runs apart: up/down, calls relayed/refused and the transaction figures from each
// node's heartbeat (lib/engine/counters.ts: at most one REGISTRAR_HEARTBEAT_MS old), registrations
// by state, and per engine node (label `node`, its id `<host name>/<SIP_BIND>`): whether it is up,
// how many registrations it holds (unexpired leases) and its counters. Queries that want the
// engine as a whole sum over `node` (deploy/prometheus/rules.yaml, deploy/grafana/).
import { count, eq } from 'drizzle-orm';
import type { Conn } from './db/conn';
import { alerts, engineNodes, notificationDeliveries, registrationStatus } from './db/schema';
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { NodeCounters } from './engine/counters';
import { downNodes, isFresh, type EngineHealth } from './engine/health';
import { leasesHeld } from './engine/nodes';
import type { EventTail } from './live/event-tail';
import { LATENCY_BUCKETS_MS, type EngineCounters } from '../registrar';

const RESPONSE_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', '6xx'] as const;

/** A histogram whose buckets the engine nodes already keep (cumulative counts made here), per node. */
function latencyHistogram(engine: { nodes(): NodeCounters[] }): Metric {
  const name = 'sip_register_transaction_duration_seconds';
  const help = 'REGISTER transaction time from first send to final response, per engine node.';
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values = engine.nodes().flatMap(({ nodeId: node, counters }) => {
        const { latency } = counters.transactions;
        let cumulative = 0;
        const series = LATENCY_BUCKETS_MS.map((ms, i) => {
          cumulative += latency.buckets[i] ?? 0;
          return { metricName: `${name}_bucket`, labels: { node, le: ms / 1000 }, value: cumulative };
        });
        series.push({ metricName: `${name}_bucket`, labels: { node, le: '+Inf' as unknown as number }, value: latency.count });
        series.push({ metricName: `${name}_sum`, labels: { node } as { node: string; le: number }, value: latency.sumMs / 1000 });
        series.push({ metricName: `${name}_count`, labels: { node } as { node: string; le: number }, value: latency.count });
        return series;
      });
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  } as unknown as Metric;
}

export function createMetrics(db: Conn, tail: EventTail, engineCounters: () => Promise<NodeCounters[]>, engineHealth: () => Promise<EngineHealth>): Registry {
  // Read once per scrape (below), then by every engine series.
  let latest: NodeCounters[] = [];
  const engine = { nodes: () => latest };
  /** Each fresh node's counters, with its node label. */
  const perNode = <T>(pick: (c: EngineCounters) => T) => latest.map(({ nodeId, counters }) => ({ node: nodeId, c: pick(counters) }));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'registrar_engine_up',
    help: 'Whether the registrar engine runs (1: some engine node\'s heartbeat is fresh; 0: stopped, silent or never seen), as GET /api/health says.',
    registers: [registry],
    async collect() {
      this.set((await engineHealth()).state === 'running' ? 1 : 0);
    },
  });
  const nodeRows = () =>
    db
      .select({
        nodeId: engineNodes.nodeId,
        state: engineNodes.state,
        bind: engineNodes.bind,
        heartbeatAt: engineNodes.heartbeatAt,
        intervalMs: engineNodes.intervalMs,
        reason: engineNodes.reason,
        callsRelayed: engineNodes.callsRelayed,
        callsRefused: engineNodes.callsRefused,
      })
      .from(engineNodes);
  new Gauge({
    name: 'registrar_engine_node_up',
    help: 'Per engine node: 1 while its heartbeat is fresh, 0 when it died (heartbeat silent, or stopped other than by a clean shutdown) in the last 24 hours. A node shut down cleanly is not listed. Its registrations move to the live nodes within REGISTRAR_LEASE_S.',
    labelNames: ['node'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      const rows = await nodeRows();
      this.reset();
      for (const r of rows) if (isFresh(r, now)) this.set({ node: r.nodeId }, 1);
      for (const d of downNodes(rows, now)) this.set({ node: d.nodeId }, 0);
    },
  });
  new Gauge({
    name: 'registrar_registrations_held',
    help: 'Registrations each engine node holds now (its unexpired leases).',
    labelNames: ['node'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      const [rows, held] = await Promise.all([nodeRows(), leasesHeld(db, now)]);
      this.reset();
      for (const r of rows) if (isFresh(r, now)) this.set({ node: r.nodeId }, 0);
      for (const [node, n] of held) this.set({ node }, n);
    },
  });
  new Counter({
    name: 'sip_calls_total',
    help: 'Calls (new INVITEs) at our Contact, per engine node: relayed to the forward target, or refused with 480 because none is configured. From the nodes\' heartbeats (counted since each node started).',
    labelNames: ['node', 'outcome'],
    registers: [registry],
    async collect() {
      const rows = await nodeRows();
      this.reset();
      for (const r of rows) {
        this.inc({ node: r.nodeId, outcome: 'relayed' }, r.callsRelayed);
        this.inc({ node: r.nodeId, outcome: 'refused' }, r.callsRefused);
      }
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
    help: 'REGISTER transactions by engine node and final response class (timeout / transport_error when none).',
    labelNames: ['node', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c: t } of perNode((c) => c.transactions)) {
        RESPONSE_CLASSES.forEach((c, i) => this.inc({ node, class: c }, t.responsesByClass[i + 1] ?? 0));
        this.inc({ node, class: 'timeout' }, t.timeouts);
        this.inc({ node, class: 'transport_error' }, t.transportErrors);
      }
    },
  });
  new Counter({
    name: 'sip_retransmissions_total',
    help: 'REGISTER retransmissions (Timer E, RFC 3261 §17.1.2.2), per engine node.',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c } of perNode((c) => c.transactions.retransmissions)) this.inc({ node }, c);
    },
  });
  new Counter({
    name: 'sip_dropped_messages_total',
    help: 'Inbound SIP messages dropped: malformed or matching no transaction.',
    labelNames: ['node', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c: t } of perNode((c) => c.transactions)) {
        this.inc({ node, reason: 'malformed' }, t.droppedMalformed);
        this.inc({ node, reason: 'unmatched' }, t.droppedUnmatched);
      }
    },
  });
  new Counter({
    name: 'sip_inbound_requests_total',
    help: 'SIP requests received at our Contact, by method (OTHER outside the SIP method registry) and transport.',
    labelNames: ['node', 'method', 'transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c: requests } of perNode((c) => c.uas.requests)) {
        for (const [method, byTransport] of Object.entries(requests)) {
          for (const [transport, n] of Object.entries(byTransport)) this.inc({ node, method, transport }, n ?? 0);
        }
      }
    },
  });
  new Counter({
    name: 'sip_responses_sent_total',
    help: 'Responses sent to requests at our Contact, by status code.',
    labelNames: ['node', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c: responses } of perNode((c) => c.uas.responses)) {
        for (const [status, n] of Object.entries(responses)) this.inc({ node, status }, n);
      }
    },
  });
  new Counter({
    name: 'sip_flows_lost_total',
    help: 'Outbound TCP/TLS connections lost: closed or reset by the far end, or keep-alive pong missing (RFC 5626).',
    labelNames: ['node', 'transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c: transports } of perNode((c) => c.transports)) {
        for (const [transport, c] of Object.entries(transports)) if (c && 'flowsLost' in c) this.inc({ node, transport }, c.flowsLost);
      }
    },
  });
  new Counter({
    name: 'sip_keepalives_total',
    help: 'RFC 5626 CRLF keep-alives on TCP/TLS: pings sent, pongs received, pongs sent to the peer\'s pings.',
    labelNames: ['node', 'transport', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c: transports } of perNode((c) => c.transports)) {
        for (const [transport, c] of Object.entries(transports)) {
          if (!c || !('pingsSent' in c)) continue;
          this.inc({ node, transport, kind: 'ping_sent' }, c.pingsSent);
          this.inc({ node, transport, kind: 'pong_received' }, c.pongsReceived);
          this.inc({ node, transport, kind: 'pong_sent' }, c.pongsSent);
        }
      }
    },
  });
  new Counter({
    name: 'sip_binding_checks_total',
    help: 'Binding audits (REGISTER without Contact, RFC 3261 §10.2.3) by result: listed (our Contact there), lost (not there: registered again), contactless/refused/failed (answered without any Contact, with an error, or not at all: a refresh followed), refreshed (an audit done as a refresh for a registrar that does not answer queries).',
    labelNames: ['node', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { node, c: checks } of perNode((c) => c.bindingChecks)) {
        for (const [result, n] of Object.entries(checks)) this.inc({ node, result }, n);
      }
    },
  });
  registry.registerMetric(latencyHistogram(engine));
  const scrape = registry.metrics.bind(registry);
  registry.metrics = async () => {
    latest = await engineCounters();
    return scrape();
  };
  return registry;
}
