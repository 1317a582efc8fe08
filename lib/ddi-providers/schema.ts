import { z } from 'zod';
import { fieldMask, insertSchema } from '../forms/insert-schema';
import { ddiProvidersColumns } from '../forms/table-columns.generated';
import { ddiRule, forwardToRule } from '../registrations/rules';
import { revisionRule } from '../registrations/schema';
import { multiLineText, singleLineText } from '../validation/text';

const ddisRule = z
  .array(ddiRule)
  .max(1000, 'At most 1000 DDIs per provider.')
  .refine((list) => new Set(list).size === list.length, 'Each DDI may appear only once.');

/** Forward to: a PBX/SBC URI, or null (also for ''): the engine's SIP_FORWARD_TO. */
const forwardToRuleOrNull = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), forwardToRule.nullable());

/** Alert hold (s): 0 to a day, or null (also for ''): ALERTS_HOLD_S. */
const alertHoldRule = z.preprocess(
  (v) => (v === '' ? null : v),
  z.number().int('Whole seconds.').min(0, 'At least 0 seconds.').max(86_400, 'At most 86400 seconds (a day).').nullable(),
);

/** The rules of the DDI provider form's fields, each a column of the `ddi_providers` table. */
export const DDI_PROVIDER_FIELD_RULES = {
  name: singleLineText(100).min(1, 'Name is required.'),
  description: multiLineText(1000),
  ddis: ddisRule,
  forwardTo: forwardToRuleOrNull,
  alertHoldS: alertHoldRule,
};

/**
 * The DDI provider form schema, derived from the drizzle table through its generated column
 * description (lib/forms/, as lib/registrations/schema.ts); parsed on both sides.
 */
const ddiProviderFieldsSchema = insertSchema(ddiProvidersColumns, DDI_PROVIDER_FIELD_RULES).pick(fieldMask(DDI_PROVIDER_FIELD_RULES)).strict();

export const ddiProviderInputSchema = ddiProviderFieldsSchema.extend({
  description: multiLineText(1000).default(''),
  ddis: ddisRule.default([]),
  forwardTo: forwardToRuleOrNull.default(null),
  alertHoldS: alertHoldRule.default(null),
});

/** PATCH: every field optional, no defaults; `revision` as for registrations (409 `stale`). */
export const ddiProviderPatchSchema = ddiProviderFieldsSchema.partial().extend({ revision: revisionRule.optional() });

export type DdiProviderInput = z.input<typeof ddiProviderInputSchema>;
export type DdiProviderValues = z.output<typeof ddiProviderInputSchema>;

export type DdiProviderPatch = z.output<typeof ddiProviderPatchSchema>;

/** `DELETE …?confirm=true` is required when the provider still has registrations. */
export const ddiProviderDeleteQuerySchema = z
  .object({ confirm: z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional() })
  .strict();
