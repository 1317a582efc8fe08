import { z } from 'zod';
import { BULK_CHUNK } from './bulk-limits';
import { registrationListQuerySchema } from './schema';

/** What a bulk action does to each selected registration. */
export const BULK_ACTIONS = ['enable', 'disable', 'register', 'unregister', 'delete', 'move'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Rows handled per request: a larger selection is sent as several requests (the client shows progress). */
export { BULK_CHUNK };

const idRule = z.number().int().positive();

/** The filter of GET /api/registrations ("all N matching the filter"), as a JSON object. */
export const bulkFilterSchema = registrationListQuerySchema
  .pick({ q: true, ddiProviderId: true, state: true })
  .extend({ ddiProviderId: idRule.optional() })
  .strict();

/**
 * POST /api/registrations/bulk: `ids` (at most BULK_CHUNK) or `filter` (every registration the
 * list would show with that filter, taken in id order from `after`, at most `limit` per request).
 * `move` needs `ddiProviderId`, the provider the registrations go to.
 */
export const bulkRequestSchema = z
  .object({
    action: z.enum(BULK_ACTIONS).meta({ description: 'What to do to each selected registration.' }),
    ids: z.array(idRule).min(1).max(BULK_CHUNK).optional().meta({ description: `The registrations, by id (at most ${BULK_CHUNK} per request).` }),
    filter: bulkFilterSchema.optional().meta({ description: 'Every registration matching this filter (the `q`, `ddiProviderId` and `state` of GET /api/registrations; `{}`: all of them).' }),
    after: z.number().int().min(0).default(0).meta({ description: 'With `filter`: only registrations with an id above this (the `next` of the previous answer).' }),
    limit: z.number().int().min(1).max(BULK_CHUNK).default(BULK_CHUNK).meta({ description: 'With `filter`: at most this many registrations in this request.' }),
    ddiProviderId: idRule.optional().meta({ description: 'With `move`: the DDI provider the registrations go to.' }),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.ids === undefined) === (v.filter === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'Give either ids or filter.' });
    }
    if (v.action === 'move' && v.ddiProviderId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ddiProviderId'], message: 'Choose the DDI provider to move the registrations to.' });
    }
    if (v.action !== 'move' && v.ddiProviderId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['ddiProviderId'], message: 'Only a move takes a DDI provider.' });
    }
  });

export type BulkRequest = z.output<typeof bulkRequestSchema>;
