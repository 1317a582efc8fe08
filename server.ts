import { createServer } from 'node:http';
import next from 'next';
import { authenticate } from './lib/auth/authenticate';
import { bootstrapAdminFromEnv, setupNeeded } from './lib/auth/setup';
import { issueSetupToken } from './lib/auth/setup-token';
import { getDb } from './lib/db/client';
import { env, type Env } from './lib/env';
import { createEngineHealthReader } from './lib/engine/health';
import { EventTail } from './lib/live/event-tail';
import { createEventStreamHandler } from './lib/live/sse';
import { createStreamLimiter } from './lib/live/stream-limit';
import { createMetrics } from './lib/metrics';
import { getKeyring } from './lib/secrets/keyring';
import { sealStoredSecrets } from './lib/secrets/seal-stored';
import { allowedHosts } from './lib/server/allowed-hosts';
import { parseTrustedProxies } from './lib/server/client-address';
import { gate } from './lib/server/gate';
import { withoutVersionInfo } from './lib/server/metrics-access';
import { RegistrarStartError, startRegistrar, type RunningRegistrar } from './registrar/start';

process.env.NEXT_TELEMETRY_DISABLED = '1';

async function main() {
  const config = env();
  const dev = process.argv.includes('--dev');
  const db = getDb();
  sealPasswordsAtStart(db.$client);
  const admin = await bootstrapAdminFromEnv(db, config);
  if (admin) console.log(`First admin created from ADMIN_EMAIL: ${admin}`);
  // No operator and no ADMIN_EMAIL/ADMIN_PASSWORD: /setup needs the token printed once the server listens.
  const setupToken = setupNeeded(db) ? issueSetupToken() : null;

  const app = next({ dev, hostname: config.HOST, port: config.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();

  const tail = new EventTail(db.$client);
  const engineHealth = createEngineHealthReader(db.$client);
  const eventStream = createEventStreamHandler(db.$client, tail, engineHealth);

  const registrar = config.REGISTRAR_ENABLED ? await startRegistrarOrExplain(db.$client, config) : null;
  if (registrar) registrar.supervisor.store.onFlush = () => tail.poll();
  const metrics = createMetrics(db.$client, tail, registrar?.engine ?? null, engineHealth);

  const gateOptions = {
    dev,
    trustedProxies: parseTrustedProxies(config.TRUST_PROXY),
    hostAllowed: allowedHosts(config),
    metricsAccess: config.METRICS_ACCESS,
  };
  const streams = createStreamLimiter(config.MAX_STREAMS_PER_PRINCIPAL);
  const server = createServer((req, res) => {
    const decision = gate(db, req, res, gateOptions);
    if (!decision.pass) return;
    const { principal } = decision;
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
      return eventStream(req, res, { stillAllowed: () => authenticate(db, credentials) !== null });
    }
    if (req.method === 'GET' && path === '/metrics' && principal) {
      void metrics.metrics().then((text) => {
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(principal.role === 'admin' ? text : withoutVersionInfo(text));
      });
      return;
    }
    handle(req, res).catch((err: unknown) => {
      console.error('request failed', err instanceof Error ? err.message : err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'Internal error' } }));
    });
  });

  server.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST.includes(':') && !config.HOST.startsWith('[') ? `[${config.HOST}]` : config.HOST;
    console.log(`Portal ready on http://${host}:${port}${registrar ? ` (registrar on SIP ${registrar.bind})` : ''}`);
    if (setupToken) {
      console.log(
        `First run: no operator yet. Create the first admin at http://${host}:${port}/setup?token=${setupToken}\n` +
          `  (setup token: ${setupToken}; it works once, and a restart makes a new one; or set ADMIN_EMAIL and ADMIN_PASSWORD)`,
      );
    }
  });

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    await registrar?.stop();
    tail.close();
    db.$client.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

/**
 * Encrypts stored SIP passwords that are clear text or under SECRET_KEY_PREVIOUS (completing a
 * key rotation), whether or not the engine runs here; a bad SECRET_KEY stops start-up.
 */
function sealPasswordsAtStart(sqlite: Parameters<typeof sealStoredSecrets>[0]): void {
  const keyring = getKeyring();
  const { sealed, unreadable } = sealStoredSecrets(sqlite, keyring);
  if (sealed > 0) console.log(`${sealed} stored SIP passwords encrypted with key ${keyring.current.id}`);
  if (unreadable > 0) console.error(`${unreadable} stored SIP passwords cannot be decrypted with SECRET_KEY / SECRET_KEY_PREVIOUS: enter them again or configure their key`);
}

/**
 * The portal stays up when the engine cannot start (e.g. SIP_BIND already in use), so operators
 * can still configure; one log line says what is wrong and what to change, and the heartbeat row
 * carries the reason to every page's banner.
 */
async function startRegistrarOrExplain(sqlite: Parameters<typeof startRegistrar>[0], config: Env): Promise<RunningRegistrar | null> {
  try {
    return await startRegistrar(sqlite, config);
  } catch (err) {
    console.error(err instanceof RegistrarStartError ? err.logLine() : `registrar NOT started: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
