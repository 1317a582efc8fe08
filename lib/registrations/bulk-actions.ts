import 'server-only';
import { getDb } from '../db/client';
import { guarded, validationError, type ActionResult } from '../api/result';
import { actorOf, type Principal } from '../auth/principal';
import { runBulk, type BulkResult } from './bulk';
import { bulkRequestSchema } from './bulk-schema';

// A plain server function for the route handler, not a server action (see ./actions.ts).

/** One request of a bulk action, from untrusted input (bulkRequestSchema). */
export async function bulkAction(principal: Principal, input: unknown): Promise<ActionResult<BulkResult>> {
  const parsed = bulkRequestSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('bulkAction', () => runBulk(getDb(), parsed.data, actorOf(principal)));
}
