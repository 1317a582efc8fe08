// What a wake-up of a waiting Node process costs on this machine: N timers spread at random over
// S seconds, due at distinct milliseconds or on coarser steps (the grid of Scheduler.afterOnGrid),
// each in a fresh process; CPU of the process (user + system) until the last one fired.
//
//   npx tsx tests/bench/wakeups.ts [--n 10000] [--seconds 6] [--steps 1,20,100,6000]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '6' }, steps: { type: 'string', default: '1,20,100,6000' } },
});
const n = Number(values.n);
const spreadMs = Number(values.seconds) * 1000;
const child = `
  const [n, spread, step] = process.argv.slice(1).map(Number);
  const c0 = process.cpuUsage();
  let done = 0;
  for (let i = 0; i < n; i++) {
    const at = Math.ceil((Math.random() * spread) / step) * step;
    setTimeout(() => {
      if (++done === n) {
        const c = process.cpuUsage(c0);
        console.log(JSON.stringify({ cpuMs: (c.user + c.system) / 1000, sysMs: c.system / 1000 }));
      }
    }, at);
  }`;
console.log(`${n} timers over ${values.seconds} s, each run a fresh process (CPU from the first timer set to the last fired):`);
console.log('| step ms | due instants ≤ | CPU ms | of which system | per timer µs |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const step of values.steps!.split(',').map(Number)) {
  const r = JSON.parse(execFileSync(process.execPath, ['-e', child, String(n), String(spreadMs), String(step)], { encoding: 'utf8', timeout: spreadMs + 30_000 })) as { cpuMs: number; sysMs: number };
  console.log(`| ${step} | ${Math.min(n, Math.ceil(spreadMs / step) + 1)} | ${r.cpuMs.toFixed(0)} | ${r.sysMs.toFixed(0)} | ${((1000 * r.cpuMs) / n).toFixed(1)} |`);
}
