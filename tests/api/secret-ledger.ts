/**
 * Secret-leak scan of an API test file: remembers every secret the tests send (JSON values under
 * a key like password/token/secret) or receive (new API tokens, session cookies), and every
 * response text; at the end, no response and no server log line may contain any of them.
 */
import assert from 'node:assert/strict';

const SECRET_KEY = /password|token|secret/i;
const MIN_SECRET_LENGTH = 6;

type Seen = { label: string; text: string; allowed?: string };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Finds a secret as is or escaped inside a JSON string, not glued to letters or digits: a short
 * test password like "second" must not be found in "seconds".
 */
function finder(secret: string): RegExp {
  const escaped = JSON.stringify(secret).slice(1, -1);
  const forms = [...new Set([secret, escaped])].map(escapeRegExp).join('|');
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${forms})(?![\\p{L}\\p{N}])`, 'u');
}

/** String values under secret-like keys anywhere in `value` (iterative: bodies may nest deeply). */
function secretValues(value: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item !== 'object') continue;
    for (const [key, v] of Object.entries(item)) {
      if (typeof v === 'string' && SECRET_KEY.test(key) && v.length >= MIN_SECRET_LENGTH) found.push(v);
      else if (typeof v === 'object') stack.push(v);
    }
  }
  return found;
}

export class SecretLedger {
  private readonly secrets = new Map<string, string>();
  private readonly seen: Seen[] = [];
  /** Secrets whose place is the server log (the first-run setup token): searched in responses only. */
  private readonly logOnly = new Set<string>();

  /** Remembers a secret the server prints on purpose (the setup token): it must be in no response. */
  printedByServer(value: string, origin: string): void {
    this.secret(value, origin);
    this.logOnly.add(value);
  }

  /** Remembers `value` as a secret; `origin` says where it came from (for the failure message). */
  secret(value: string, origin: string): void {
    if (value.length >= MIN_SECRET_LENGTH && !this.secrets.has(value)) this.secrets.set(value, origin);
  }

  /** Remembers the secrets in a request body (a JSON value, or JSON text when it parses). */
  requestBody(body: unknown, label: string): void {
    let value = body;
    if (typeof body === 'string') {
      try {
        value = JSON.parse(body);
      } catch {
        return;
      }
    }
    for (const s of secretValues(value)) this.secret(s, `sent to ${label}`);
  }

  /** Remembers a response text; `allowed` is the one secret this response may legitimately carry. */
  response(label: string, text: string, allowed?: string): void {
    this.seen.push({ label, text, allowed });
  }

  /** Fails with every (secret, response) pair where the secret shows up, and in the server log. */
  assertNoLeaks(serverLog: string): void {
    const leaks: string[] = [];
    const texts = [...this.seen, { label: 'the server log', text: serverLog }];
    for (const [secret, origin] of this.secrets) {
      const found = finder(secret);
      for (const { label, text, allowed } of texts) {
        if (label === 'the server log' && this.logOnly.has(secret)) continue;
        if (secret !== allowed && found.test(text)) leaks.push(`${JSON.stringify(secret.slice(0, 40))} (${origin}) in ${label}`);
      }
    }
    assert.deepEqual(leaks, [], `secrets leaked (${this.secrets.size} secrets, ${this.seen.length} responses scanned)`);
  }
}
