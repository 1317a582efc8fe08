import { z } from 'zod';
import { auditEntityTypes } from '../db/schema';

/** Filters and page of the audit log read by GET /api/registrations/:id/audit (one entity). */
export const entityAuditQuerySchema = z
  .object({
    actor: z.string().trim().max(200).optional(),
    action: z
      .string()
      .trim()
      .regex(/^[a-z_]{1,40}$/, 'An action is lowercase letters and underscores.')
      .optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** Filters and page of the global audit log (GET /api/audit). */
export const auditQuerySchema = entityAuditQuerySchema.extend({
  entityType: z.enum(auditEntityTypes).optional(),
  entityId: z.coerce.number().int().positive().optional(),
});

export type AuditQuery = z.output<typeof auditQuerySchema>;
export type EntityAuditQuery = z.output<typeof entityAuditQuerySchema>;
export type AuditQueryInput = z.input<typeof auditQuerySchema>;
