/**
 * Operators data access (database passed in, no Next imports so tests can use it). Passwords are
 * hashed here; the hash never leaves this module.
 */
import { count, eq } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { operators, type OperatorRow } from '../db/schema';
import { hashPassword } from './password';
import type { OperatorCreate } from './schema';

export type OperatorJson = Omit<OperatorRow, 'passwordHash'>;

export const operatorColumns = {
  id: operators.id,
  email: operators.email,
  name: operators.name,
  role: operators.role,
  disabled: operators.disabled,
  createdAt: operators.createdAt,
  updatedAt: operators.updatedAt,
};

export function countOperators(db: Conn): number {
  return db.select({ n: count() }).from(operators).get()!.n;
}

export function findOperatorByEmail(db: Conn, email: string): OperatorRow | null {
  return db.select().from(operators).where(eq(operators.email, email.trim().toLowerCase())).get() ?? null;
}

/** Inserts an operator whose password is already hashed (hash outside transactions: it is slow). */
export function insertOperator(db: Conn, values: Omit<OperatorCreate, 'password'> & { passwordHash: string }): OperatorJson {
  return db.insert(operators).values(values).returning(operatorColumns).get();
}

export async function operatorValues(input: OperatorCreate): Promise<Omit<OperatorCreate, 'password'> & { passwordHash: string }> {
  const { password, ...rest } = input;
  return { ...rest, passwordHash: await hashPassword(password) };
}
