/**
 * The fuzz test's case table: hostile bodies (malformed JSON, invalid UTF-8, huge, deeply nested,
 * prototype keys) for every endpoint that reads a body, and per field wrong types and content the
 * field's rules forbid (control characters, invisible characters, lone surrogates, unicode look-
 * alikes, SQL/HTML meta characters). Every case must be refused with a 4xx.
 */

export type Kind = 'string' | 'number' | 'boolean' | 'array';

/** What a string field's rules forbid, beyond wrong types and excessive length. */
export type Forbidden = 'control' | 'invisible' | 'meta' | 'quoted-meta' | 'lookalike';

export type FieldSpec = { kind: Kind; forbid?: Forbidden[]; optional?: boolean; extra?: unknown[] };

export type FuzzCase = { label: string; body: Buffer; chunked?: boolean };

/** Stands for a raw JSON token (e.g. `1e999`, which JSON.stringify cannot produce). */
export class Raw {
  constructor(readonly json: string) {}
}

const CONTROL = ['\u0000', '\u0007', '\u001b', '\ud800', '\udfff', '\udc00\ud800'];
const INVISIBLE = ['\u202e', '\u200b', '\u2066', '\ufeff'];
const META = [`' OR 1=1 --`, `"; drop table registrations; --`, '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '${7*7}{{7*7}}'];
const QUOTED_META = [`x"; drop table registrations; --`, '<img src="x" onerror="alert(1)">', 'back\\slash'];

/** Ways to make a value look the same (or nearly) with other code points. */
const LOOKALIKES: ((v: string) => string)[] = [
  (v) => v.replace('a', '\u0430'), // Cyrillic a
  (v) => v.replace('o', '\u043e'), // Cyrillic o
  (v) => v.replace(/[a-z]/, '$&\u0301'), // combining acute accent
  (v) => v.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))), // full-width digits
  (v) => v.replace('+', '\uff0b'), // full-width plus
  (v) => v.replace(/[0-9]/, '\u0661'), // Arabic-Indic digit one
];

/** Values of the wrong type for every field of that kind (the only arrays are lists of DDIs). */
const WRONG_TYPES: Record<Kind, unknown[]> = {
  string: [123, 0, true, [], {}, ['x'], { $ne: null }],
  number: ['1', '1 OR 1', true, [], {}, 1.5, -1, 0, 2 ** 53 + 2, new Raw('1e999'), new Raw('-1e999')],
  boolean: ['true', 1, 0, null, [], {}, 'yes'],
  array: ['+34910000099', {}, [1], [null], [['+34910000099']], [{}], ['+34 91 000'], ['\uff0b\uff13\uff14'], ['<script>alert(1)</script>'], ['+1', '+1']],
};

/** JSON text of `value`, with Raw tokens spliced in. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Raw ? `\u0001raw${raws.push(v.json) - 1}\u0001` : v));
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!);
}

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Inserts `char` in the middle of `value`, so only `char` makes it invalid. */
const inside = (value: string, char: string) => value.slice(0, Math.ceil(value.length / 2)) + char + value.slice(Math.ceil(value.length / 2));

/** Variants of `value` with a look-alike character (each rule that applies). */
function lookalikes(value: string): string[] {
  return [...new Set(LOOKALIKES.map((f) => f(value)))].filter((v) => v !== value);
}

/** The values a string field must refuse, built around its valid value. */
function forbiddenStrings(valid: string, forbid: Forbidden[]): [string, string][] {
  const cases: [string, string][] = [['5000 characters', 'x'.repeat(5000)]];
  for (const f of forbid) {
    if (f === 'control') cases.push(...CONTROL.map((c): [string, string] => [`control ${JSON.stringify(c)}`, inside(valid, c)]));
    if (f === 'invisible') cases.push(...INVISIBLE.map((c): [string, string] => [`invisible ${JSON.stringify(c)}`, inside(valid, c)]));
    if (f === 'meta') cases.push(...META.flatMap((m): [string, string][] => [[`meta ${m}`, m], [`meta appended ${m}`, `${valid}${m}`]]));
    if (f === 'quoted-meta') cases.push(...QUOTED_META.map((m): [string, string] => [`meta ${m}`, m]));
    if (f === 'lookalike') cases.push(...lookalikes(valid).map((v): [string, string] => [`look-alike ${JSON.stringify(v)}`, v]));
  }
  return cases;
}

