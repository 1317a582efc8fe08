// Real SIP peers for tests: a Kamailio registrar and sipp (UAS or UAC), all on
// 127.0.0.1, each in its own temp dir, on free ports, killed by stop() and on
// process exit. See tests/sip/README.md.
import { performance } from 'node:perf_hooks';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SCENARIO_DIR = join(HERE, 'scenarios');
export const KAMAILIO_CFG = join(HERE, 'kamailio', 'registrar.cfg');
export const HOST = '127.0.0.1';

const KEEP = process.env.SIP_HARNESS_KEEP === '1';

// ---------------------------------------------------------------- processes

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();

function removeDir(dir: string): void {
  liveDirs.delete(dir);
  if (!KEEP) rmSync(dir, { recursive: true, force: true });
}

function makeDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  liveDirs.add(dir);
  return dir;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // detached: the child leads its own group
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = () => {
    for (const c of live) killGroup(c, 'SIGKILL');
    live.clear();
    for (const d of liveDirs) removeDir(d);
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAll();
      process.removeListener(sig, onSignal);
      // Re-raise: with no other listener this terminates as the signal would have.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<number>;
  exitCode(): number | null;
}

function spawnTracked(cmd: string, args: string[], cwd: string, logFile: string): Spawned {
  installExitHooks();
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, TERM: 'dumb' } });
  closeSync(fd);
  live.add(child);
  let code: number | null = null;
  const exited = new Promise<number>((res) => {
    child.once('error', () => {
      live.delete(child);
      code = 127;
      res(127);
    });
    child.once('exit', (c, sig) => {
      live.delete(child);
      code = c ?? 128 + (sig ? (osConstants.signals[sig] ?? 0) : 0);
      res(code);
    });
  });
  return { child, exited, exitCode: () => code };
}

async function stopSpawned(s: Spawned, graceMs = 3000): Promise<number> {
  if (s.exitCode() !== null) return s.exitCode()!;
  killGroup(s.child, 'SIGTERM');
  const t = setTimeout(() => killGroup(s.child, 'SIGKILL'), graceMs);
  const code = await s.exited;
  clearTimeout(t);
  // Kamailio's workers share the group; make sure none outlives its parent.
  killGroup(s.child, 'SIGKILL');
  return code;
}

// ---------------------------------------------------------------- helpers

/** Absolute path of an executable on PATH (plus /usr/sbin, /sbin), or throws. */
export function requireBinary(name: string, aptPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  throw new Error(
    `${name} not found on PATH (nor /usr/sbin): the SIP tests need it. Install it with: apt-get install -y ${aptPackage}`,
  );
}

function tail(file: string, chars = 4000): string {
  try {
    const s = readFileSync(file, 'latin1');
    return s.length > chars ? '…' + s.slice(-chars) : s;
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tryBind(kind: 'tcp' | 'udp', port: number, host = HOST): Promise<number | null> {
  return new Promise((res) => {
    if (kind === 'tcp') {
      const srv = net.createServer();
      srv.once('error', () => res(null));
      srv.listen({ port, host, exclusive: true }, () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => res(p));
      });
    } else {
      const s = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
      s.once('error', () => {
        s.close();
        res(null);
      });
      s.bind({ port, address: host, exclusive: true }, () => {
        const p = s.address().port;
        s.close(() => res(p));
      });
    }
  });
}

const handedOut = new Set<number>();

/**
 * A port on 127.0.0.1 (or the loopback address given, e.g. ::1) that is free for both TCP and
 * UDP right now (and not handed out before by this process). Someone else may still take it
 * before it is used; startKamailio/startSipp retry on a bind failure.
 */
export async function getFreePort(host = HOST): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await tryBind('tcp', 0, host);
    if (p === null || handedOut.has(p)) continue;
    if ((await tryBind('udp', p, host)) === p) {
      handedOut.add(p);
      return p;
    }
  }
  throw new Error(`getFreePort: no port free for both TCP and UDP on ${host} after 50 tries`);
}

