import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { startAlertsFromEnv } from './lib/alerts/start';
import { authenticate } from './lib/auth/authenticate';
import type { Principal } from './lib/auth/principal';
import { bootstrapAdminFromEnv, setupNeeded } from './lib/auth/setup';
import { issueSetupToken } from './lib/auth/setup-token';
import { closeDatabase, getDb } from './lib/db/client';
import { env, type Env } from './lib/env';
import { createEngineCountersReader } from './lib/engine/counters';
import { EngineProcess, markEngineDead } from './lib/engine/engine-process';
import { createEngineHealthReader } from './lib/engine/health';
import { setEngineWake } from './lib/engine/wake';
import { EventTail } from './lib/live/event-tail';
import { createEventStreamHandler } from './lib/live/sse';
import { errorText, log, withRequestId } from './lib/log';
import { createStreamLimiter } from './lib/live/stream-limit';
import { createMetrics } from './lib/metrics';
import { getKeyring } from './lib/secrets/keyring';
import { sealStoredSecrets } from './lib/secrets/seal-stored';
import { allowedHosts } from './lib/server/allowed-hosts';
import { parseTrustedProxies } from './lib/server/client-address';
import { REQUEST_ID_HEADER } from './lib/server/request-id';
import { gate } from './lib/server/gate';
import { withoutVersionInfo } from './lib/server/metrics-access';

process.env.NEXT_TELEMETRY_DISABLED = '1';

