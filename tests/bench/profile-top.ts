// Top self-time functions of a .cpuprofile (V8 / inspector format), with the
// TypeScript source line found by name near V8's line (tsx transpiles, so
// V8's line numbers are of the emitted JS and only approximately the .ts).
//
//   npx tsx tests/bench/profile-top.ts FILE.cpuprofile [--top 30] [--filter registrar/]
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '30' },
    filter: { type: 'string' },
    /** Labels (as printed, e.g. "post  registrar/store/status-store.ts:338"; a prefix is enough): the longest unbroken stretches of samples inside each. */
    longest: { type: 'string', multiple: true },
    /** With --longest: only samples from/to this many ms after the profile's start (e.g. the burst, not the shutdown). */
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: 'Infinity' },
  },
});
if (!positionals[0]) {
  console.error('usage: profile-top.ts FILE.cpuprofile [--top 30] [--filter registrar/]');
  process.exit(2);
}
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node id (µs): each sample's delta belongs to the sampled node.
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const d = profile.timeDeltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + d);
}
const totalUs = profile.endTime - profile.startTime;

// tsx emits one minified line per module (V8 reports line 0, column N); its
// cache (<tmpdir>/tsx-<uid>/) keeps each transform with a source map, so map
// (line, column) back to the .ts line. Newest cache entry per source wins.
const maps = new Map<string, { map: SourceMap; mtime: number }>();
try {
  const cacheDir = join(tmpdir(), `tsx-${process.getuid?.() ?? 0}`);
  for (const f of readdirSync(cacheDir)) {
    const p = join(cacheDir, f);
    try {
      const st = statSync(p);
      if (!st.isFile() || st.size > 5_000_000) continue;
      const j = JSON.parse(readFileSync(p, 'utf8')) as { map?: { sources?: string[] } };
      const src = j.map?.sources?.[0];
      if (!src) continue;
      const prev = maps.get(src);
      if (!prev || prev.mtime < st.mtimeMs) maps.set(src, { map: new SourceMap(j.map as ConstructorParameters<typeof SourceMap>[0]), mtime: st.mtimeMs });
    } catch {
      /* not a transform entry */
    }
  }
} catch {
  /* no tsx cache: line numbers stay V8's */
}

const srcCache = new Map<string, string[] | null>();
function tsLine(url: string, name: string, v8Line: number, v8Col: number): string {
  if (!url.startsWith('file://')) return `${v8Line + 1}`;
  const path = fileURLToPath(url);
  const m = maps.get(path);
  if (m) {
    const e = m.map.findEntry(v8Line, v8Col) as { originalLine?: number };
    if (e && typeof e.originalLine === 'number') return `${e.originalLine + 1}`;
  }
  // Fallback: the declaration of that name in the .ts file.
  let lines = srcCache.get(path);
  if (lines === undefined) {
    lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : null;
    srcCache.set(path, lines);
  }
  const short = name.split('.').pop()!.replace(/[^\w$]/g, '');
  if (!lines || !short) return `${v8Line + 1}?`;
  const decl = new RegExp(`^\\s*((export|async|private|public|protected|static|readonly|function)\\s+)*${short}\\s*(<[^>]*>)?\\s*[(=]`);
  const i = lines.findIndex((l) => decl.test(l));
  return i >= 0 ? `${i + 1}` : `${v8Line + 1}?`;
}

// A bundle (dist/*.mjs) beside its .map: name the original source and line.
const bundleMaps = new Map<string, SourceMap | null>();
function bundleEntry(cf: CallFrame): { source: string; line: number } | null {
  if (!cf.url.startsWith('file://') || !cf.url.endsWith('.mjs')) return null;
  const path = fileURLToPath(cf.url);
  let m = bundleMaps.get(path);
  if (m === undefined) {
    m = existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : null;
    bundleMaps.set(path, m);
  }
  const e = m?.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
  if (!e?.originalSource) return null;
  const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(join(path, '..'), e.originalSource);
  return { source: relative(ROOT, src), line: (e.originalLine ?? 0) + 1 };
}

function label(cf: CallFrame): string {
  const b = bundleEntry(cf);
  if (b) return `${cf.functionName || '(anonymous)'}  ${b.source}:${b.line}`;
  const where = cf.url.startsWith('file://') ? relative(ROOT, fileURLToPath(cf.url)) : cf.url || '(native)';
  const line = cf.url ? `:${tsLine(cf.url, cf.functionName, cf.lineNumber, cf.columnNumber)}` : '';
  return `${cf.functionName || '(anonymous)'}  ${where}${line}`;
}

// Aggregate self time by function (several nodes can share a frame).
const selfByFn = new Map<string, number>();
// Inclusive time by function: a sample counts once per distinct function on its stack.
const inclByFn = new Map<string, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const d = profile.timeDeltas[i + 1] ?? 0;
  const seen = new Set<string>();
  let id: number | undefined = profile.samples[i];
  let first = true;
  while (id !== undefined) {
    const n = byId.get(id)!;
    const key = label(n.callFrame);
    if (first) selfByFn.set(key, (selfByFn.get(key) ?? 0) + d);
    first = false;
    if (!seen.has(key)) {
      seen.add(key);
      inclByFn.set(key, (inclByFn.get(key) ?? 0) + d);
    }
    id = parent.get(id);
  }
}

const top = Number(values.top);
const filt = (k: string) => !values.filter || k.includes(values.filter);
const fmt = (us: number) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
console.log(`profile: ${(totalUs / 1e6).toFixed(2)} s, ${profile.samples.length} samples`);
console.log(`\nTop ${top} by self time:`);
for (const [k, us] of [...selfByFn].filter(([k]) => filt(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${fmt(us)}  ${k}`);
console.log(`\nTop ${top} by inclusive time (project code only):`);
for (const [k, us] of [...inclByFn]
  .filter(([k]) => filt(k) && /^(\S+)\s+(registrar|tests|lib)\//.test(k))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${fmt(us)}  ${k}`);

// --longest: how long the thread stayed inside a function without a break (consecutive samples
// with it on the stack): the longest stretch is the longest the event loop waited on it (at the
// sampling interval's resolution).
for (const want of values.longest ?? []) {
  const stretches: number[] = [];
  let run = 0;
  const [fromUs, toUs] = [Number(values.from) * 1000, Number(values.to) * 1000];
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const d = profile.timeDeltas[i + 1] ?? 0;
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    let id: number | undefined = profile.samples[i];
    let inside = false;
    while (id !== undefined && !inside) {
      inside = label(byId.get(id)!.callFrame).startsWith(want);
      id = parent.get(id);
    }
    if (inside) run += d;
    else if (run > 0) {
      stretches.push(run);
      run = 0;
    }
  }
  if (run > 0) stretches.push(run);
  stretches.sort((a, b) => a - b);
  const total = stretches.reduce((a, b) => a + b, 0);
  const at = (q: number) => stretches[Math.min(stretches.length - 1, Math.floor(q * stretches.length))] ?? 0;
  console.log(`\nInside "${want}": ${stretches.length} stretches, ${(total / 1000).toFixed(1)} ms in all; longest ${(at(1) / 1000).toFixed(2)} ms, p99 ${(at(0.99) / 1000).toFixed(2)} ms, p50 ${(at(0.5) / 1000).toFixed(2)} ms`);
}