/** `[::1]` for an IPv6 address, else as is (URIs, Kamailio listen specs). */
const bracketed = (host: string) => (net.isIPv6(host) ? `[${host}]` : host);

/** Kamailio's module dir: $KAMAILIO_MODULES_DIR, kamailio's compiled default, or a known Debian/RPM path. */
export function findKamailioModulesDir(kamailio = requireBinary('kamailio', 'kamailio')): string {
  const candidates: string[] = [];
  if (process.env.KAMAILIO_MODULES_DIR) candidates.push(process.env.KAMAILIO_MODULES_DIR);
  const help = spawnSync(kamailio, ['-h'], { encoding: 'utf8' });
  const m = /Modules search path \(default: ([^)]+)\)/.exec(`${help.stdout}${help.stderr}`);
  if (m) candidates.push(...m[1].split(':'));
  try {
    for (const d of readdirSync('/usr/lib')) candidates.push(join('/usr/lib', d, 'kamailio', 'modules'));
  } catch {
    /* ignore */
  }
  candidates.push('/usr/lib64/kamailio/modules', '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules', '/usr/local/lib/kamailio/modules');
  const found = candidates.find((d) => existsSync(join(d, 'registrar.so')));
  if (!found) {
    throw new Error(`Kamailio modules (registrar.so) not found in: ${candidates.join(', ')}. Install: apt-get install -y kamailio kamailio-extra-modules`);
  }
  return found;
}

// ---------------------------------------------------------------- Kamailio

export interface KamailioOptions {
  /** Password of every user (default "secret"). */
  password?: string;
  /** Per-user passwords (key = digest username); override `password`. */
  users?: Record<string, string>;
  /** Digest realm (default: the To domain of the REGISTER, i.e. "127.0.0.1"). */
  realm?: string;
  /** Longest expiry granted (default 3600). */
  maxExpires?: number;
  /** Shortest expiry accepted, below it 423 + Min-Expires (default 0 = off). */
  minExpires?: number;
  /** Expiry when the REGISTER has none (default 3600). */
  defaultExpires?: number;
  /** Challenge with 407/Proxy-Authenticate instead of 401/WWW-Authenticate. */
  proxyAuth?: boolean;
  /** Wrong password: 403 instead of a new challenge (default false = 401/407 again). */
  badAuth403?: boolean;
  /** Accept REGISTER without any authentication. */
  noAuth?: boolean;
  /** Also listen on TLS with a fresh self-signed cert for 127.0.0.1/localhost (needs kamailio-tls-modules + openssl). */
  tls?: boolean;
  /** Fixed TLS port (with `tls`), e.g. to restart on the same one; default a free port. */
  tlsPort?: number;
  /** Certificate and key to serve over TLS (with `tls`) instead of fresh ones, e.g. the same across a restart. */
  tlsCert?: { cert: string; key: string };
  /** Worker processes per transport (default 4). */
  children?: number;
  /** Shared memory MB (default 256). */
  shmMb?: number;
  /** Kamailio log level (-1..3, default 2: no per-request logging). */
  debug?: number;
  /** Startup wait (default 15000 ms). */
  startTimeoutMs?: number;
  /** -b: cap of Kamailio's SO_RCVBUF auto-probing for UDP (default: Kamailio's own, 256 KiB); the kernel caps it at net.core.rmem_max. */
  maxRecvBufferBytes?: number;
  /** SIP port (UDP and TCP) to listen on instead of a free one picked here. */
  sipPort?: number;
  /** Loopback address SIP (UDP, TCP, TLS) listens on: 127.0.0.1 (default) or ::1. JSON-RPC stays on 127.0.0.1. */
  host?: '127.0.0.1' | '::1';
  /** Another Kamailio config instead of registrar.cfg (it must answer OPTIONS with 200 and JSON-RPC on RPC_PORT like registrar.cfg). */
  cfgFile?: string;
  /** Extra pre-processor defines (-A): true → `-A NAME`, a string is quoted, a number is not. */
  defines?: Record<string, string | number | true>;
}

