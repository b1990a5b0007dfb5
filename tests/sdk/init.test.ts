// atmqtt as a package a user depends on (issue 16): this checkout packed
// with npm pack (so the package.json "files" list is what gets tested),
// `atmqtt init` of a thermostat project that depends on the tarball, a real
// `npm install` from the registry, then the project's own `npm test` (its
// build, its as-pect spec, its app in the simulator on V8), and the same
// simulator test again under the wasm3 interpreter, in the small profile
// under the RAM guard, and on the emulated ATmega1284P (simavr).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, REPO_ROOT } from '../helpers/sim.ts';

interface Ran { code: number | null; out: string; ms: number }

/** A command to its end (output kept for the failure message), killed after timeoutMs. */
function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<Ran> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    // without NODE_TEST_CONTEXT: a node --test below this one would otherwise skip its files and pass
    const { NODE_TEST_CONTEXT: _ctx, ...own } = process.env;
    // and without this checkout's node_modules/.bin, which `npm test` puts first: a dev
    // dependency brings an npm 6 there (no --pack-destination), and a user's machine has none
    const PATH = (own.PATH ?? '').split(path.delimiter).filter((d) => !d.includes(`node_modules${path.sep}.bin`)).join(path.delimiter);
    const p = spawn(cmd, args, { cwd, env: { ...own, PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const timer = setTimeout(() => { out += `\n[killed after ${timeoutMs} ms]`; p.kill('SIGKILL'); }, timeoutMs);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, out, ms: Date.now() - t0 }); });
  });
}

const tail = (s: string, n = 60): string => s.split('\n').slice(-n).join('\n');
const MIN = 60_000;

test('atmqtt init from the packed checkout: npm install, then the project\'s npm test, on V8, wasm3, the small profile and the ATmega1284P', { timeout: 25 * MIN }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmqtt-init-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const times: string[] = [];

  const pack = await run('npm', ['pack', '--silent', '--pack-destination', dir], REPO_ROOT, 2 * MIN);
  assert.equal(pack.code, 0, tail(pack.out));
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, `npm pack wrote no tarball: ${pack.out}`);

  const project = path.join(dir, 'thermostat');
  const init = await run(process.execPath, [CLI, 'init', project, '--from', path.join(dir, tgz)], dir, MIN);
  assert.equal(init.code, 0, init.out);
  for (const f of ['assembly/app.ts', 'assembly/thermostat.ts', 'tests/thermostat.spec.ts', 'tests/app.test.mjs', 'README.md', '.gitignore']) {
    assert.ok(existsSync(path.join(project, f)), `init wrote ${f}`);
  }
  const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(pkg.dependencies.atmqtt, `file:${path.join(dir, tgz)}`);
  // a second init into the same folder is refused: nothing of the user's is overwritten
  const again = await run(process.execPath, [CLI, 'init', project], dir, MIN);
  assert.equal(again.code, 2, again.out);
  assert.match(again.out, /not empty/);

  const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project, 8 * MIN);
  assert.equal(install.code, 0, tail(install.out));
  times.push(`npm install ${(install.ms / 1000).toFixed(0)} s`);
  // what the package brought: its files, not the repository's tests or benchmarks
  const installed = path.join(project, 'node_modules', 'atmqtt');
  for (const f of ['index.ts', 'assembly/sdk.ts', 'bin/atmqtt.js', 'sim/testing.mjs', 'template/assembly/app.ts', 'board/avr/build.sh']) {
    assert.ok(existsSync(path.join(installed, f)), `the package has ${f}`);
  }
  for (const f of ['tests', 'bench', 'fuzz', 'soak']) assert.ok(!existsSync(path.join(installed, f)), `the package leaves out ${f}/`);

  const npmTest = await run('npm', ['test'], project, 10 * MIN);
  assert.equal(npmTest.code, 0, tail(npmTest.out, 120));
  times.push(`npm test ${(npmTest.ms / 1000).toFixed(0)} s`);
  assert.match(npmTest.out, /build\/app\.wasm: \d+ B/);
  assert.match(npmTest.out, /build\/app-small\.wasm: \d+ B/);
  assert.match(npmTest.out, /Pass: 4 \/ 4/);
  assert.match(npmTest.out, /# pass 1\n# fail 0/);
  for (const line of npmTest.out.split('\n').filter((l) => / B, static data /.test(l))) console.log(`thermostat: ${line.trim()}`);

  // the same simulator test: under the wasm3 interpreter, and the 4 KiB profile
  for (const [name, env] of [['wasm3', { ATMQTT_RUNTIME: 'wasm3' }], ['small profile under the RAM guard', { ATMQTT_PROFILE: 'small', ATMQTT_GUARD: '1' }]] as const) {
    const r = await run('npm', ['run', '-s', 'test:sim'], project, 6 * MIN, env);
    assert.equal(r.code, 0, `${name}:\n${tail(r.out, 120)}`);
    assert.match(r.out, /# pass 1\n# fail 0/);
    times.push(`${name} ${(r.ms / 1000).toFixed(0)} s`);
  }
  // and on the ATmega1284P under simavr: the project's image from atmqtt build --board
  const avr = await run(process.execPath, [CLI, 'build', '--board', 'atmega1284p'], project, 6 * MIN);
  assert.equal(avr.code, 0, tail(avr.out));
  assert.match(avr.out, /atmega1284p: ATmega1284P image/);
  for (const line of avr.out.split('\n').filter((l) => /# (Program|Data):/.test(l))) console.log(`thermostat on the ATmega1284P: ${line.replace(/^#\s*/, '')}`);
  const board = await run('npm', ['run', '-s', 'test:sim'], project, 6 * MIN, { ATMQTT_BOARD: 'atmega1284p' });
  assert.equal(board.code, 0, `atmega1284p:\n${tail(board.out, 120)}`);
  assert.match(board.out, /# pass 1\n# fail 0/);
  times.push(`atmega1284p build ${(avr.ms / 1000).toFixed(0)} s + test ${(board.ms / 1000).toFixed(0)} s`);
  console.log(`atmqtt init project: ${times.join(', ')}`);
});
