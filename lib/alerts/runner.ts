/**
 * The alert evaluator and deliverer, run by the portal process (server.ts): every
 * ALERTS_EVAL_INTERVAL_MS it reads the registrations' state from the database, decides
 * (./rules.ts) and applies; every second (and when woken) it sends what is due. All state is in
 * the database (open alerts, deliveries with their next attempt), so a restart neither repeats an
 * alert nor loses a notification, and the engine may run anywhere.
 */
import type { Db } from '../db/client';
import { errorText, log } from '../log';
import type { Keyring } from '../secrets/key';
import { deliverDue, type DelivererDeps } from './deliverer';
import { prune } from './delivery-queries';
import { applyDecision, loadCandidates, loadOpenAlerts, loadProviderTotals, type FirstFailureMemo } from './evaluator-queries';
import { decide, type RuleSettings } from './rules';
import { setAlertsWake } from './wake';

export type AlertsOptions = {
  db: Db;
  keyring: Keyring;
  holdMs: number;
  evalIntervalMs: number;
  rules: RuleSettings;
  now?: () => number;
  deliver?: Partial<DelivererDeps>;
};

/** One evaluation: read, decide, apply. Returns what changed (for logs and tests). */
export function evaluateOnce(opts: Pick<AlertsOptions, 'db' | 'holdMs' | 'rules' | 'now'> & { memo?: FirstFailureMemo }) {
  const now = (opts.now ?? Date.now)();
  const decision = decide(now, loadCandidates(opts.db, now, opts.holdMs, opts.memo), loadProviderTotals(opts.db), loadOpenAlerts(opts.db), opts.rules);
  if (decision.open.length === 0 && decision.resolve.length === 0 && decision.recount.length === 0) return { opened: [], resolved: [], deliveries: 0 };
  return applyDecision(opts.db, decision, now);
}

const DELIVER_POLL_MS = 1_000;
const PRUNE_EVERY_MS = 3_600_000;

export type RunningAlerts = { stop: () => Promise<void>; evaluate: () => void };

export function startAlerts(opts: AlertsOptions): RunningAlerts {
  const now = opts.now ?? Date.now;
  let delivering: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastPrune = 0;
  const memo: FirstFailureMemo = new Map();

  const deliver = () => {
    if (stopped) return;
    if (delivering) {
      again = true;
      return;
    }
    delivering = (async () => {
      do {
        again = false;
        try {
          const n = await deliverDue({ db: opts.db, keyring: opts.keyring, now, ...opts.deliver });
          if (n > 0) again = true; // more may be due (a full batch, or retries that came due meanwhile)
          if (n === 0) break;
        } catch (err) {
          log.error({ error: errorText(err) }, 'alerts: delivery round failed');
          break;
        }
      } while (again && !stopped);
    })().finally(() => {
      delivering = null;
    });
  };

  const evaluate = () => {
    if (stopped) return;
    try {
      const applied = evaluateOnce({ ...opts, memo });
      for (const a of applied.opened) log.warn({ alertId: a.id, key: a.key }, `alert opened: ${a.summary}`);
      for (const a of applied.resolved) log.info({ alertId: a.id, key: a.key }, `alert resolved: ${a.summary}`);
      if (applied.deliveries > 0) deliver();
      if (now() - lastPrune > PRUNE_EVERY_MS) {
        lastPrune = now();
        prune(opts.db, lastPrune);
      }
    } catch (err) {
      log.error({ error: errorText(err) }, 'alerts: evaluation failed');
    }
  };

  const evalTimer = setInterval(evaluate, opts.evalIntervalMs);
  const deliverTimer = setInterval(deliver, DELIVER_POLL_MS);
  evalTimer.unref();
  deliverTimer.unref();
  const removeWake = setAlertsWake(deliver);
  evaluate();
  deliver();
  return {
    evaluate,
    stop: async () => {
      stopped = true;
      clearInterval(evalTimer);
      clearInterval(deliverTimer);
      removeWake();
      await delivering;
    },
  };
}