export interface Binding {
  /** Contact URI as stored, e.g. "sip:alice@127.0.0.1:5090;transport=UDP". */
  contact: string;
  /** Seconds left. */
  expires: number;
  callId: string;
  cseq: number;
  userAgent: string;
  /** Source address if the registrar set one, else undefined. */
  received?: string;
  /** Kamailio socket the binding came in on, e.g. "udp:127.0.0.1:40001". */
  socket: string;
  instance?: string;
  regId: number;
  q: number;
}

export interface KamailioHandle {
  /** Main Kamailio process (leader of its process group). */
  pid: number;
  host: string;
  udpPort: number;
  tcpPort: number;
  tlsPort?: number;
  /** PEM file to trust for the TLS port (the self-signed cert itself). */
  caFile?: string;
  /** HTTP JSON-RPC port (POST http://host:rpcPort/RPC). */
  rpcPort: number;
  /** binrpc socket for kamcmd: `kamcmd -s <ctlSocket> ul.dump`. */
  ctlSocket: string;
  password: string;
  /** Realm as configured, undefined = To domain (host for requests to 127.0.0.1). */
  realm?: string;
  dir: string;
  logFile: string;
  /** Current bindings of an AoR ("alice@127.0.0.1" or "sip:alice@127.0.0.1"); [] if none. */
  lookupBindings(aor: string): Promise<Binding[]>;
  /** Any Kamailio RPC command; throws on an RPC error. */
  rpc<T = unknown>(method: string, ...params: Array<string | number>): Promise<T>;
  /** Set (or change) one user's password at run time. */
  setPassword(user: string, password: string): Promise<void>;
  /** Kamailio's log so far. */
  log(): string;
  stop(): Promise<void>;
}

class RpcError extends Error {
  constructor(
    public code: number,
    message: string,
  ) {
    super(message);
  }
}

