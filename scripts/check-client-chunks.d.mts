// Types of scripts/check-client-chunks.mjs for the TypeScript tests that import it.
export declare const MARKERS: readonly RegExp[];
/** The chunks under `dir` holding drizzle code or table definitions, with the first marker found in each. */
export declare function findDrizzleInChunks(dir: string): Array<{ file: string; marker: string }>;
