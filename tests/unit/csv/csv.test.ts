import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CSV_MESSAGES, parseCsv } from '../../../lib/csv/parse';
import { csvField, csvRecord } from '../../../lib/csv/write';

const records = (text: string) => {
  const r = parseCsv(text);
  assert.ok(r.ok, JSON.stringify(r));
  return r.records;
};

describe('parseCsv (RFC 4180)', () => {
  test('plain fields, LF and CRLF, a last record without a line break, empty fields', () => {
    assert.deepEqual(records('a,b,c\n1,,3\r\n4,5,'), [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '', '3'] },
      { line: 3, fields: ['4', '5', ''] },
    ]);
  });

  test('quoted fields keep commas, doubled quotes and line breaks; line numbers count them', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\r\n"two\r\nlines","three\nmore\nlines"\n"",z\n';
    assert.deepEqual(records(text), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['two\r\nlines', 'three\nmore\nlines'] },
      { line: 7, fields: ['', 'z'] },
    ]);
  });

  test('a byte order mark is dropped; blank lines are skipped but counted', () => {
    assert.deepEqual(records('\uFEFFa,b\n\n1,2\r\n\r\n3,4\n'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
      { line: 5, fields: ['3', '4'] },
    ]);
  });

  test('a lone CR is data, not a line break', () => {
    assert.deepEqual(records('a\rb,c'), [{ line: 1, fields: ['a\rb', 'c'] }]);
  });

  test('a quote inside an unquoted field, text after a closing quote, an unclosed quote: errors with their line', () => {
    assert.deepEqual(parseCsv('a,b\n1,x"y\n'), { ok: false, error: { line: 2, record: 1, message: CSV_MESSAGES.strayQuote } });
    assert.deepEqual(parseCsv('a,b\n1,"x"y\n'), { ok: false, error: { line: 2, record: 1, message: CSV_MESSAGES.afterQuote } });
    assert.deepEqual(parseCsv('a,b\n1,2\n3,"open\nstill\n'), { ok: false, error: { line: 3, record: 2, message: CSV_MESSAGES.unclosed } });
  });

  test('more records than allowed stop the reading', () => {
    assert.deepEqual(parseCsv('h\n1\n2\n3\n', 3), { ok: false, tooMany: true });
    assert.equal(parseCsv('h\n1\n2\n', 3).ok, true);
  });
});

describe('csvField / csvRecord', () => {
  test('quotes only what needs it, doubles quotes, ends records with CRLF', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('+34911'), '+34911');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(' padded'), '" padded"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(false), 'false');
    assert.equal(csvRecord(['a', 1, null, 'x,y']), 'a,1,,"x,y"\r\n');
  });

  test('what is written reads back the same', () => {
    const rows = [['h1', 'h2', 'h3'], ['a,b', 'say "x"', 'multi\r\nline'], ['', ' sp ', '<b>&amp;</b>']];
    const text = rows.map(csvRecord).join('');
    assert.deepEqual(records(text).map((r) => r.fields), rows);
  });
});
