// The benchmarks' SQLite seed (search.ts, lease-column.ts, dashboard.ts): `n` registrations over 10 providers,
// each with a status row (every 50th rejected 403, the rest registered for an hour), written in
// the caller's transaction through better-sqlite3 directly (the API would take minutes at 100,000).
// Returns each registration's seeded state by id.
import type Database from 'better-sqlite3';

export function seedRegistrations(sqlite: Database.Database, n: number, now: number): Map<number, 'registered' | 'rejected'> {
  const states = new Map<number, 'registered' | 'rejected'>();
  const providers: number[] = [];
  for (let p = 0; p < 10; p++) providers.push(Number(sqlite.prepare("INSERT INTO ddi_providers (name, description, ddis) VALUES (?, '', '[]')").run(`Perf carrier ${p}`).lastInsertRowid));
  const reg = sqlite.prepare('INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, ?, ?)');
  const st = sqlite.prepare('INSERT INTO registration_status (registration_id, state, code, reason, at, expires_at, target) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (let i = 0; i < n; i++) {
    const id = Number(reg.run(providers[i % 10], `perf${i}`, 'sip.perf.example', `+3490${String(i).padStart(7, '0')}`).lastInsertRowid);
    const bad = i % 50 === 0;
    st.run(id, bad ? 'rejected' : 'registered', bad ? 403 : 200, bad ? 'Forbidden' : 'OK', now - i * 1000, bad ? null : now + 3_600_000, '127.0.0.1:5060/udp');
    states.set(id, bad ? 'rejected' : 'registered');
  }
  return states;
}
