/**
 * The OpenAPI description of how callers authenticate (session cookie, API tokens) and of the
 * sign-in, first-run setup, API token and operators endpoints. Access (401/403 and
 * `x-required-role`) is added from the access policy by openapi.ts, like for every other path.
 */
import { TOKEN_PREFIX } from '../auth/api-tokens';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from '../auth/cookies';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../auth/sessions';
import { body, error, errors, idParameter, ref, response } from './openapi-parts';

const HOUR_MS = 60 * 60 * 1000;

export const securitySchemes = {
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The browser session, set by POST /api/auth/login (or the first-run setup): HttpOnly, SameSite=Lax, Path=/. Over plain http it is \`${SESSION_COOKIE}\`; over https (directly or behind a proxy listed in TRUST_PROXY) it is \`${SECURE_SESSION_COOKIE}\`, Secure, and only that name is read there. The same cookie sent twice in one request is refused (400 \`ambiguous_session\`). It ends after ${SESSION_IDLE_MS / HOUR_MS} h unused, ${SESSION_ABSOLUTE_MS / (24 * HOUR_MS)} days after sign-in at the latest, or at POST /api/auth/logout (revoked on the server). Writes authenticated by it must carry the portal's own \`Origin\` (else 403 \`csrf\`).`,
  },
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    description: `An API token (\`${TOKEN_PREFIX}…\`, created with POST /api/tokens and shown once), sent as \`Authorization: Bearer <token>\`. It acts with its operator's current role until it is revoked, and is refused while its operator is disabled. Writes need no \`Origin\`.`,
  },
};

type SchemaMap = Record<string, { properties?: Record<string, Record<string, unknown>> }>;

const ROLES =
  "'admin': everything, including managing operators; 'editor': DDI providers and registrations; 'viewer': read-only (status, no secrets).";
const NEW_PASSWORD = 'At least 10 printable characters. Stored only as a scrypt hash; never returned.';

/** Adds what the zod rules do not carry into JSON Schema: the e-mail format and lower-casing, roles, how passwords are kept. */
export function describeAuthInputs(schemas: SchemaMap): void {
  const describe = (id: string, key: string, extra: Record<string, unknown>) => {
    const prop = schemas[id]?.properties?.[key];
    if (prop) Object.assign(prop, extra);
  };
  for (const id of ['SetupInput', 'OperatorInput']) {
    describe(id, 'email', { format: 'email', description: 'Sign-in e-mail address; stored lower-cased, unique.' });
    describe(id, 'password', { description: NEW_PASSWORD });
  }
  describe('OperatorInput', 'role', { description: ROLES });
  describe('OperatorPatch', 'role', { description: `${ROLES} A change signs the operator out.` });
  describe('OperatorPatch', 'disabled', { description: 'A disabled operator cannot sign in; their sessions end and their API tokens are revoked (re-enabling does not bring them back).' });
  describe('OperatorPatch', 'password', { description: `Resets the password (the operator is signed out; their API tokens are revoked unless \`revokeTokens\` is false). ${NEW_PASSWORD}` });
  describe('OperatorPatch', 'revokeTokens', { description: 'With `password`: false keeps the operator\'s API tokens (default: they are revoked). Ignored otherwise.' });
  describe('PasswordChange', 'newPassword', { description: `${NEW_PASSWORD} Must differ from the current one.` });
  describe('PasswordChange', 'revokeTokens', { description: 'Revoke your API tokens with the change (default true): a token made from a stolen session stops working.' });
  describe('ApiTokenInput', 'currentPassword', { description: 'Your current password: a session alone cannot create a token. A wrong one counts as a failed sign-in for your account.' });
}

/** A response that sets (sign-in, setup) or clears (sign-out) the session cookie. */
function withSessionCookie(description: string, schemaId: string, cookie: string) {
  return {
    ...response(description, ref(schemaId)),
    headers: { 'Set-Cookie': { description: `${cookie} \`${SESSION_COOKIE}\` (HttpOnly, SameSite=Lax, Secure over https).`, schema: { type: 'string' } } },
  };
}

const foreignOrigin = error("The request came from another site's page: its `Origin` is not the portal's own (`csrf`). Scripts may leave `Origin` out.");

