/** Building blocks of the OpenAPI document shared by its path groups (openapi.ts, openapi-auth.ts). */
import { MAX_BODY_BYTES } from './http';

export const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

export const idParameter = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description: `Id of the ${what}.`,
  schema: { type: 'integer', minimum: 1 },
});

export const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
export const response = (description: string, schema: unknown) => ({ description, content: jsonContent(schema) });
export const error = (description: string) => response(description, ref('Error'));
export const body = (id: string) => ({ required: true, content: jsonContent(ref(id)) });

/** Error answers common to many operations. */
export const errors = {
  invalidJson: error('The body is not JSON (`invalid_json`).'),
  notFound: error('No such resource (`not_found`).'),
  conflict: error('A unique value is already used (`conflict`); `fields` names the field and who holds the value.'),
  tooLarge: error(`The body exceeds ${MAX_BODY_BYTES / 1024} KiB (\`too_large\`).`),
  validation: error('Fields are missing, of the wrong type, not valid or unknown (`validation`); `fields` has a message per field.'),
  conflictOrStale: error(
    'A unique value is already used (`conflict`; `fields` names the field and who holds the value), or `revision` is not the current one any more (`stale`: nothing changed, `current` is the entity as it is now).',
  ),
};
