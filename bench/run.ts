// `npm run bench [-- --quick] [-- --json FILE] [-- --only NAME[,NAME]]`:
// every section in turn, each printing its figures and ratios against a
// peer measured in the same run. Never fails on timing: only a crash (a
// section that throws) makes the exit status non-zero.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { markdown, type Section } from './report.ts';
import type { BenchOptions } from './options.ts';
import { codec } from './codec.ts';
import { goodput } from './goodput.ts';
import { deadlink } from './deadlink.ts';
import { connack } from './connack.ts';
import { footprint } from './footprint.ts';
import { chip } from './chip.ts';

type Runner = (o: BenchOptions) => Promise<Section>;
const SECTIONS: [string, Runner][] = [
  ['codec', codec],
  ['goodput', goodput],
  ['deadlink', deadlink],
  ['connack', connack],
  ['chip', chip],
  ['footprint', footprint],
];

function cpuModel(): string {
  try {
    const m = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }));
    if (m) return m[1]!.trim();
  } catch { /* no lscpu */ }
  return os.cpus()[0]?.model ?? 'unknown';
}

const argv = process.argv.slice(2);
const opts: BenchOptions = { quick: argv.includes('--quick') };
const ji = argv.indexOf('--json');
const jsonFile = ji >= 0 ? argv[ji + 1] : undefined;
const oi = argv.indexOf('--only');
const only = oi >= 0 ? new Set(argv[oi + 1]!.split(',')) : null;
if (ji >= 0 && !jsonFile) { console.error('--json needs a FILE'); process.exit(2); }

const machine = `${os.cpus().length} cores, ${cpuModel()}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at start`;
const started = new Date().toISOString();
console.log(`# atmqtt benchmarks${opts.quick ? ' (--quick)' : ''}\n\n${started}; ${machine}; Node ${process.version}\n`);
const out: Section[] = [];
let crashed = false;
const tAll = performance.now();
for (const [name, run] of SECTIONS) {
  if (only && !only.has(name)) continue;
  const t0 = performance.now();
  try {
    const s = await run(opts);
    s.wallMs = Math.round(performance.now() - t0);
    out.push(s);
    for (const t of s.tables) console.log(markdown(t));
    console.log(`(${name}: ${(s.wallMs / 1000).toFixed(1)} s wall)\n`);
  } catch (e) {
    crashed = true;
    console.error(`bench section ${name} crashed:`, e);
  }
}
console.log(`(all: ${((performance.now() - tAll) / 1000).toFixed(1)} s wall)`);
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ started, machine, quick: opts.quick, sections: out }, null, 2) + '\n');
process.exit(crashed ? 1 : 0);
