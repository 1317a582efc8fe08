import { request } from 'node:http';
import { startPortal } from './tests/portal-process';
import { rawDb } from './tests/db';
const p = await startPortal({ REGISTRAR_ENABLED: '0', LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '4', LOGIN_LOCK_MINUTES: '1' });
try {
  const res = await fetch(`${p.base}/api/operators`, { method: 'POST', headers: { ...p.adminHeaders(), 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ed@x.test', password: 'Right-password-123', role: 'editor', name: 'Ed' }) });
  console.log('create', res.status);
  const login = (password: string) => new Promise<string>((resolve) => {
    const body = JSON.stringify({ email: 'ed@x.test', password });
    const req = request({ host: '127.0.0.1', port: p.port, path: '/api/auth/login', method: 'POST', localAddress: '127.0.0.20', headers: { 'content-type': 'application/json', origin: p.base } }, (r) => { let t = ''; r.on('data', (c) => (t += c)); r.on('end', () => resolve(`${r.statusCode} ${t.slice(0, 80)} @${Date.now() % 100000}`)); });
    req.end(body);
  });
  const t0 = Date.now();
  const answers = await Promise.all([...Array.from({ length: 60 }, () => 'Wrong-password-1'), 'Right-password-123'].map(login));
  console.log('t0', t0 % 100000);
  for (const a of answers) if (!a.startsWith('429')) console.log(a);
  console.log('last (right):', answers[60]);
  const db = await rawDb(p.dbPath);
  console.log(await db.prepare('select key, at from login_failures order by id').all());
  await db.close();
} finally {
  await p.stop();
}
