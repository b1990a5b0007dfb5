// `npm run soak -- --days 7 --seed N [--json FILE] [--round-s S] [--segment-h H]`:
// the deterministic fault soak (docs/soak.md). Exit code 0 when every
// pass criterion held.
import { writeFileSync } from 'node:fs';
import { makePlan } from './schedule.ts';
import { runSoak } from './world.ts';
import { formatReport } from './report.ts';

const USAGE = 'usage: npm run soak -- [--days D (default 7, fractions allowed)] [--seed N (default 1)] [--json FILE] [--round-s S (default 20)] [--segment-h H (default 6)]';

function parse(argv: string[]): { days: number; seed: number; json?: string; roundMs: number; segmentMs: number } {
  const o = { days: 7, seed: 1, json: undefined as string | undefined, roundMs: 20_000, segmentMs: 6 * 3_600_000 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n <= 0) { process.stderr.write(`${k} wants a positive number\n${USAGE}\n`); process.exit(2); }
      i++;
      return n;
    };
    switch (k) {
      case '--days': o.days = num(); break;
      case '--seed': o.seed = Math.floor(num()); break;
      case '--round-s': o.roundMs = Math.round(num() * 1000); break;
      case '--segment-h': o.segmentMs = Math.round(num() * 3_600_000); break;
      case '--json': if (v === undefined) { process.stderr.write(`${USAGE}\n`); process.exit(2); } o.json = v; i++; break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0);
      default: process.stderr.write(`unknown flag ${k}\n${USAGE}\n`); process.exit(2);
    }
  }
  return o;
}

const a = parse(process.argv.slice(2));
const plan = makePlan(a.seed, a.days, { roundMs: a.roundMs, segmentMs: a.segmentMs });
const result = await runSoak(plan, { progress: (l) => process.stderr.write(`${l}\n`) });
process.stdout.write(formatReport(result) + '\n');
if (a.json) writeFileSync(a.json, JSON.stringify({ date: new Date().toISOString(), plan, result }, null, 2) + '\n');
process.exit(result.pass ? 0 : 1);