async function rpcCall<T>(port: number, method: string, params: Array<string | number>): Promise<T> {
  const res = await fetch(`http://${HOST}:${port}/RPC`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
  if (body.error) throw new RpcError(body.error.code, `${method}: ${body.error.code} ${body.error.message}`);
  return body.result as T;
}

function sipOptionsProbe(port: number, host = HOST, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.close();
      res(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('message', (m) => done(m.toString('latin1').startsWith('SIP/2.0 200')));
    s.on('error', () => done(false));
    s.bind(0, host, () => {
      const lp = s.address().port;
      const h = bracketed(host);
      const msg = [
        `OPTIONS sip:${h}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${h}:${lp};branch=z9hG4bKprobe${Date.now()}`,
        `From: <sip:probe@${h}>;tag=probe`,
        `To: <sip:${h}:${port}>`,
        `Call-ID: probe-${Date.now()}-${lp}`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      s.send(msg, port, host);
    });
  });
}

/** A self-signed EC certificate for 127.0.0.1/localhost in `dir` (the cert is its own CA file). */
export function makeCert(dir: string): { cert: string; key: string } {
  const openssl = requireBinary('openssl', 'openssl');
  const cert = join(dir, 'tls-cert.pem');
  const key = join(dir, 'tls-key.pem');
  const r = spawnSync(
    openssl,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.stderr}`);
  return { cert, key };
}

const quoteDef = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export async function startKamailio(opts: KamailioOptions = {}): Promise<KamailioHandle> {
  const kamailio = requireBinary('kamailio', 'kamailio');
  const modules = findKamailioModulesDir(kamailio);
  if (opts.tls && !existsSync(join(modules, 'tls.so'))) {
    throw new Error(`startKamailio({ tls: true }): ${modules}/tls.so missing. Install: apt-get install -y kamailio-tls-modules`);
  }
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startKamailioOnce(kamailio, modules, opts);
    } catch (e) {
      lastErr = e;
      // Only a port race is worth retrying.
      if (opts.sipPort !== undefined || !/Address already in use/i.test(String(e))) throw e;
    }
  }
  throw lastErr;
}

async function startKamailioOnce(kamailio: string, modules: string, opts: KamailioOptions): Promise<KamailioHandle> {
  const dir = makeDir('kamailio-test-');
  const host = opts.host ?? HOST;
  const sipPort = opts.sipPort ?? (await getFreePort(host));
  const rpcPort = await getFreePort();
  const tlsPort = opts.tls ? (opts.tlsPort ?? (await getFreePort(host))) : undefined;
  const ctlSocket = `unix:${join(dir, 'ctl.sock')}`;
  const password = opts.password ?? 'secret';
  const logFile = join(dir, 'kamailio.log');

  const args = [
    '-f', opts.cfgFile ?? KAMAILIO_CFG,
    '-DD', '-E',
    '-L', modules,
    '-Y', dir,
    '-P', join(dir, 'kamailio.pid'),
    '-w', dir,
    '-m', String(opts.shmMb ?? 256),
    '-M', '16',
    '--debug', String(opts.debug ?? 2),
    '-l', `udp:${bracketed(host)}:${sipPort}`,
    '-l', `tcp:${bracketed(host)}:${sipPort}`,
    '-l', `tcp:${HOST}:${rpcPort}`,
    '-A', `RPC_PORT=${rpcPort}`,
    '-A', `CTL_SOCKET=${quoteDef(ctlSocket)}`,
    '-A', `AUTH_PASSWORD=${quoteDef(password)}`,
    '-A', `MAX_EXPIRES=${opts.maxExpires ?? 3600}`,
    '-A', `MIN_EXPIRES=${opts.minExpires ?? 0}`,
    '-A', `DEFAULT_EXPIRES=${opts.defaultExpires ?? 3600}`,
    '-A', `CHILDREN=${opts.children ?? 4}`,
  ];
  if (opts.maxRecvBufferBytes !== undefined) args.push('-b', String(opts.maxRecvBufferBytes));
  for (const [name, v] of Object.entries(opts.defines ?? {})) {
    args.push('-A', v === true ? name : `${name}=${typeof v === 'number' ? v : quoteDef(v)}`);
  }
  if (opts.realm !== undefined) args.push('-A', `AUTH_REALM=${quoteDef(opts.realm)}`);
  if (opts.proxyAuth) args.push('-A', 'WITH_PROXY_AUTH');
  if (opts.badAuth403) args.push('-A', 'BAD_AUTH_403');
  if (opts.noAuth) args.push('-A', 'NO_AUTH');
  let caFile: string | undefined;
  if (opts.tls) {
    const { cert, key } = opts.tlsCert ?? makeCert(dir);
    caFile = cert;
    args.push('-A', 'WITH_TLS', '-A', `TLS_CERT=${quoteDef(cert)}`, '-A', `TLS_KEY=${quoteDef(key)}`, '-l', `tls:${bracketed(host)}:${tlsPort}`);
  }

  const proc = spawnTracked(kamailio, args, dir, logFile);
  const cleanup = async () => {
    await stopSpawned(proc);
    removeDir(dir);
  };

  const deadline = performance.now() + (opts.startTimeoutMs ?? 15000);
  let ready = false;
  while (performance.now() < deadline) {
    if (proc.exitCode() !== null) break;
    try {
      await rpcCall(rpcPort, 'core.version', []);
      ready = await sipOptionsProbe(sipPort, host);
      if (ready) break;
    } catch {
      /* not up yet */
    }
    await sleep(50);
  }
  if (!ready) {
    const code = proc.exitCode();
    const log = tail(logFile);
    await cleanup();
    throw new Error(
      `Kamailio could not be started (${code === null ? 'no answer in time' : `exit code ${code}`}) with\n  ${kamailio} ${args.join(' ')}\n--- log ---\n${log}`,
    );
  }

  const rpc = <T = unknown>(method: string, ...params: Array<string | number>) => rpcCall<T>(rpcPort, method, params);
  const setPassword = async (user: string, pw: string) => {
    await rpc('htable.sets', 'users', user, pw);
  };
  for (const [u, pw] of Object.entries(opts.users ?? {})) await setPassword(u, pw);

  let stopped = false;
  return {
    pid: proc.child.pid!,
    host,
    udpPort: sipPort,
    tcpPort: sipPort,
    tlsPort,
    caFile,
    rpcPort,
    ctlSocket,
    password,
    realm: opts.realm,
    dir,
    logFile,
    rpc,
    setPassword,
    log: () => tail(logFile, 1_000_000),
    async lookupBindings(aor: string): Promise<Binding[]> {
      const key = aor.replace(/^sips?:/i, '');
      let r: { Contacts?: Array<{ Contact: Record<string, string | number> }> };
      try {
        r = await rpc('ul.lookup', 'location', key);
      } catch (e) {
        if (e instanceof RpcError && /not found|no contacts/i.test(e.message)) return [];
        throw e;
      }
      const notSet = (v: unknown) => (v === undefined || v === '[not set]' ? undefined : String(v));
      return (r.Contacts ?? [])
        .map(({ Contact: c }) => ({
          contact: String(c.Address),
          expires: typeof c.Expires === 'number' ? c.Expires : -1,
          callId: String(c['Call-ID']),
          cseq: Number(c.CSeq),
          userAgent: String(c['User-Agent'] ?? ''),
          received: notSet(c.Received),
          socket: String(c.Socket ?? ''),
          instance: notSet(c.Instance),
          regId: Number(c['Reg-Id'] ?? 0),
          q: Number(c.Q ?? -1),
        }))
        .filter((b) => b.expires > 0); // "expired"/"deleted" until the usrloc timer removes them
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await cleanup();
    },
  };
}

// ---------------------------------------------------------------- sipp

export interface SippOptions {
  /** 'udp' (default, -t u1) or 'tcp' (-t t1). */
  transport?: 'udp' | 'tcp';
  /** Local port (default: a free one). */
  port?: number;
  /** Local address (-i): 127.0.0.1 (default) or ::1; a UAC's `remote` is then `[::1]:port`. */
  host?: '127.0.0.1' | '::1';
  /** -m: stop after this many calls (Call-IDs) are processed (default 100). */
  maxCalls?: number;
  /** -timeout: sipp quits by itself after this many seconds (default 60), exit code 255 (-timeout_error). */
  timeoutSec?: number;
  /** -set NAME VALUE for scenario globals (e.g. { max_expires: 120 }). */
  set?: Record<string, string | number>;
  /** -key NAME VALUE for [NAME] keywords. */
  keys?: Record<string, string | number>;
  /** UAC mode: the target "host:port". Without it sipp runs as a UAS. */
  remote?: string;
  /** UAC: [service] (-s), digest user (-au) and password (-ap). */
  service?: string;
  authUser?: string;
  authPassword?: string;
  /** UAC: calls per second (-r, default 10) */
  rate?: number;
  extraArgs?: string[];
}

export interface SippMessage {
  direction: 'in' | 'out';
  transport: string;
  time: string;
  /** Raw message text (CRLF line ends as on the wire). */
  text: string;
  /** First line, e.g. "REGISTER sip:127.0.0.1 SIP/2.0" or "SIP/2.0 200 OK". */
  startLine: string;
  /** Response status, or undefined for a request. */
  status?: number;
  /** First value of a header (case-insensitive name), or undefined. */
  header(name: string): string | undefined;
}

export interface SippHandle {
  pid: number;
  host: string;
  port: number;
  dir: string;
  /** sipp's -message_file (every message sent/received). */
  messagesLog: string;
  /** sipp's -error_file (only created when something went wrong). */
  errorLog: string;
  /** sipp's stdout/stderr (final statistics screen, fatal errors). */
  screenLog: string;
  /** Exit code: 0 all calls ok (or stopped by SIGTERM: sipp exits 0 then), 1 some call failed, 255 fatal or -timeout reached. */
  done: Promise<number>;
  /** Parsed message log so far. */
  messages(): SippMessage[];
  /** Waits until `pred` holds for the parsed log (default timeout 10 s). */
  waitFor(pred: (msgs: SippMessage[]) => boolean, timeoutMs?: number): Promise<SippMessage[]>;
  /** Stops sipp (if still running) and removes its dir unless SIP_HARNESS_KEEP=1; returns the exit code. */
  stop(): Promise<number>;
}

export function parseSippMessages(log: string): SippMessage[] {
  const out: SippMessage[] = [];
  const blocks = log.split(/^-{47} /m).slice(1);
  for (const b of blocks) {
    const nl = b.indexOf('\n');
    const time = b.slice(0, nl).trim();
    const rest = b.slice(nl + 1);
    const m = /^(\S+) message (received|sent) [[(](\d+)\]? ?bytes\)?\s*:\s*\n\n/.exec(rest);
    if (!m) continue;
    const text = rest.slice(m[0].length).replace(/\n\n$/, '').replace(/\n$/, '');
    const startLine = text.split(/\r?\n/, 1)[0];
    const sm = /^SIP\/2\.0 (\d{3})/.exec(startLine);
    out.push({
      direction: m[2] === 'received' ? 'in' : 'out',
      transport: m[1],
      time,
      text,
      startLine,
      status: sm ? Number(sm[1]) : undefined,
      header(name: string) {
        const re = new RegExp(`^${name.replace(/[-]/g, '\\-')}\\s*:\\s*(.*?)\\r?$`, 'im');
        return re.exec(text)?.[1];
      },
    });
  }
  return out;
}

function resolveScenario(file: string): string {
  if (isAbsolute(file)) return file;
  const inDir = join(SCENARIO_DIR, file);
  if (existsSync(inDir)) return inDir;
  if (existsSync(inDir + '.xml')) return inDir + '.xml';
  return resolve(file);
}

function portBound(kind: 'udp' | 'tcp', port: number, host = HOST): Promise<boolean> {
  return tryBind(kind, port, host).then((p) => p === null);
}

export async function startSipp(scenarioFile: string, opts: SippOptions = {}): Promise<SippHandle> {
  const sipp = requireBinary('sipp', 'sip-tester');
  const scenario = resolveScenario(scenarioFile);
  if (!existsSync(scenario)) throw new Error(`sipp scenario not found: ${scenarioFile}`);
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startSippOnce(sipp, scenario, opts);
    } catch (e) {
      lastErr = e;
      if (opts.port !== undefined || !/bind/i.test(String(e))) throw e;
    }
  }
  throw lastErr;
}

async function startSippOnce(sipp: string, scenario: string, opts: SippOptions): Promise<SippHandle> {
  const dir = makeDir('sipp-test-');
  const host = opts.host ?? HOST;
  const port = opts.port ?? (await getFreePort(host));
  const transport = opts.transport ?? 'udp';
  const messagesLog = join(dir, 'messages.log');
  const errorLog = join(dir, 'errors.log');
  const screenLog = join(dir, 'screen.log');
  const args = [
    '-sf', scenario,
    '-i', host,
    '-p', String(port),
    '-t', transport === 'tcp' ? 't1' : 'u1',
    '-m', String(opts.maxCalls ?? 100),
    '-timeout', `${opts.timeoutSec ?? 60}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_msg', '-message_file', messagesLog,
    '-trace_err', '-error_file', errorLog,
  ];
  if (opts.remote) {
    args.push(opts.remote, '-r', String(opts.rate ?? 10), '-default_behaviors', 'none');
    if (opts.service) args.push('-s', opts.service);
    if (opts.authUser) args.push('-au', opts.authUser);
    if (opts.authPassword !== undefined) args.push('-ap', opts.authPassword);
  }
  else {
    // No BYE on abort, and an unexpected message is dropped (logged in
    // errorLog) instead of aborting the call: a client will retransmit it.
    args.push('-default_behaviors', 'pingreply');
  }
  for (const [k, v] of Object.entries(opts.set ?? {})) args.push('-set', k, String(v));
  for (const [k, v] of Object.entries(opts.keys ?? {})) args.push('-key', k, String(v));
  args.push(...(opts.extraArgs ?? []));

  const proc = spawnTracked(sipp, args, dir, screenLog);
  const fail = async (why: string) => {
    await stopSpawned(proc);
    const detail = `${tail(errorLog)}\n${tail(screenLog, 1500)}`;
    removeDir(dir);
    throw new Error(`sipp ${why}\n  ${sipp} ${args.join(' ')}\n${detail}`);
  };

  if (!opts.remote) {
    // UAS: ready once its port is bound.
    const deadline = performance.now() + 5000;
    while (!(await portBound(transport, port, host))) {
      if (proc.exitCode() !== null) await fail(`exited early with code ${proc.exitCode()}`);
      if (performance.now() > deadline) await fail('did not bind its port within 5 s');
      await sleep(20);
    }
  }

  const messages = () => {
    try {
      return parseSippMessages(readFileSync(messagesLog, 'latin1'));
    } catch {
      return [];
    }
  };
  let stopped: Promise<number> | null = null;
  return {
    pid: proc.child.pid!,
    host,
    port,
    dir,
    messagesLog,
    errorLog,
    screenLog,
    done: proc.exited,
    messages,
    async waitFor(pred, timeoutMs = 10000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const msgs = messages();
        if (pred(msgs)) return msgs;
        if (performance.now() > deadline) {
          throw new Error(`sipp waitFor: timed out after ${timeoutMs} ms; log has:\n${msgs.map((m) => `${m.direction} ${m.startLine}`).join('\n')}`);
        }
        await sleep(25);
      }
    },
    stop() {
      stopped ??= (async () => {
        const code = await stopSpawned(proc);
        removeDir(dir);
        return code;
      })();
      return stopped;
    },
  };
}

