// A bounded slice of every fuzz target (fuzz/targets.ts) on both build
// profiles, with a fixed seed so a failure replays, and every saved
// regression input (tests/fuzz/regressions/, found by `npm run fuzz`
// before its bug was fixed) replayed: each must hold now. FUZZ_RUNS sets
// the slice (200 inputs a target and profile by default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fuzz, replay, REGRESSIONS } from '../../fuzz/run.ts';
import { TARGETS, type TargetName } from '../../fuzz/targets.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = 20261203;

for (const profile of ['default', 'small'] as const) {
  for (const name of Object.keys(TARGETS) as TargetName[]) {
    test(`fuzz ${name} (${profile}): ${RUNS} inputs, seed ${SEED}: no trap, no hang, invariants hold, back to connected`, { timeout: 600_000 }, (t) => {
      const lines: string[] = [];
      const saved = fuzz(name, RUNS, SEED, { profile, guard: true }, (s) => lines.push(s));
      for (const l of lines) t.diagnostic(l.split('\n')[0]!);
      assert.equal(saved, null, lines.join('\n'));
    });
  }
}

let files: string[] = [];
try { files = readdirSync(REGRESSIONS).filter((f) => f.endsWith('.json')).sort(); } catch { files = []; }
for (const f of files) {
  test(`fuzz regression ${f} holds`, { timeout: 120_000 }, () => {
    replay(path.join(REGRESSIONS, f));
  });
}
