// Types of scripts/test-args.mjs for the TypeScript tests that import it.
export declare const SUITES: readonly ['unit', 'api', 'sip', 'e2e'];
export type Suite = (typeof SUITES)[number];
export declare const DATABASES: readonly ['sqlite', 'pg', 'both'];
export interface TestArgs {
  only: Suite | null;
  filters: string[];
  /** Absent: the runner's default (SQLite, and PostgreSQL too for a full run). */
  db?: (typeof DATABASES)[number];
}
export declare function parseTestArgs(argv: string[]): TestArgs;
export declare function selectTests(
  args: TestArgs,
  files: Partial<Record<Suite, string[]>>,
): { node: Partial<Record<Exclude<Suite, 'e2e'>, string[]>>; e2e: string[]; unmatched: string[] };
