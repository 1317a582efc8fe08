// Builds the engine and its database supervisor from the validated environment. Used by
// server.ts (engine inside the portal process) and by main.ts (`npm run registrar`).
import type Database from 'better-sqlite3';
import type { Env } from '../lib/env';
import { Engine } from './engine';
import { Supervisor } from './supervisor';

export interface RunningRegistrar {
  engine: Engine;
  supervisor: Supervisor;
  /** Unregisters every binding within the configured deadline, then closes the sockets. */
  stop(): Promise<void>;
}

function splitHostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(text.slice(i + 1)) };
}

export async function startRegistrar(sqlite: Database.Database, config: Env): Promise<RunningRegistrar> {
  const bind = splitHostPort(config.SIP_BIND);
  const engine = new Engine({
    bindAddress: bind.host,
    bindPort: bind.port,
    publicHost: config.SIP_PUBLIC_HOST,
    tlsCaFile: config.SIP_TLS_CA_FILE,
  });
  const supervisor = new Supervisor(sqlite, engine, {
    spreadMs: config.REGISTRAR_STARTUP_SPREAD_MS,
    log: (m) => console.log(m),
  });
  await supervisor.start();
  return { engine, supervisor, stop: () => supervisor.stop(config.REGISTRAR_SHUTDOWN_DEADLINE_MS) };
}
