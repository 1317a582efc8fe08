/**
 * Extra operators for the security tests: created through POST /api/operators as the test admin,
 * or, while that route does not exist, written straight into the database with a scrypt hash.
 */
import assert from 'node:assert/strict';
import type { Role } from '../../lib/auth/roles';
import { hashPassword } from '../../lib/auth/password';
import { openSqlite, type TestServer } from './server';

export type TestOperator = { id: number; email: string; password: string; role: Role };

let serial = 0;

export async function createOperator(server: TestServer, role: Role): Promise<TestOperator> {
  serial += 1;
  const email = `${role}${serial}.${process.pid}@portal.test`;
  const password = `${role}-Pass-${serial}-${process.pid}`;
  server.ledger.secret(password, `${role} password`);
  const res = await server.api('/api/operators', { method: 'POST', json: { email, name: `Test ${role}`, role, password } });
  if (res.status === 201) return { id: res.body.id, email, password, role };
  assert.equal(res.status, 404, `POST /api/operators: ${res.status} ${res.text}`);
  const db = await openSqlite(server.dbPath);
  try {
    const row = db
      .prepare('INSERT INTO operators (email, name, role, password_hash) VALUES (?, ?, ?, ?) RETURNING id')
      .get(email, `Test ${role}`, role, await hashPassword(password)) as { id: number };
    return { id: row.id, email, password, role };
  } finally {
    db.close();
  }
}
