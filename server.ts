import { createServer } from 'node:http';
import next from 'next';
import { env } from './lib/env';
import { getDb } from './lib/db/client';

process.env.NEXT_TELEMETRY_DISABLED = '1';

async function main() {
  const config = env();
  const dev = process.argv.includes('--dev');
  getDb();

  const app = next({ dev, hostname: config.HOST, port: config.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('request failed', err instanceof Error ? err.message : err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'Internal error' } }));
    });
  });

  server.listen(config.PORT, config.HOST, () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
    console.log(`Portal ready on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`);
  });

  const shutdown = () => {
    server.close();
    getDb().$client.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