/** 429 with the seconds to wait; the failures are counted per client address and per e-mail. */
const loginRefused = {
  ...error(
    'Too many failed sign-ins: `throttled` (wait seconds, up to a minute; per address, per e-mail and address, and per e-mail) or, after more failures from this address, `locked` (for minutes; an account alone is never locked, only slowed down). Nothing is checked while refused; attempts in flight count.',
  ),
  headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } } },
};

export function authPaths() {
  return {
    '/api/auth/login': {
      post: {
        tags: ['Authentication'],
        summary: 'Sign in with e-mail and password',
        description:
          'Starts a session: the answer sets the session cookie. A wrong e-mail, a wrong password and a disabled account get the same 401, which never says which part was wrong. Repeated failures are slowed down, then locked for a while (429).',
        requestBody: body('LoginInput'),
        responses: {
          '200': withSessionCookie('Signed in.', 'Login', 'Sets'),
          '400': errors.invalidJson,
          '401': error('E-mail or password is incorrect, or the account is disabled (`invalid_credentials`).'),
          '403': foreignOrigin,
          '413': errors.tooLarge,
          '422': errors.validation,
          '429': loginRefused,
        },
      },
    },
    '/api/auth/logout': {
      post: {
        tags: ['Authentication'],
        summary: 'Sign out',
        description: 'Revokes the current session on the server and clears the cookie. With an API token there is no session: nothing is revoked (revoke the token instead).',
        responses: { '200': withSessionCookie('Signed out.', 'SignedOut', 'Clears') },
      },
    },
    '/api/auth/me': {
      get: {
        tags: ['Authentication'],
        summary: 'The signed-in operator',
        responses: { '200': response('Who is calling, with which role, and how they authenticated.', ref('Me')) },
      },
    },
    '/api/auth/password': {
      post: {
        tags: ['Authentication'],
        summary: 'Change your own password',
        description:
          "Needs the current password (checked under the sign-in throttle). The caller's other sessions are signed out; the current one stays. The caller's API tokens are revoked unless `revokeTokens` is false.",
        requestBody: body('PasswordChange'),
        responses: {
          '200': response('Changed.', ref('PasswordChanged')),
          '400': errors.invalidJson,
          '413': errors.tooLarge,
          '422': error('`currentPassword` is not the current password, or `newPassword` is not valid or the same as the current one (`validation`); `fields` has a message per field.'),
          '429': loginRefused,
        },
      },
    },
    '/api/auth/setup': {
      get: {
        tags: ['Authentication'],
        summary: 'Whether the first-run setup is still needed',
        responses: { '200': response('`needed` is true while no operator exists.', ref('SetupState')) },
      },
      post: {
        tags: ['Authentication'],
        summary: 'First run: create the first admin',
        description:
          'Open only while no operator exists (ADMIN_EMAIL and ADMIN_PASSWORD in the environment do the same at start-up), and only with `setupToken`: the one-time token the server prints in its log at start (with the setup URL `/setup?token=…`). The new admin is signed in; the token is then spent.',
        requestBody: body('SetupInput'),
        responses: {
          '201': withSessionCookie('The first admin, signed in.', 'SetupDone', 'Sets'),
          '400': errors.invalidJson,
          '403': error('`setup_token`: `setupToken` is missing or not the one in the server log; `csrf`: the Origin is another site.'),
          '409': error('The portal is already set up (`setup_done`): sign in instead.'),
          '413': errors.tooLarge,
          '422': errors.validation,
        },
      },
    },
  };
}