/** Per field: wrong types, the field's extra bad values, and content its rules forbid. */
export function fieldCases(base: Record<string, unknown>, fields: Record<string, FieldSpec>): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const withField = (name: string, value: unknown, what: string) => cases.push({ label: `${name}: ${what}`, body: utf8(toJson({ ...base, [name]: value })) });
  for (const [name, spec] of Object.entries(fields)) {
    for (const wrong of WRONG_TYPES[spec.kind]) withField(name, wrong, `wrong type ${toJson(wrong)}`);
    if (spec.kind === 'string' && !spec.optional) withField(name, null, 'null');
    for (const bad of spec.extra ?? []) withField(name, bad, `bad value ${toJson(bad)}`);
    const valid = base[name];
    if (spec.kind === 'string' && typeof valid === 'string') {
      for (const [what, value] of forbiddenStrings(valid, spec.forbid ?? [])) withField(name, value, what);
      cases.push({ label: `${name}: invalid UTF-8 bytes`, body: invalidUtf8In(base, name) });
    }
    if (spec.kind === 'string' || spec.kind === 'array') withField(name, nested(10_000), '10 000 nested arrays');
  }
  return cases;
}

/** `base` with field `name` holding byte sequences that are not UTF-8 (overlong, lone continuation, truncated, encoded surrogate). */
function invalidUtf8In(base: Record<string, unknown>, name: string): Buffer {
  const [before, after] = toJson({ ...base, [name]: '\u0001MARK\u0001' }).split('\\u0001MARK\\u0001') as [string, string];
  return Buffer.concat([utf8(before), Buffer.from([0x61, 0xc0, 0xaf, 0x80, 0xed, 0xa0, 0x80, 0xe2, 0x82]), utf8(after)]);
}

/** `depth` nested arrays around a string, as a value. */
function nested(depth: number): Raw {
  return new Raw(`${'['.repeat(depth)}"x"${']'.repeat(depth)}`);
}

/** Cases that break the body as a whole, built around the endpoint's valid body. */
export function bodyCases(base: Record<string, unknown>): FuzzCase[] {
  const valid = toJson(base);
  const big = toJson({ ...base, padding: 'x'.repeat(70 * 1024) });
  const proto = (key: string, value: string) => `{${JSON.stringify(key)}:${value},${valid.slice(1)}`;
  const raw: [string, string | Buffer][] = [
    ['empty body', ''],
    ['whitespace only', ' \n\t '],
    ['{', '{'],
    ['truncated', valid.slice(0, -1)],
    ['truncated in a string', valid.slice(0, Math.max(2, valid.indexOf(':"') + 4))],
    ['[]', '[]'],
    ['null', 'null'],
    ['number', '42'],
    ['huge number', '1e999'],
    ['string', '"text"'],
    ['true', 'true'],
    ['array of the body', `[${valid}]`],
    ['single quotes', valid.replace(/"/g, "'")],
    ['trailing comma', `${valid.slice(0, -1)},}`],
    ['comment', `/* c */${valid}`],
    ['two documents', `${valid}${valid}`],
    ['NaN', '{"x":NaN}'],
    ['byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(valid)])],
    ['UTF-16 body', Buffer.from(`\ufeff${valid}`, 'utf16le')],
    ['invalid UTF-8 only', Buffer.from([0xff, 0xfe, 0xfd])],
    ['invalid UTF-8 in a key', Buffer.concat([utf8('{"'), Buffer.from([0xc3, 0x28]), utf8(`":1,${valid.slice(1)}`)])],
    ['NUL byte outside strings', Buffer.concat([utf8(valid.slice(0, 1)), Buffer.from([0]), utf8(valid.slice(1))])],
    ['10 000 nested arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['10 000 nested objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['30 000 nested arrays', `${'['.repeat(30_000)}${']'.repeat(30_000)}`],
    ['unknown key', toJson({ ...base, bogus: 1 })],
    ['unknown key createdAt', toJson({ ...base, createdAt: 0 })],
    ['__proto__ key', proto('__proto__', '{"role":"admin","isAdmin":true}')],
    ['__proto__ null', proto('__proto__', 'null')],
    ['constructor.prototype key', proto('constructor', '{"prototype":{"role":"admin"}}')],
    ['prototype key', proto('prototype', '{"role":"admin"}')],
    ['over 64 KiB', big],
  ];
  return [
    ...raw.map(([label, body]) => ({ label, body: typeof body === 'string' ? utf8(body) : body })),
    { label: 'over 64 KiB, chunked', body: utf8(big), chunked: true },
    { label: '1 MiB, chunked', body: utf8(toJson({ ...base, padding: 'y'.repeat(1024 * 1024) })), chunked: true },
  ];
}

/** Path ids that are not ids (a write to them must be a 404, never a write to some row). */
export const BAD_IDS = [
  '0',
  '-1',
  '1.5',
  '1e3',
  '0x1',
  '01',
  '+1',
  '%201',
  '1%20OR%201',
  "1'--",
  '1%3BDROP%20TABLE%20registrations',
  '%00',
  '1%00',
  '%E2%80%AE1',
  '%EF%BC%91',
  '%D9%A1',
  '99999999999999999999',
  '9007199254740993',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];
