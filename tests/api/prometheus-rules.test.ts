/**
 * The shipped Prometheus alerting rules (deploy/prometheus/rules.yaml) and Grafana dashboard
 * (deploy/grafana/ddi-registrations.json) use only metrics the portal really exports: every
 * metric name in their PromQL is in a live /metrics answer of a portal with the engine inside
 * (where every family the rules use is exported).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { useServer } from './server';

const server = useServer({ REGISTRAR_ENABLED: '1', SIP_BIND: '127.0.0.1:0' });

/** PromQL functions, aggregations and keywords: not metric names. */
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'clamp_min', 'clamp_max', 'abs', 'absent',
  'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'time', 'vector', 'scalar', 'label_replace',
]);

/** The metric names an expression reads: label matchers, grouping labels, strings, numbers and durations removed. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = stripped.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return names.filter((n) => !PROMQL_WORDS.has(n) && !/^(e|Inf|NaN)$/i.test(n));
}

function ruleExprs(): string[] {
  const text = readFileSync('deploy/prometheus/rules.yaml', 'utf8');
  const exprs = [...text.matchAll(/^\s*expr:\s*(.+)$/gm)].map((m) => m[1]!.trim());
  assert.ok(!/^\s*expr:\s*[|>]/m.test(text), 'every expr on one line');
  return exprs;
}

function dashboardExprs(): string[] {
  const dashboard = JSON.parse(readFileSync('deploy/grafana/ddi-registrations.json', 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/** Metric families of an exposition (from `# TYPE`), with the series names a histogram adds. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1]! + s);
    if (m[2] === 'summary') for (const s of ['_sum', '_count']) names.add(m[1]! + s);
  }
  return names;
}

describe('Prometheus rules and Grafana dashboard', () => {
  test('the expression reader finds metric names and nothing else', () => {
    assert.deepEqual(metricNames('histogram_quantile(0.95, sum by (le) (rate(sip_x_bucket{a="b|c"}[5m]))) > 2'), ['sip_x_bucket']);
    assert.deepEqual(metricNames('sum(a_total{class=~"timeout"}) / clamp_min(sum(b), 1e-9) > 0.1'), ['a_total', 'b']);
  });

  test('every metric they use is in a live /metrics answer', async () => {
    const res = await server.api('/metrics');
    assert.equal(res.status, 200);
    const live = exported(res.text);
    assert.ok(live.has('registrar_engine_up') && live.has('sip_register_transactions_total'), 'the engine runs in this portal');
    const rules = ruleExprs();
    const panels = dashboardExprs();
    assert.ok(rules.length >= 10, `${rules.length} rules`);
    assert.ok(panels.length >= 16, `${panels.length} panel queries`);
    const used = new Map<string, string>();
    for (const expr of [...rules, ...panels]) for (const name of metricNames(expr)) used.set(name, expr);
    assert.ok(used.size >= 15, `${used.size} metrics used`);
    const missing = [...used].filter(([name]) => !live.has(name)).map(([name, expr]) => `${name} (in ${expr})`);
    assert.deepEqual(missing, [], 'metrics used but not exported');
    // The portal's alert metrics are among them.
    for (const name of ['portal_alerts_open', 'portal_notification_deliveries', 'sip_registrations']) assert.ok(used.has(name), name);
  });
});
