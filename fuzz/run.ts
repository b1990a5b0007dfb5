// npm run fuzz -- --target mqtt|ws|at|config|all [--runs N] [--seed S]
//   [--profile default|small] [--no-guard] [--replay FILE]
// Runs a target's property over N generated inputs (fast-check: shrinking,
// and a seed that replays the run). A failure is shrunk, printed, and saved
// as a regression under tests/fuzz/regressions/, which `npm test` replays.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { TARGETS, type TargetName, type RunOptions } from './targets.ts';
import { isProfileName, type ProfileName } from '../sim/profile.ts';

export const REGRESSIONS = fileURLToPath(new URL('../tests/fuzz/regressions/', import.meta.url));

/** JSON with byte arrays kept as base64. */
export function encodeInput(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? { $u8: Buffer.from(x).toString('base64') } : x));
}
export function decodeInput(s: string): unknown {
  return JSON.parse(s, (_k, x: unknown) => (x && typeof x === 'object' && '$u8' in x ? Uint8Array.from(Buffer.from((x as { $u8: string }).$u8, 'base64')) : x));
}

export interface Regression { target: TargetName; profile: ProfileName; guard: boolean; seed: number; error: string; input: unknown }

/** Runs one target; returns null when every input held, else the saved regression's file. */
export function fuzz(name: TargetName, runs: number, seed: number, o: RunOptions, log: (s: string) => void = () => {}): string | null {
  const target = TARGETS[name];
  const t0 = Date.now();
  let n = 0;
  const details = fc.check(fc.property(target.input as fc.Arbitrary<unknown>, (input) => {
    n++;
    if (n % 10000 === 0) log(`${name}: ${n} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    target.run(input as never, o);
  }), { numRuns: runs, seed, endOnFailure: false });
  const s = (Date.now() - t0) / 1000;
  if (!details.failed) {
    log(`${name}: ${details.numRuns} inputs passed in ${s.toFixed(1)} s (${(details.numRuns / s).toFixed(0)}/s), seed ${seed}, ${o.profile}${o.guard ? ', RAM guard' : ''}`);
    return null;
  }
  const ce = details.counterexample?.[0];
  const err = String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance);
  mkdirSync(REGRESSIONS, { recursive: true });
  const file = path.join(REGRESSIONS, `${name}-${o.profile}-${seed}-${details.numRuns}.json`);
  const r: Regression = { target: name, profile: o.profile, guard: o.guard, seed, error: err.split('\n')[0]!, input: ce };
  writeFileSync(file, encodeInput(r) + '\n');
  log(`${name}: FAILED after ${details.numRuns} inputs (${s.toFixed(1)} s), seed ${seed}, path ${details.counterexamplePath}\n${err}\nshrunk input saved as ${file}`);
  return file;
}

/** Replays a saved regression; throws what the target throws. */
export function replay(file: string): Regression {
  const r = decodeInput(readFileSync(file, 'utf8')) as Regression;
  TARGETS[r.target].run(r.input as never, { profile: r.profile, guard: r.guard });
  return r;
}

function main(argv: string[]): void {
  const get = (k: string): string | undefined => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: npm run fuzz -- --target ${Object.keys(TARGETS).join('|')}|all [--runs N (10000)] [--seed S] [--profile default|small] [--no-guard] [--replay FILE]\n`);
    for (const t of Object.values(TARGETS)) process.stdout.write(`  ${t.name.padEnd(7)} ${t.what}\n`);
    return;
  }
  const replayFile = get('--replay');
  if (replayFile) {
    try { const r = replay(replayFile); process.stdout.write(`${r.target}: the input holds now\n`); } catch (e) { process.stdout.write(`${String(e)}\n`); process.exitCode = 1; }
    return;
  }
  const target = get('--target') ?? 'all';
  const names = target === 'all' ? (Object.keys(TARGETS) as TargetName[]) : [target as TargetName];
  if (!names.every((n) => n in TARGETS)) { process.stderr.write(`unknown target ${target}: want ${Object.keys(TARGETS).join(', ')} or all\n`); process.exit(2); }
  const runs = Number(get('--runs') ?? 10000);
  const seed = Number(get('--seed') ?? Date.now() % 0x7fffffff);
  const profile = get('--profile') ?? 'default';
  if (!isProfileName(profile) || !(runs > 0) || !Number.isInteger(seed)) { process.stderr.write('bad --runs, --seed or --profile\n'); process.exit(2); }
  let failed = 0;
  for (const n of names) if (fuzz(n, runs, seed, { profile, guard: !argv.includes('--no-guard') }, (s) => process.stdout.write(s + '\n'))) failed++;
  process.exitCode = failed > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main(process.argv.slice(2));
