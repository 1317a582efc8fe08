/**
 * Helpers for the thin REST route handlers: authorization, JSON responses, error mapping, bounded
 * body reading. Web-standard APIs only (no next/* imports), so tests can import it.
 */
import type { z } from 'zod';
import { authorizeRequest } from '../auth/request';
import type { Principal } from '../auth/principal';
import { errorText, log, withRequestId } from '../log';
import { REQUEST_ID_HEADER, requestIdOf } from '../server/request-id';
import { errorStatus, fail, validationError, type ActionResult, type ApiError } from './result';

export const MAX_BODY_BYTES = 64 * 1024;

const noStore = { 'cache-control': 'no-store' };

export function json(data: unknown, status = 200): Response {
  return Response.json(data, { status, headers: noStore });
}

export function errorResponse(error: ApiError): Response {
  return json({ error }, errorStatus[error.code]);
}

/** `{ data }` → `status` with the data as body; `{ error }` → the status of its code. */
export function resultResponse<T>(result: ActionResult<T>, status = 200): Response {
  return 'error' in result ? errorResponse(result.error) : json(result.data, status);
}

/**
 * Strict decoding: invalid UTF-8 is refused, never turned into U+FFFD and stored; a byte order
 * mark is kept (so JSON.parse refuses it, as RFC 8259 §8.1 lets a parser do).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type BodyResult = { ok: true; value: unknown } | { ok: false; error: ApiError };

const tooLarge = (limit: number) => fail('too_large', `The request body exceeds ${Math.floor(limit / 1024)} KiB.`).error;

export type BytesResult = { ok: true; bytes: Buffer } | { ok: false; error: ApiError };

/**
 * Reads a body of at most `limit` bytes. Checks Content-Length first, then counts the bytes
 * actually received (chunked bodies or lying headers) and stops reading past the limit; either
 * way the answer is `tooLargeError` (default: 413 `too_large` naming the limit in KiB).
 */
export async function readBodyBytes(req: Request, limit: number, tooLargeError: ApiError = tooLarge(limit)): Promise<BytesResult> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return { ok: false, error: tooLargeError };
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, error: tooLargeError };
      }
      chunks.push(value);
    }
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}

/** Strict UTF-8 (see `utf8`): the text, or null when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Reads and parses a JSON body of at most `limit` bytes (see readBodyBytes). */
export async function readJsonBody(req: Request, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const body = await readBodyBytes(req, limit);
  if (!body.ok) return body;
  const text = decodeUtf8(body.bytes);
  if (text === null) return { ok: false, error: fail('invalid_json', 'The request body is not valid UTF-8.').error };
  if (text.trim() === '') return { ok: false, error: fail('invalid_json', 'The request body must be a JSON object.').error };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: fail('invalid_json', 'The request body is not valid JSON.').error };
  }
}

/** Query string as a plain object (last value wins); `dropEmpty` leaves out `key=` entries. */
export function queryObject(req: Request, opts: { dropEmpty?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URL(req.url).searchParams) {
    if (opts.dropEmpty && value.trim() === '') continue;
    out[key] = value;
  }
  return out;
}

/** Parses the query string with `schema`; a 422 Response when it fails. */
export function parseQuery<S extends z.ZodType>(req: Request, schema: S, opts: { dropEmpty?: boolean } = {}): { ok: true; value: z.output<S> } | { ok: false; response: Response } {
  const parsed = schema.safeParse(queryObject(req, opts));
  if (!parsed.success) return { ok: false, response: errorResponse(validationError(parsed.error, 'Some query parameters are not valid.').error) };
  return { ok: true, value: parsed.data };
}

/** A positive integer id from a route segment, or null (the handler answers 404). */
export function parseId(raw: string): number | null {
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

export const notFound = (what: string) => errorResponse(fail('not_found', `${what} does not exist.`).error);

type Handler<C> = (req: Request, ctx: C, principal: Principal) => Promise<Response> | Response;
type PublicHandler<C> = (req: Request, ctx: C) => Promise<Response> | Response;

/**
 * Runs the handler under the request's id (server.ts set it; lines logged meanwhile carry it, and
 * the response echoes it). Anything thrown becomes a 500 `internal` error without details
 * (logged on the server, never sent).
 */
function guardedResponse(req: Request, run: () => Promise<Response> | Response): Promise<Response> {
  const requestId = requestIdOf(req);
  return withRequestId(requestId, async () => {
    let response: Response;
    try {
      response = await run();
    } catch (err) {
      const path = new URL(req.url).pathname;
      log.error({ method: req.method, path, error: errorText(err) }, `${req.method} ${path} failed`);
      response = errorResponse({ code: 'internal', message: 'Internal error.' });
    }
    if (!response.headers.has(REQUEST_ID_HEADER)) {
      try {
        response.headers.set(REQUEST_ID_HEADER, requestId);
      } catch {
        /* immutable headers (a fetched or redirect Response): server.ts already set it on the reply */
      }
    }
    return response;
  });
}

/**
 * Wraps a route handler that needs a signed-in operator: the access policy (lib/auth/policy.ts)
 * is checked for the request's method and path (401/403/CSRF), then the handler gets the caller.
 */
export function route<C>(handler: Handler<C>): (req: Request, ctx: C) => Promise<Response> {
  return (req, ctx) =>
    guardedResponse(req, async () => {
      const auth = await authorizeRequest(req);
      return auth.ok ? handler(req, ctx, auth.principal) : errorResponse(auth.error);
    });
}

/** Wraps a route handler open to anyone (health, sign-in, first-run setup). */
export function publicRoute<C>(handler: PublicHandler<C>): (req: Request, ctx: C) => Promise<Response> {
  return (req, ctx) => guardedResponse(req, () => handler(req, ctx));
}

export type IdContext = { params: Promise<{ id: string }> };
