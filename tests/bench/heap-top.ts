// Biggest object groups of a V8 .heapsnapshot by self size (type + constructor
// name), plus the largest retainers by `ownerName.property` edge.
//
//   node --max-old-space-size=4096 --import tsx tests/bench/heap-top.ts FILE.heapsnapshot [--top 30]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, retainers: { type: 'string', default: '8' } } });
if (!positionals[0]) {
  console.error('usage: heap-top.ts FILE.heapsnapshot [--top 30]');
  process.exit(2);
}
const s = JSON.parse(readFileSync(positionals[0], 'utf8')) as Snapshot;
const nf = s.snapshot.meta.node_fields;
const ef = s.snapshot.meta.edge_fields;
const NF = nf.length;
const EF = ef.length;
const iType = nf.indexOf('type');
const iName = nf.indexOf('name');
const iSize = nf.indexOf('self_size');
const iEdges = nf.indexOf('edge_count');
const eType = ef.indexOf('type');
const eName = ef.indexOf('name_or_index');
const eTo = ef.indexOf('to_node');
const types = s.snapshot.meta.node_types[0];
const etypes = s.snapshot.meta.edge_types[0];

const groups = new Map<string, { count: number; bytes: number }>();
let total = 0;
for (let i = 0; i < s.nodes.length; i += NF) {
  const type = types[s.nodes[i + iType]];
  const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : s.strings[s.nodes[i + iName]];
  const key = `${type} ${name}`.trim();
  const g = groups.get(key) ?? { count: 0, bytes: 0 };
  g.count++;
  g.bytes += s.nodes[i + iSize];
  total += s.nodes[i + iSize];
  groups.set(key, g);
}

// For the biggest groups: who points at them (owner "type name" + edge name).
const groupOf = (i: number): string => {
  const type = types[s.nodes[i + iType]];
  const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : s.strings[s.nodes[i + iName]];
  return `${type} ${name}`.trim();
};
const topGroups = new Set([...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(values.retainers)).map(([k]) => k));
const retainers = new Map<string, Map<string, { count: number; bytes: number }>>();
let edgeIdx = 0;
for (let i = 0; i < s.nodes.length; i += NF) {
  const n = s.nodes[i + iEdges];
  const owner = groupOf(i);
  for (let k = 0; k < n; k++, edgeIdx += EF) {
    const et = etypes[s.edges[edgeIdx + eType]];
    if (et === 'weak' || et === 'shortcut') continue;
    const to = s.edges[edgeIdx + eTo];
    const target = groupOf(to);
    if (!topGroups.has(target)) continue;
    const label = et === 'property' || et === 'internal' || et === 'context' ? `${owner} .${et === 'property' || et === 'context' ? s.strings[s.edges[edgeIdx + eName]] : '(internal)'}` : `${owner} [${et}]`;
    let m = retainers.get(target);
    if (!m) retainers.set(target, (m = new Map()));
    const g = m.get(label) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[to + iSize];
    m.set(label, g);
  }
}

const top = Number(values.top);
const mib = (b: number) => (b / 1048576).toFixed(2).padStart(8);
console.log(`heap: ${mib(total)} MiB self size in ${s.nodes.length / NF} nodes`);
console.log(`\nTop ${top} groups (type constructor): MiB, count, bytes/each`);
for (const [k, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
  console.log(`${mib(g.bytes)}  ${String(g.count).padStart(8)}  ${String(Math.round(g.bytes / g.count)).padStart(6)}  ${k}`);
}
for (const [target, m] of retainers) {
  console.log(`\nRetainers of "${target}" (edge count, target MiB):`);
  for (const [k, g] of [...m].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 8)) console.log(`${mib(g.bytes)}  ${String(g.count).padStart(8)}  ${k}`);
}
