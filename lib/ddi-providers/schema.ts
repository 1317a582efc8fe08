import { createInsertSchema } from 'drizzle-zod';
import { z } from 'zod';
import { ddiProviders } from '../db/schema';
import { ddiRule } from '../registrations/rules';

/** The DDI provider form schema, derived from the drizzle table; parsed on both sides. */
const ddisRule = z
  .array(ddiRule)
  .max(1000, 'At most 1000 DDIs per provider.')
  .refine((list) => new Set(list).size === list.length, 'Each DDI may appear only once.');

const ddiProviderFieldsSchema = createInsertSchema(ddiProviders, {
  name: z.string().trim().min(1, 'Name is required.').max(100, 'Use at most 100 characters.'),
  description: z.string().trim().max(1000, 'Use at most 1000 characters.'),
  ddis: ddisRule,
})
  .pick({ name: true, description: true, ddis: true })
  .strict();

export const ddiProviderInputSchema = ddiProviderFieldsSchema.extend({
  description: z.string().trim().max(1000, 'Use at most 1000 characters.').default(''),
  ddis: ddisRule.default([]),
});

/** PATCH: every field optional, no defaults. */
export const ddiProviderPatchSchema = ddiProviderFieldsSchema.partial();

export type DdiProviderInput = z.input<typeof ddiProviderInputSchema>;
export type DdiProviderValues = z.output<typeof ddiProviderInputSchema>;

export type DdiProviderPatch = z.output<typeof ddiProviderPatchSchema>;

/** `DELETE …?confirm=true` is required when the provider still has registrations. */
export const ddiProviderDeleteQuerySchema = z
  .object({ confirm: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional() })
  .strict();
