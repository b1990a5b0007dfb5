// The allocation check (scripts/check-alloc.mjs), run by `npm run build`
// and callable on any built module: the firmware passes; an app that
// allocates in a timer is refused with the path to the stub allocator named;
// an app that allocates in its setup only passes. The fixture apps are
// compiled here with the firmware, as a user's build would be (asc --debug
// keeps the names the message shows; the code is the same).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROFILES } from '../../sim/profile.ts';

const run = promisify(execFile);
const CHECK = 'scripts/check-alloc.mjs';

async function check(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, [CHECK, ...args]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

/** Builds tests/fixtures/alloc/<name>-entry.ts (the firmware with that app) into dir. */
async function build(name: string, dir: string, entry = `tests/fixtures/alloc/${name}-entry.ts`): Promise<string> {
  const out = join(dir, `${name}.wasm`);
  await run(process.execPath, ['node_modules/assemblyscript/bin/asc.js', entry,
    '--target', 'release', '--debug', '--transform', './scripts/ascii-transform.mjs', '-o', out, '-t', join(dir, `${name}.wat`)],
  { maxBuffer: 1 << 24 });
  return out;
}

test('the firmware modules pass the allocation check (no allocator in them at all)', async () => {
  for (const p of Object.values(PROFILES)) {
    const r = await check(p.wasm);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /ok, no allocator in the module/);
  }
});

test('an app that allocates after setup is refused, naming the path to the allocator; one that allocates in setup only passes', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atmqtt-alloc-'));
  try {
    const leaky = await check(await build('leaky', dir));
    assert.equal(leaky.code, 1, leaky.out);
    assert.match(leaky.out, /allocation after setup: export "loop" reaches the stub allocator/);
    assert.match(leaky.out, /assembly\/firmware\/loop\n\s+-> tests\/fixtures\/alloc\/leaky-app\/tick\n\s+-> ~lib\/rt\/stub\/__(new|alloc)/);
    assert.match(leaky.out, /--runtime stub, which never frees/);

    const ok = await check(await build('setup-only', dir));
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /reached from setup only/);

    // an app using the whole API after setup (handler, timer, hooks, Writer) allocates nothing
    const api = await check(await build('memory-app', dir, 'tests/fixtures/memory-app/entry.ts'));
    assert.equal(api.code, 0, api.out);
    assert.match(api.out, /no allocator in the module/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a module whose export allocates is refused too (the probe build exports __new)', async () => {
  const r = await check(PROFILES.default.probe);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /export "__new" reaches the stub allocator/);
});
