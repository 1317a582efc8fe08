/**
 * Operators data access (database passed in, no Next imports so tests can use it). Passwords are
 * hashed here; the hash never leaves this module.
 */
import { and, asc, count, eq, ne } from 'drizzle-orm';
import { first, type Conn } from '../db/conn';
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

export async function countOperators(db: Conn): Promise<number> {
  return (await db.select({ n: count() }).from(operators))[0]!.n;
}

export async function findOperatorByEmail(db: Conn, email: string): Promise<OperatorRow | null> {
  return (await first(db.select().from(operators).where(eq(operators.email, email.trim().toLowerCase())))) ?? null;
}

/** Inserts an operator whose password is already hashed (hash outside transactions: it is slow). */
export async function insertOperator(db: Conn, values: Omit<OperatorCreate, 'password'> & { passwordHash: string }): Promise<OperatorJson> {
  return (await db.insert(operators).values(values).returning(operatorColumns))[0]!;
}

export async function operatorValues(input: OperatorCreate): Promise<Omit<OperatorCreate, 'password'> & { passwordHash: string }> {
  const { password, ...rest } = input;
  return { ...rest, passwordHash: await hashPassword(password) };
}

/** Every operator, by e-mail (never the password hash). */
export async function listOperators(db: Conn): Promise<OperatorJson[]> {
  return await db.select(operatorColumns).from(operators).orderBy(asc(operators.email));
}

export async function getOperator(db: Conn, id: number): Promise<OperatorJson | null> {
  return (await first(db.select(operatorColumns).from(operators).where(eq(operators.id, id)))) ?? null;
}

/** Writes the given fields (a password only as its hash) and bumps updatedAt; null when there is no such operator. */
export async function updateOperator(
  db: Conn,
  id: number,
  set: Partial<Pick<OperatorRow, 'name' | 'role' | 'disabled' | 'passwordHash'>>,
  now = Date.now(),
): Promise<OperatorJson | null> {
  return (await first(db.update(operators).set({ ...set, updatedAt: now }).where(eq(operators.id, id)).returning(operatorColumns))) ?? null;
}

/** Deletes an operator; their sessions and API tokens go with them (foreign keys cascade). */
export async function deleteOperator(db: Conn, id: number): Promise<OperatorJson | null> {
  return (await first(db.delete(operators).where(eq(operators.id, id)).returning(operatorColumns))) ?? null;
}

/** How many enabled admins exist besides `exceptId`: the last one may not be demoted, disabled or deleted. */
export async function countOtherEnabledAdmins(db: Conn, exceptId: number): Promise<number> {
  return (
    await db
      .select({ n: count() })
      .from(operators)
      .where(and(eq(operators.role, 'admin'), eq(operators.disabled, false), ne(operators.id, exceptId)))
  )[0]!.n;
}
