import { z } from 'zod';
import { fieldMask, insertSchema } from '../forms/insert-schema';
import { operatorsColumns } from '../forms/table-columns.generated';
import { roles } from './roles';

/**
 * Operator forms (first-run setup, sign-in, operators management, password change), derived
 * from the drizzle table (through its generated column description, lib/forms/, so the browser
 * never loads the table) and parsed in the browser and again on the server.
 */
const NO_CONTROL = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]*$/u;

const emailRule = z
  .string()
  .trim()
  .max(254, 'Use at most 254 characters.')
  .pipe(z.email('Enter an e-mail address, e.g. ops@example.com.'))
  .transform((v) => v.toLowerCase());

export const operatorNameRule = z.string().trim().max(100, 'Use at most 100 characters.').regex(NO_CONTROL, 'Use printable characters only.');

export const newPasswordRule = z
  .string()
  .min(10, 'Use at least 10 characters.')
  .max(256, 'Use at most 256 characters.')
  .regex(/^[^\p{Cc}\p{Cs}]+$/u, 'Use printable characters only.');

/** The rules of the operator form's fields, each a column of the `operators` table. */
export const OPERATOR_FIELD_RULES = {
  email: emailRule,
  name: operatorNameRule,
  role: z.enum(roles),
};

export const operatorCreateSchema = insertSchema(operatorsColumns, OPERATOR_FIELD_RULES)
  .pick(fieldMask(OPERATOR_FIELD_RULES))
  .extend({ name: operatorNameRule.default(''), password: newPasswordRule })
  .strict();

/**
 * Admin edits of an operator: every field optional; `password` resets it and, unless
 * `revokeTokens` is false, revokes the operator's API tokens (a disable always does).
 */
export const operatorPatchSchema = z
  .object({ name: operatorNameRule, role: z.enum(roles), disabled: z.boolean(), password: newPasswordRule, revokeTokens: z.boolean() })
  .partial()
  .strict();

/** The first admin, created on the setup page (role is always admin), with the setup token from the server log. */
export const setupSchema = operatorCreateSchema
  .omit({ role: true })
  .extend({ setupToken: z.string().trim().min(1, 'Enter the setup token printed in the server log.').max(200, 'Use at most 200 characters.') });

/** Sign-in: no format rules beyond size, so the answer never hints at which part was wrong. */
export const loginSchema = z
  .object({ email: z.string().max(254, 'Use at most 254 characters.').min(1, 'Enter your e-mail.'), password: z.string().min(1, 'Enter your password.').max(1024) })
  .strict();

const currentPasswordRule = z.string().min(1, 'Enter your current password.').max(1024);

/** Your own password change; your API tokens are revoked with it unless `revokeTokens` is false. */
export const passwordChangeSchema = z.object({ currentPassword: currentPasswordRule, newPassword: newPasswordRule, revokeTokens: z.boolean().default(true) }).strict();

/** A new API token: its name, and your current password (a stolen session alone cannot mint one). */
export const apiTokenCreateSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the token a name.').max(100, 'Use at most 100 characters.').regex(NO_CONTROL, 'Use printable characters only.'),
    currentPassword: currentPasswordRule,
  })
  .strict();

export type OperatorCreate = z.output<typeof operatorCreateSchema>;
export type OperatorPatch = z.output<typeof operatorPatchSchema>;
export type SetupInput = z.output<typeof setupSchema>;
export type FirstAdminInput = Omit<SetupInput, 'setupToken'>;
