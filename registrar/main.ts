// `npm run registrar`: the engine alone against the portal database (portal and engine as
// separate processes), and the same entry forked by the portal under `npm start`
// (lib/engine/engine-process.ts). SIGTERM/SIGINT unregister every binding, bounded by a deadline,
// or, with other engine nodes alive, hand the registrations to them (registrar/supervisor.ts stop).
// Forked (an IPC channel to the portal): `wake` reads the change journal at once, `stop` stops
// as SIGTERM does, each status flush is reported (`flushed`, for the live stream), and a closed
// channel (the portal died, even by SIGKILL) stops the engine too, so no orphan keeps the SIP port.
import { isPostgresUrl } from '../lib/db/dialect';
import { closeDatabase, databaseLocation, dbHandle, type Db } from '../lib/db/handle';
import { openSqliteDatabase } from '../lib/db/sqlite-open';
import { EXIT_START_FAILED, type FromEngine, type ToEngine } from '../lib/engine/engine-process';
import { wakeEngine } from '../lib/engine/wake';
import { env } from '../lib/env';
import { errorText, log } from '../lib/log';
import { RegistrarStartError, startRegistrar } from './start';

const tell = (message: FromEngine) => {
  if (process.connected) process.send!(message);
};

/**
 * The portal database. PostgreSQL's opener (pg and drizzle's driver: ≈ 50 ms of CPU and 12 MiB at
 * load) is imported only for a postgres:// URL; the bundle keeps it in a chunk of its own
 * (scripts/build-node.mjs), so the SQLite default never loads it.
 */
async function openPortalDatabase(location: string): Promise<Db> {
  if (!isPostgresUrl(location)) return openSqliteDatabase(location);
  const { openDatabase } = await import('../lib/db/client');
  return openDatabase(location);
}

async function main(): Promise<void> {
  const config = env();
  const db = await openPortalDatabase(databaseLocation(config));
  const registrar = await startRegistrar(db, config);
  log.info(`registrar: SIP on ${registrar.bind}, database ${dbHandle(db).dialect === 'pg' ? 'PostgreSQL (DATABASE_URL)' : config.DATABASE_PATH}`);
  let stopping: Promise<void> | null = null;
  const shutdown = () =>
    (stopping ??= (async () => {
      await registrar.stop();
      await closeDatabase(db);
      process.exit(0);
    })());
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  if (process.send) {
    registrar.supervisor.store.onFlush = () => tell({ type: 'flushed' });
    process.on('message', (message: ToEngine) => {
      if (message.type === 'wake') wakeEngine();
      else if (message.type === 'stop') void shutdown();
    });
    process.once('disconnect', () => {
      log.warn('registrar: the portal process is gone: stopping');
      void shutdown();
    });
    tell({ type: 'ready', bind: registrar.bind });
  }
}

main().catch((err: unknown) => {
  if (err instanceof RegistrarStartError) {
    log.fatal(err.logLine());
    process.exit(EXIT_START_FAILED);
  }
  log.fatal(errorText(err));
  process.exit(1);
});
