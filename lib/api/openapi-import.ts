/**
 * The OpenAPI description of bulk import and export of registrations. Access (401/403 and
 * `x-required-role`) is added from the access policy by openapi.ts, like for every other path.
 */
import { EXPORT_COLUMNS } from '../registrations/export-service';
import { IMPORT_COLUMNS, IMPORT_MAX_BYTES, IMPORT_MAX_ROWS } from '../registrations/import-columns';
import { error, errors, jsonContent, ref, response } from './openapi-parts';

const MIB = 1024 * 1024;
const LIMITS = `At most ${IMPORT_MAX_BYTES / MIB} MiB and ${IMPORT_MAX_ROWS.toLocaleString('en')} rows (413 \`too_large\` past either).`;

const CSV_FORMAT = [
  'CSV (RFC 4180): UTF-8, with or without a byte order mark; records end in CRLF or LF; fields holding commas, quotes or line breaks are quoted with `"` and a quote inside is doubled. A quote elsewhere, or text after a closing quote, refuses the file at that row. Blank lines are skipped.',
  `The first row names the columns, with the API field names: ${IMPORT_COLUMNS.map((c) => `\`${c}\``).join(', ')} (any order; \`username\`, \`domain\`, \`ddi\` and a provider column are required; an unknown column refuses the file).`,
  'The DDI provider of each row is named by `ddiProviderName` (its exact name) or `ddiProviderId`; given both, they must name the same provider.',
  'An empty cell means "not given": the default for `expires` (3600), `transport` and `enabled` (true), no password, null for the optional texts. `enabled` is true/false (also 1/0, yes/no).',
].join(' ');

const JSON_FORMAT =
  'A JSON array of objects with the fields of POST /api/registrations (RegistrationInput), and optionally `ddiProviderName` instead of (or with) `ddiProviderId`.';

const ROWS =
  '`row` is the 1-based number of the data row: the CSV header is not counted, so the first registration is row 1 (in JSON, the array position from 1); CSV rows also carry `line`, the line of the file where the row starts.';

export function importPaths() {
  return {
    '/api/registrations/import': {
      post: {
        tags: ['Registrations'],
        summary: 'Import registrations from a CSV file or a JSON array (all or nothing)',
        description: [
          'Every row is checked with the rules and messages of the registration form, plus the uniqueness of the DDI and of username+domain within the file and against the existing registrations. Any bad row refuses the whole file (422 `validation` listing every bad row in `error.rows`); otherwise all rows are created in one transaction.',
          ROWS,
          'Passwords are stored encrypted like any other. The engine picks the new registrations up from the change journal (one entry per registration). One audit entry (`import`) records the count.',
          LIMITS,
          `Formats: ${CSV_FORMAT} ${JSON_FORMAT}`,
        ].join('\n\n'),
        parameters: [
          { name: 'dryRun', in: 'query', required: false, description: 'Only check the file (1/true): nothing is written; the answer is what the import would answer (200 instead of 201).', schema: { type: 'string', enum: ['1', '0', 'true', 'false'] } },
        ],
        requestBody: {
          required: true,
          content: {
            'text/csv': { schema: { type: 'string' }, example: 'ddiProviderName,username,domain,ddi,password\r\nAcme,883200145,sip.acme.example,+34911000001,s3cret\r\n' },
            ...jsonContent({ type: 'array', items: ref('RegistrationInput'), maxItems: IMPORT_MAX_ROWS }),
          },
        },
        responses: {
          '200': response('Dry run: every row is valid; nothing was written.', ref('ImportReport')),
          '201': response('Every row was created.', ref('ImportReport')),
          '400': errors.invalidJson,
          '409': error('A DDI provider named in the file was deleted while importing (`conflict`); nothing was imported.'),
          '413': error(`${LIMITS.replace(/ \(413.*$/, '')} (\`too_large\`).`),
          '415': error('Neither `text/csv` nor `application/json`, or a charset other than UTF-8 (`unsupported_media_type`).'),
          '422': error('The file was refused; nothing was written (`validation`): `error.rows` lists every bad row as `{ row, line?, field, message }` (field null: the row as a whole), or `error.fields` names the header columns at fault.'),
        },
      },
    },
    '/api/registrations/export': {
      get: {
        tags: ['Registrations'],
        summary: 'Export every registration as CSV (no passwords)',
        description: `A CSV download (\`Content-Disposition: attachment; filename="registrations-YYYY-MM-DD.csv"\`), in id order, with the import's column names: ${EXPORT_COLUMNS.map((c) => `\`${c}\``).join(', ')}. Passwords are never exported: a file exported here imports again as registrations without passwords. Values are written verbatim (a spreadsheet may read a DDI like \`+34…\` as a number or formula: open it with text columns).`,
        responses: {
          '200': { description: 'RFC 4180 CSV, UTF-8, CRLF line ends, fields quoted where needed.', content: { 'text/csv': { schema: { type: 'string' } } } },
        },
      },
    },
  };
}
