// Supervisor robustness with a stub engine and a real (temp file) portal database.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../lib/db/client';
import type { Engine } from '../../../registrar/engine';
import { Supervisor } from '../../../registrar/supervisor';

test('Supervisor: a failing periodic flush is logged, not thrown out of the timer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
  const db = openDatabase(join(dir, 'portal.db'));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const engine = { on() {}, start: async () => {}, stop: async () => {} } as unknown as Engine;
  const logs: string[] = [];
  const supervisor = new Supervisor(db.$client, engine, { pollMs: 20, flushMs: 10, log: (m) => logs.push(m) });
  await supervisor.start();
  t.after(() => supervisor.stop(0).catch(() => {}));
  // The trace table is gone: the next flush throws inside the timer.
  db.$client.exec('DROP TABLE registration_traces');
  supervisor.store.pushTrace({ registrationId: '1', direction: 'out', at: 1, remote: 'r', text: 'x' });
  const deadline = Date.now() + 2000;
  while (!logs.some((l) => l.includes('periodic task failed')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(logs.some((l) => /periodic task failed: .*registration_traces/.test(l)), logs.join('\n'));
});
