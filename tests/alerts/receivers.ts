/**
 * Real receivers on 127.0.0.1 for the alert tests: an HTTP server that records every request
 * (and answers what the test scripts: e.g. 500, 500, then 200), and an SMTP server (smtp-server)
 * with STARTTLS on a self-signed certificate made by openssl, and AUTH checked.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export type Received = { headers: IncomingHttpHeaders; body: string; at: number };

export type HttpReceiver = {
  url: string;
  requests: Received[];
  /** Statuses to answer, in order; after the list, 200. */
  script: number[];
  /** Resolves when `n` requests have arrived, or rejects at the deadline. */
  waitFor: (n: number, timeoutMs: number) => Promise<Received[]>;
  close: () => Promise<void>;
};

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const receiver = { script: [] as number[] };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.writeHead(receiver.script.shift() ?? 200, { 'content-type': 'text/plain' });
      res.end('internal page content that must never be stored');
      for (const w of waiters.filter((w) => requests.length >= w.n)) w.resolve();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    waitFor: (n: number, timeoutMs: number) =>
      new Promise<Received[]>((resolve, reject) => {
        if (requests.length >= n) return resolve(requests);
        const timer = setTimeout(() => reject(new Error(`only ${requests.length} of ${n} webhook requests within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve(requests)) });
      }),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  });
}

export type Mail = { from: string; to: string[]; data: string; user: string | null; secure: boolean };

export type SmtpSink = {
  port: number;
  /** PEM of the self-signed certificate (CN and SAN 127.0.0.1), to trust it. */
  certFile: string;
  cert: string;
  mails: Mail[];
  waitFor: (n: number, timeoutMs: number) => Promise<Mail[]>;
  close: () => Promise<void>;
};

/** A self-signed certificate for 127.0.0.1, made by openssl in a temporary directory. */
export function selfSignedCert(): { dir: string; key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { dir, key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), certFile: join(dir, 'cert.pem') };
}

/** An SMTP server offering STARTTLS (unless `starttls: false`) and AUTH PLAIN/LOGIN for `user`/`password` (when given). */
export async function startSmtpSink(opts: { user?: string; password?: string; starttls?: boolean } = {}): Promise<SmtpSink> {
  const tls = selfSignedCert();
  const mails: Mail[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    key: tls.key,
    cert: tls.cert,
    hideSTARTTLS: opts.starttls === false,
    authOptional: !opts.user,
    allowInsecureAuth: false,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) return cb(null, { user: auth.username });
      return cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
          user: (session.user as string | undefined) ?? null,
          secure: session.secure,
        });
        for (const w of waiters.filter((w) => mails.length >= w.n)) w.resolve();
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    certFile: tls.certFile,
    cert: tls.cert,
    mails,
    waitFor: (n, timeoutMs) =>
      new Promise<Mail[]>((resolve, reject) => {
        if (mails.length >= n) return resolve(mails);
        const timer = setTimeout(() => reject(new Error(`only ${mails.length} of ${n} mails within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve(mails)) });
      }),
    close: () =>
      new Promise<void>((r) =>
        server.close(() => {
          rmSync(tls.dir, { recursive: true, force: true });
          r();
        }),
      ),
  };
}
