// Builds the engine and its database supervisor from the validated environment. Used by
// server.ts (engine inside the portal process) and by main.ts (`npm run registrar`).
import type { Db } from '../lib/db/client';
import type { Env } from '../lib/env';
import { enginePort } from '../lib/log';
import { setEngineWake } from '../lib/engine/wake';
import type { Keyring } from '../lib/secrets/key';
import { keyringFromEnv } from '../lib/secrets/keyring';
import { sealStoredSecrets } from '../lib/secrets/seal-stored';
import { parseDnsServers, resolverFor } from './dns/servers';
import { Engine } from './engine';
import { explainStartFailure, type StartFailure } from './start-failure';
import { Heartbeat } from './store/heartbeat';
import { StateSampler } from './store/state-samples';
import { Supervisor } from './supervisor';
import { parseSipBind } from './transport/sip-bind';
import { toLogger, type Logger, type LogSink } from './util/log';

/** The engine did not start; its heartbeat row already says why. */
export class RegistrarStartError extends Error {
  constructor(readonly failure: StartFailure) {
    super(failure.reason);
    this.name = 'RegistrarStartError';
  }

  /** The one log line: what is wrong and what to change. */
  logLine(): string {
    return `registrar NOT started: ${this.failure.reason}. ${this.failure.fix}.`;
  }
}

export interface RunningRegistrar {
  engine: Engine;
  supervisor: Supervisor;
  /** SIP_BIND as served: every entry, or the IPv4 ones when the host has no IPv6. */
  bind: string;
  /**
   * Stops the node: hands its registrations back to the other live engine nodes (no un-REGISTER),
   * or, as the last one, unregisters every binding within the configured deadline; then closes the sockets.
   */
  stop(): Promise<void>;
}

/**
 * Seals stored SIP passwords that are clear text or under a previous key (completing a key
 * rotation) before any registration is read, and says what it did.
 */
async function sealPasswords(db: Db, config: Env, log: Logger): Promise<Keyring> {
  const keyring = keyringFromEnv(config);
  const { sealed, unreadable } = await sealStoredSecrets(db, keyring);
  if (sealed > 0) log.info(`registrar: ${sealed} stored SIP passwords encrypted with key ${keyring.current.id}`);
  if (unreadable > 0) log.error(`registrar: ${unreadable} stored SIP passwords cannot be decrypted with the configured keys (SECRET_KEY, SECRET_KEY_PREVIOUS)`);
  return keyring;
}

/**
 * Starts the engine and its heartbeat. On failure the heartbeat row is set to stopped with the
 * reason (so the portal can show it) and a RegistrarStartError is thrown. Lines go to `sink`
 * (default: the portal's logger, lib/log.ts).
 */
export async function startRegistrar(db: Db, config: Env, sink: LogSink = enginePort()): Promise<RunningRegistrar> {
  const log = toLogger(sink);
  const leaseMs = config.REGISTRAR_LEASE_S * 1000;
  // A node is live while its heartbeat is newer than one lease: it beats at least three times per lease.
  const heartbeat = new Heartbeat(db, { bind: config.SIP_BIND, intervalMs: Math.min(config.REGISTRAR_HEARTBEAT_MS, Math.floor(leaseMs / 3)), log });
  let running: Omit<RunningRegistrar, 'stop' | 'bind'>;
  try {
    running = await startEngine(db, config, log, { nodeId: heartbeat.nodeId, leaseMs });
  } catch (err) {
    const failure = explainStartFailure(err, config.SIP_BIND);
    await recordStop(heartbeat, failure.reason, log);
    throw new RegistrarStartError(failure);
  }
  heartbeat.reportCounters(() => running.engine.counters());
  heartbeat.reportCalls(() => {
    const { callsRelayed, callsRefused } = running.engine.proxyCounters();
    return { relayed: callsRelayed, refused: callsRefused };
  });
  const bind = running.engine.bindings();
  await heartbeat.start(bind);
  const samples = new StateSampler(db, { log });
  samples.start();
  return {
    ...running,
    bind,
    stop: async () => {
      samples.stop();
      let recorded = false;
      const record = async () => {
        recorded = true;
        await recordStop(heartbeat, 'shut down', log);
      };
      await running.supervisor.stop(config.REGISTRAR_SHUTDOWN_DEADLINE_MS, { beforeHandBack: record });
      if (!recorded) await record();
    },
  };
}

/** Marks the heartbeat stopped; a database error is logged, never thrown over the real outcome. */
async function recordStop(heartbeat: Heartbeat, reason: string, log: Logger): Promise<void> {
  try {
    await heartbeat.stopped(reason);
  } catch (err) {
    log.error(`registrar: cannot record the stop (${reason}): ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function startEngine(db: Db, config: Env, log: Logger, lease: { nodeId: string; leaseMs: number }): Promise<Omit<RunningRegistrar, 'stop' | 'bind'>> {
  const keyring = await sealPasswords(db, config, log);
  const engine = new Engine({
    binds: parseSipBind(config.SIP_BIND),
    log,
    publicHost: config.SIP_PUBLIC_HOST,
    tlsCertFile: config.SIP_TLS_CERT_FILE,
    tlsKeyFile: config.SIP_TLS_KEY_FILE,
    tlsPort: config.SIP_TLS_PORT,
    tlsCaFile: config.SIP_TLS_CA_FILE,
    bindingCheckMs: config.REGISTRAR_BINDING_CHECK_S * 1000,
    resolver: resolverFor(parseDnsServers(config.SIP_DNS_SERVERS)),
    forwardTo: config.SIP_FORWARD_TO ?? null,
  });
  const supervisor = new Supervisor(db, engine, {
    spreadMs: config.REGISTRAR_STARTUP_SPREAD_MS,
    log,
    keyring,
    // Status, timeline and trace writes in a worker thread with its own connection (store/status-store.ts; SQLite).
    writeThread: true,
    installWake: setEngineWake,
    lease,
  });
  await supervisor.start();
  return { engine, supervisor };
}
