import 'server-only';
import { notFound, redirect } from 'next/navigation';
import { currentOperator } from './current';
import type { OperatorPublic } from './principal';
import { atLeast, type Role } from './roles';

/**
 * Every page that shows portal data calls this first: the custom server's gate already checked
 * the request, but a page must not rely on being reached only through it (e.g. rendered for the
 * image optimizer or another internal fetch). No session → /login; a role below `role` → 404.
 */
export async function requirePage(role: Role = 'viewer'): Promise<OperatorPublic> {
  const operator = await currentOperator();
  if (!operator) redirect('/login');
  if (!atLeast(operator.role, role)) notFound();
  return operator;
}
