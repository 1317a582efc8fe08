// The registrar's write thread alone (registrar/store/status-writer.ts, the SQL side of the
// StatusStore on SQLite): the rows of a start-up burst of N registrations written into a migrated
// temp database, in this thread, as write-worker.ts writes them — per registration three statuses
// (pending, registering, registered: each a transition with its timeline row, the last two with
// the binding under a lease token) and the four messages of a digest exchange (REGISTER, 401,
// REGISTER with credentials, 200; ≈ 2 KB of redacted text). Prints CPU ms per run, µs per
// registration, rows and the database + WAL bytes written. A component view: the product path
// is product.ts. A script, not a test:
//
//   npx tsx tests/bench/writer.ts [--n 10000] [--runs 3] [--chunk 50] [--traces 1|0]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { StatusWriter, type StatusRow, type TraceRow } from '../../registrar/store/status-writer';
import { sqliteOf } from '../db';

const { values: argv } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    chunk: { type: 'string', default: '50' },
    traces: { type: 'string', default: '1' },
  },
});
const N = Number(argv.n);
const RUNS = Number(argv.runs);
const CHUNK = Number(argv.chunk);
const WITH_TRACES = argv.traces !== '0';

const register = (i: number, cseq: number, auth: boolean) =>
  [
    `REGISTER sip:sip.perf.example SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${i}x${cseq};rport`,
    `Max-Forwards: 70`,
    `From: <sip:perf${i}@sip.perf.example>;tag=${i}abc`,
    `To: <sip:perf${i}@sip.perf.example>`,
    `Call-ID: ${i}-0f3c2a9e@127.0.0.1`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:+3490${String(i).padStart(7, '0')}@127.0.0.1:5060>;expires=3600`,
    ...(auth ? [`Authorization: Digest username="perf${i}", realm="sip.perf.example", nonce="Z2VuZXJhdGVkLW5vbmNl${i}", uri="sip:sip.perf.example", response="[redacted]", algorithm=MD5, qop=auth, nc=00000001, cnonce="a1b2c3d4"`] : []),
    `Expires: 3600`,
    `User-Agent: ddi-registrar`,
    `Content-Length: 0`,
    '',
    '',
  ].join('\r\n');
const response = (i: number, cseq: number, code: string) =>
  [
    `SIP/2.0 ${code}`,
    `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${i}x${cseq};rport=5060;received=127.0.0.1`,
    `From: <sip:perf${i}@sip.perf.example>;tag=${i}abc`,
    `To: <sip:perf${i}@sip.perf.example>;tag=srv${i}`,
    `Call-ID: ${i}-0f3c2a9e@127.0.0.1`,
    `CSeq: ${cseq} REGISTER`,
    ...(code.startsWith('401') ? [`WWW-Authenticate: Digest realm="sip.perf.example", nonce="Z2VuZXJhdGVkLW5vbmNl${i}", qop="auth"`] : [`Contact: <sip:+3490${String(i).padStart(7, '0')}@127.0.0.1:5060>;expires=3600`]),
    `Server: kamailio (5.6.3 (x86_64/linux))`,
    `Content-Length: 0`,
    '',
    '',
  ].join('\r\n');

function burstRows(ids: number[], at: number): { statuses: StatusRow[]; traces: TraceRow[] } {
  const statuses: StatusRow[] = [];
  const traces: TraceRow[] = [];
  const remote = '127.0.0.1:5060/udp';
  for (const id of ids) {
    const contact = `sip:+3490${String(id).padStart(7, '0')}@127.0.0.1:5060`;
    const callId = `${id}-0f3c2a9e@127.0.0.1`;
    statuses.push([id, 'pending', null, null, at, 0, 3600, null, null, null, null, null, true, 1, null, null, null]);
    statuses.push([id, 'registering', null, null, at + 1, 0, 3600, null, null, null, remote, null, true, 1, callId, 1, contact]);
    statuses.push([id, 'registered', 200, 'OK', at + 5, 0, 3600, 3600, at + 3_600_000, at + 3_000_000, remote, at + 5, true, 1, callId, 2, contact]);
    if (!WITH_TRACES) continue;
    traces.push([id, 'out', at + 1, remote, register(id, 1, false), 0, null, 1]);
    traces.push([id, 'in', at + 2, remote, response(id, 1, '401 Unauthorized'), 0, null, 1]);
    traces.push([id, 'out', at + 3, remote, register(id, 2, true), 0, null, 1]);
    traces.push([id, 'in', at + 5, remote, response(id, 2, '200 OK'), 0, null, 1]);
  }
  return { statuses, traces };
}

const size = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

console.log(`StatusWriter, N=${N.toLocaleString('en')}, transactions of ${CHUNK} rows, ${WITH_TRACES ? '4 messages' : 'no messages'} per registration (SQLite, this thread)\n`);
console.log('| run | CPU ms | wall ms | µs per registration | status rows | timeline rows | message rows | transactions | database + WAL MiB |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (let run = 1; run <= RUNS; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-writer-'));
  try {
    const path = join(dir, 'portal.db');
    const db = openDatabase(path);
    const sqlite = sqliteOf(db);
    const now = Date.now();
    const ids: number[] = [];
    sqlite.transaction(() => {
      const provider = Number(sqlite.prepare("INSERT INTO ddi_providers (name, description, ddis) VALUES ('Perf carrier', '', '[]')").run().lastInsertRowid);
      const reg = sqlite.prepare('INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, ?, ?)');
      const lease = sqlite.prepare("INSERT INTO registration_leases (registration_id, node_id, token, expires_at) VALUES (?, 'bench/node', 1, ?)");
      for (let i = 0; i < N; i++) {
        const id = Number(reg.run(provider, `perf${i}`, 'sip.perf.example', `+3490${String(i).padStart(7, '0')}`).lastInsertRowid);
        lease.run(id, now + 3_600_000);
        ids.push(id);
      }
    })();
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const before = size(path) + size(`${path}-wal`);
    const { statuses, traces } = burstRows(ids, now);
    const writer = new StatusWriter(sqlite, 40);
    const cpu = process.cpuUsage();
    const t = performance.now();
    const out = writer.writeChunked(statuses, traces, CHUNK);
    const wall = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    const written = size(path) + size(`${path}-wal`) - before;
    console.log(
      `| ${run} | ${cpuMs.toFixed(0)} | ${wall.toFixed(0)} | ${((cpuMs * 1000) / N).toFixed(1)} | ${out.statusRows} | ${out.eventRows} | ${out.traceRows} | ${out.transactions} | ${(written / 2 ** 20).toFixed(1)} |`,
    );
    await closeDatabase(db);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