async function main() {
  const config = env();
  const dev = process.argv.includes('--dev');
  const db = getDb();
  await sealPasswordsAtStart(db);
  const admin = await bootstrapAdminFromEnv(db, config);
  if (admin) log.info(`First admin created from ADMIN_EMAIL: ${admin}`);
  // No operator and no ADMIN_EMAIL/ADMIN_PASSWORD: /setup needs the token printed once the server listens.
  const setupToken = (await setupNeeded(db)) ? issueSetupToken() : null;

  const app = next({ dev, hostname: config.HOST, port: config.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();

  const tail = await EventTail.open(db);
  const engineHealth = createEngineHealthReader(db);
  const eventStream = createEventStreamHandler(db, tail, engineHealth);

  const engine = config.REGISTRAR_ENABLED ? startEngineProcess(db, config, () => void tail.poll()) : null;
  const engineBind = engine ? await engine.start() : null;
  const alerts = startAlertsFromEnv(db, config);
  const metrics = createMetrics(db, tail, createEngineCountersReader(db), engineHealth);

  const gateOptions = {
    dev,
    trustedProxies: parseTrustedProxies(config.TRUST_PROXY),
    hostAllowed: allowedHosts(config),
    metricsAccess: config.METRICS_ACCESS,
  };
  const streams = createStreamLimiter(config.MAX_STREAMS_PER_PRINCIPAL);
  const serve = (req: IncomingMessage, res: ServerResponse, principal: Principal | null) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/api/events' && principal) {
      const release = streams.acquire(principal.via === 'token' ? `token:${principal.tokenId}` : `session:${principal.sessionId}`);
      if (!release) {
        res.writeHead(429, { 'content-type': 'application/json', 'cache-control': 'no-store', 'retry-after': '5' });
        res.end(JSON.stringify({ error: { code: 'too_many_streams', message: `At most ${config.MAX_STREAMS_PER_PRINCIPAL} live streams may be open at once per session or token.` } }));
        return;
      }
      res.once('close', release);
      const credentials = { cookie: req.headers.cookie, authorization: req.headers.authorization, secure: req.headers['x-forwarded-proto'] === 'https' };
      eventStream(req, res, { stillAllowed: async () => (await authenticate(db, credentials)) !== null }).catch((err: unknown) => {
        log.error({ path, error: errorText(err) }, 'event stream failed');
        res.end();
      });
      return;
    }
    if (req.method === 'GET' && path === '/metrics' && principal) {
      void metrics.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(principal.role === 'admin' ? text : withoutVersionInfo(text));
      });
      return;
    }
    handle(req, res).catch((err: unknown) => {
      log.error({ method: req.method, path, error: errorText(err) }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'Internal error' } }));
    });
  };
  const server = createServer(async (req, res) => {
    let decision: Awaited<ReturnType<typeof gate>>;
    try {
      decision = await gate(db, req, res, gateOptions);
    } catch (err) {
      log.error({ method: req.method, error: errorText(err) }, 'request refused: the gate failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'Internal error' } }));
      return;
    }
    // The gate gave the request its id (lib/server/request-id.ts): lines logged while serving it carry it.
    const requestId = String(req.headers[REQUEST_ID_HEADER]);
    withRequestId(requestId, () => {
      if (log.isLevelEnabled('debug')) {
        const started = performance.now();
        const path = (req.url ?? '/').split('?')[0];
        res.once('finish', () => log.debug({ method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
      }
      if (decision.pass) serve(req, res, decision.principal);
    });
  });

  server.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST.includes(':') && !config.HOST.startsWith('[') ? `[${config.HOST}]` : config.HOST;
    log.info(`Portal ready on http://${host}:${port}${engineBind ? ` (registrar on SIP ${engineBind}, process ${engine!.pid})` : ''}`);
    if (setupToken) {
      // The token is printed on purpose, once: it is how the operator reaches /setup (lib/auth/setup-token.ts).
      log.info(`First run: no operator yet. Create the first admin at http://${host}:${port}/setup?token=${setupToken}`);
      log.info('  (the setup token works once, and a restart makes a new one; or set ADMIN_EMAIL and ADMIN_PASSWORD)');
    }
  });

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await Promise.all([engine?.stop(), alerts?.stop()]);
    tail.close();
    await closeDatabase(db);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

/**
 * Encrypts stored SIP passwords that are clear text or under SECRET_KEY_PREVIOUS (completing a
 * key rotation), whether or not the engine runs here; a bad SECRET_KEY stops start-up.
 */
async function sealPasswordsAtStart(db: Parameters<typeof sealStoredSecrets>[0]): Promise<void> {
  const keyring = getKeyring();
  const { sealed, unreadable } = await sealStoredSecrets(db, keyring);
  if (sealed > 0) log.info(`${sealed} stored SIP passwords encrypted with key ${keyring.current.id}`);
  if (unreadable > 0) log.error(`${unreadable} stored SIP passwords cannot be decrypted with SECRET_KEY / SECRET_KEY_PREVIOUS: enter them again or configure their key`);
}

/**
 * The engine in its own process (lib/engine/engine-process.ts), supervised by the portal. The
 * portal stays up when the engine cannot start (e.g. SIP_BIND already in use), so operators can
 * still configure: the engine logs one line saying what is wrong and what to change, and its
 * heartbeat row carries the reason to every page's banner.
 */
function startEngineProcess(db: Parameters<typeof markEngineDead>[0], config: Env, onFlush: () => void): EngineProcess {
  // The bundle runs as dist/server.mjs next to dist/registrar.mjs; `npm run dev` runs the sources through tsx.
  const bundled = import.meta.url.endsWith('.mjs');
  const engine = new EngineProcess({
    entry: fileURLToPath(new URL(bundled ? './registrar.mjs' : './registrar/main.ts', import.meta.url)),
    execArgv: bundled ? ['--enable-source-maps'] : ['--import', 'tsx'],
    onFlush,
    onDeath: (pid, reason) => {
      markEngineDead(db, pid, reason).catch((err: unknown) => log.error(`registrar: cannot record the engine's death: ${errorText(err)}`));
    },
    log,
    stopDeadlineMs: config.REGISTRAR_SHUTDOWN_DEADLINE_MS + 5_000,
  });
  // Route handlers call wakeEngine() after a committed change: pass it on to the child.
  setEngineWake(() => engine.wake());
  return engine;
}

main().catch((err: unknown) => {
  log.fatal(errorText(err));
  process.exit(1);
});
