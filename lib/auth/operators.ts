/**
 * Operators data access (database passed in, no Next imports so tests can use it). Passwords are
 * hashed here; the hash never leaves this module.
 */
import { and, asc, count, eq, ne } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { operators, type OperatorRow } from '../db/schema';
import { hashPassword } from './password';
import type { OperatorCreate } from './schema';

export type OperatorJson = Omit<OperatorRow, 'passwordHash'>;

const operatorColumns = {
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

/** Every operator, by e-mail (never the password hash). */
export function listOperators(db: Conn): OperatorJson[] {
  return db.select(operatorColumns).from(operators).orderBy(asc(operators.email)).all();
}

export function getOperator(db: Conn, id: number): OperatorJson | null {
  return db.select(operatorColumns).from(operators).where(eq(operators.id, id)).get() ?? null;
}

/** Writes the given fields (a password only as its hash) and bumps updatedAt; null when there is no such operator. */
export function updateOperator(
  db: Conn,
  id: number,
  set: Partial<Pick<OperatorRow, 'name' | 'role' | 'disabled' | 'passwordHash'>>,
  now = Date.now(),
): OperatorJson | null {
  return (
    db
      .update(operators)
      .set({ ...set, updatedAt: now })
      .where(eq(operators.id, id))
      .returning(operatorColumns)
      .get() ?? null
  );
}

/** Deletes an operator; their sessions and API tokens go with them (foreign keys cascade). */
export function deleteOperator(db: Conn, id: number): OperatorJson | null {
  return db.delete(operators).where(eq(operators.id, id)).returning(operatorColumns).get() ?? null;
}

/** How many enabled admins exist besides `exceptId`: the last one may not be demoted, disabled or deleted. */
export function countOtherEnabledAdmins(db: Conn, exceptId: number): number {
  return db
    .select({ n: count() })
    .from(operators)
    .where(and(eq(operators.role, 'admin'), eq(operators.disabled, false), ne(operators.id, exceptId)))
    .get()!.n;
}
