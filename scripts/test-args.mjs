// Argument parsing and file selection of scripts/test.mjs, kept pure so tests/unit/scripts
// can check them without running anything.

export const SUITES = ['unit', 'api', 'sip', 'e2e'];

/** `--db`: the database the suites run against; `both` runs them on SQLite, then on PostgreSQL. */
export const DATABASES = ['sqlite', 'pg', 'both'];

/**
 * `[--only <suite>] [--db sqlite|pg|both] [filter…]` (also `--only=<suite>`, `--db=<db>`), in any
 * order. A filter is a substring of a test file's path. Throws on an unknown suite, database or
 * option, so a typo never runs the wrong tests. `db` is null when not given (the runner's default).
 * @param {string[]} argv process.argv.slice(2)
 * @returns {{ only: string | null, filters: string[], db: string | null }}
 */
export function parseTestArgs(argv) {
  let only = null;
  let db = null;
  const filters = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!SUITES.includes(value)) throw new Error(`--only needs one of ${SUITES.join(', ')} (got ${value === undefined ? 'nothing' : `'${value}'`})`);
      if (only !== null && only !== value) throw new Error(`--only given twice ('${only}', '${value}')`);
      only = value;
    } else if (arg === '--db' || arg.startsWith('--db=')) {
      const value = arg === '--db' ? argv[++i] : arg.slice('--db='.length);
      if (!DATABASES.includes(value)) throw new Error(`--db needs one of ${DATABASES.join(', ')} (got ${value === undefined ? 'nothing' : `'${value}'`})`);
      if (db !== null && db !== value) throw new Error(`--db given twice ('${db}', '${value}')`);
      db = value;
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option '${arg}'`);
    } else {
      filters.push(arg);
    }
  }
  return db === null ? { only, filters } : { only, filters, db };
}

/**
 * Which files run. `files` lists every candidate per suite: node:test files for unit/api/sip,
 * Playwright specs for e2e. Without filters every file of the chosen suites runs; with filters
 * the files whose path contains one of them. Playwright runs only when a spec is selected.
 * `unmatched` lists the filters that selected nothing (the runner refuses them).
 * @param {{ only: string | null, filters: string[] }} args
 * @param {Record<string, string[]>} files
 */
export function selectTests({ only, filters }, files) {
  const suites = only ? [only] : SUITES;
  const pick = (list) => (filters.length === 0 ? list : list.filter((f) => filters.some((x) => f.includes(x))));
  const node = Object.fromEntries(suites.filter((s) => s !== 'e2e').map((s) => [s, pick(files[s] ?? [])]));
  const e2e = suites.includes('e2e') ? pick(files.e2e ?? []) : [];
  const candidates = suites.flatMap((s) => files[s] ?? []);
  const unmatched = filters.filter((x) => !candidates.some((f) => f.includes(x)));
  return { node, e2e, unmatched };
}
