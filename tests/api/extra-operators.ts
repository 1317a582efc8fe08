/** Extra operators for the security tests, created through POST /api/operators as the test admin. */
import assert from 'node:assert/strict';
import type { Role } from '../../lib/auth/roles';
import type { TestServer } from './server';

export type TestOperator = { id: number; email: string; password: string; role: Role };

let serial = 0;

export async function createOperator(server: TestServer, role: Role): Promise<TestOperator> {
  serial += 1;
  const email = `${role}${serial}.${process.pid}@portal.test`;
  const password = `${role}-Pass-${serial}-${process.pid}`;
  server.ledger.secret(password, `${role} password`);
  const res = await server.api('/api/operators', { method: 'POST', json: { email, name: `Test ${role}`, role, password } });
  assert.equal(res.status, 201, `POST /api/operators: ${res.status} ${res.text}`);
  return { id: res.body.id, email, password, role };
}