export function tokenPaths() {
  return {
    '/api/tokens': {
      get: {
        tags: ['API tokens'],
        summary: 'Your API tokens',
        description: 'Names, prefixes and dates only: a token itself is never shown again after its creation.',
        responses: { '200': response("The caller's tokens, newest first.", ref('ApiTokenList')) },
      },
      post: {
        tags: ['API tokens'],
        summary: 'Create an API token',
        description:
          'Needs your current password (a wrong one counts as a failed sign-in). The token acts with your role. It is in this response only (stored hashed): copy it now. It is revoked when your password is changed or reset, or when you are disabled.',
        requestBody: body('ApiTokenInput'),
        responses: {
          '201': response('Created: `token` is the bearer token.', ref('ApiTokenCreated')),
          '400': errors.invalidJson,
          '403': error('`currentPassword` is not your current password (`wrong_password`; `fields.currentPassword`).'),
          '413': errors.tooLarge,
          '422': errors.validation,
          '429': loginRefused,
        },
      },
    },
    '/api/tokens/{id}': {
      parameters: [idParameter('API token')],
      delete: {
        tags: ['API tokens'],
        summary: 'Revoke one of your API tokens',
        description: 'It is refused (401) from then on.',
        responses: {
          '200': response('Revoked (`revokedAt` is set).', ref('ApiToken')),
          '404': error('You have no such token that is still valid (`not_found`).'),
        },
      },
    },
  };
}

export function operatorPaths() {
  return {
    '/api/operators': {
      get: {
        tags: ['Operators'],
        summary: 'List operators',
        responses: { '200': response('Every operator, by e-mail; never a password or its hash.', ref('OperatorList')) },
      },
      post: {
        tags: ['Operators'],
        summary: 'Create an operator',
        requestBody: body('OperatorInput'),
        responses: {
          '201': response('Created.', ref('Operator')),
          '400': errors.invalidJson,
          '409': error('An operator with this e-mail exists (`conflict`; `fields.email`).'),
          '413': errors.tooLarge,
          '422': errors.validation,
        },
      },
    },
    '/api/operators/{id}': {
      parameters: [idParameter('operator')],
      get: {
        tags: ['Operators'],
        summary: 'Get an operator',
        responses: { '200': response('The operator.', ref('Operator')), '404': errors.notFound },
      },
      patch: {
        tags: ['Operators'],
        summary: 'Edit, disable, re-enable or reset the password of an operator',
        description:
          'Only the fields given change. A new role, a disable or a new password signs the operator out everywhere (your own current session stays unless you disable yourself). A disable revokes their API tokens; so does a new password unless `revokeTokens` is false; after a new role their tokens act with it.',
        requestBody: body('OperatorPatch'),
        responses: {
          '200': response('Updated (or unchanged).', ref('Operator')),
          '400': errors.invalidJson,
          '404': errors.notFound,
          '409': error('This is the last enabled admin: it cannot be given another role or disabled (`last_admin`). Make another operator an admin first.'),
          '413': errors.tooLarge,
          '422': errors.validation,
        },
      },
      delete: {
        tags: ['Operators'],
        summary: 'Delete an operator',
        description: 'Their sessions and API tokens go with them; their audit entries stay.',
        responses: {
          '200': response('Deleted.', ref('Deleted')),
          '404': errors.notFound,
          '409': error('You cannot delete your own account (`conflict`), nor the last enabled admin (`last_admin`).'),
        },
      },
    },
    '/api/operators/{id}/unlock': {
      parameters: [idParameter('operator')],
      post: {
        tags: ['Operators'],
        summary: "Unlock an operator's sign-in",
        description:
          "Clears the sign-in failures recorded for the operator's e-mail, for each (e-mail, address) pair and for the addresses that failed on it: the slow-down and the address locks end at once. Audited.",
        responses: { '200': response('Unlocked; `cleared` failures removed.', ref('Unlocked')), '404': errors.notFound },
      },
    },
    '/api/operators/{id}/tokens': {
      parameters: [idParameter('operator')],
      get: {
        tags: ['Operators'],
        summary: "An operator's API tokens",
        description: 'Names, prefixes and dates only, never a token itself.',
        responses: { '200': response("The operator's tokens, newest first, revoked ones included.", ref('ApiTokenList')), '404': errors.notFound },
      },
    },
    '/api/operators/{id}/tokens/{tokenId}': {
      parameters: [idParameter('operator'), { ...idParameter('API token'), name: 'tokenId' }],
      delete: {
        tags: ['Operators'],
        summary: "Revoke one of an operator's API tokens",
        description: 'It is refused (401) from then on. Audited.',
        responses: { '200': response('Revoked (`revokedAt` is set).', ref('ApiToken')), '404': error('No such operator, or no such token of theirs that is still valid (`not_found`).') },
      },
    },
  };
}