// ---------------------------------------------------------------- dnsmasq

export interface DnsmasqOptions {
  /** name → IPv4 address (A records). */
  hosts?: Record<string, string>;
  /** SRV records: `_sip._udp.example.test` → targets. */
  srv?: Array<{ name: string; target: string; port: number; priority: number; weight: number }>;
  /** NAPTR records (RFC 3403): `carrier.test` → service (e.g. SIP+D2T), flags "s", replacement (an SRV name). */
  naptr?: Array<{ name: string; order: number; preference: number; flags: string; service: string; regexp?: string; replacement: string }>;
}

export interface DnsmasqHandle {
  host: string;
  port: number;
  /** `ip:port` for `Resolver.setServers()`. */
  server: string;
  stop(): Promise<void>;
}

/**
 * A local authoritative-only DNS server (dnsmasq) on 127.0.0.1: it answers the records given and
 * nothing else (no upstream, no /etc/hosts, no system resolv.conf), so tests never reach the
 * system resolver.
 */
export async function startDnsmasq(opts: DnsmasqOptions): Promise<DnsmasqHandle> {
  const dnsmasq = requireBinary('dnsmasq', 'dnsmasq');
  const dir = makeDir('dnsmasq-test-');
  const port = await getFreePort();
  const args = [
    '--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--no-poll',
    '--bind-interfaces', `--listen-address=${HOST}`, `--port=${port}`, '--user=root', `--pid-file=${join(dir, 'pid')}`,
    '--log-facility=-', '--log-queries',
  ];
  for (const [name, ip] of Object.entries(opts.hosts ?? {})) args.push(`--host-record=${name},${ip}`);
  for (const r of opts.srv ?? []) args.push(`--srv-host=${r.name},${r.target},${r.port},${r.priority},${r.weight}`);
  for (const r of opts.naptr ?? []) args.push(`--naptr-record=${r.name},${r.order},${r.preference},${r.flags},${r.service},${r.regexp ?? ''},${r.replacement}`);
  const logFile = join(dir, 'dnsmasq.log');
  const proc = spawnTracked(dnsmasq, args, dir, logFile);
  const deadline = performance.now() + 5000;
  for (;;) {
    if (proc.exitCode() !== null) throw new Error(`dnsmasq exited (${proc.exitCode()}): ${tail(logFile)}`);
    if (/started, version/.test(tail(logFile))) break;
    if (performance.now() > deadline) throw new Error(`dnsmasq did not start within 5 s: ${tail(logFile)}`);
    await sleep(20);
  }
  return {
    host: HOST,
    port,
    server: `${HOST}:${port}`,
    async stop() {
      await stopSpawned(proc);
      removeDir(dir);
    },
  };
}
