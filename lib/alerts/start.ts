// Starts the alert runner from the validated environment (the one call server.ts makes).
import type { Db } from '../db/client';
import type { Env } from '../env';
import { log } from '../log';
import { getKeyring } from '../secrets/keyring';
import { startAlerts, type RunningAlerts } from './runner';
import { DEFAULT_RULES } from './rules';

export function startAlertsFromEnv(db: Db, config: Env): RunningAlerts | null {
  if (!config.ALERTS_ENABLED) {
    log.info('alerts: evaluator off in this process (ALERTS_ENABLED=0)');
    return null;
  }
  return startAlerts({
    db,
    keyring: getKeyring(),
    holdMs: config.ALERTS_HOLD_S * 1000,
    evalIntervalMs: config.ALERTS_EVAL_INTERVAL_MS,
    rules: { ...DEFAULT_RULES, groupShare: config.ALERTS_GROUP_PERCENT / 100 },
  });
}
