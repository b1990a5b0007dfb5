// atmqtt compiled as a dependency: a project whose app is the firmware's own
// telemetry app builds, through `atmqtt build` (the package's asc options,
// its ascii transform under ~lib/atmqtt/, its wasm-opt passes), the module
// `npm run build` makes, up to the order of texts and exports; and the
// commands' refusals outside a project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLI, REPO_ROOT } from '../helpers/sim.ts';
import { staticDataEnd } from '../../sim/build.ts';


function atmqtt(args: string[], cwd: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', input: '', timeout: 5 * 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A project folder whose node_modules/atmqtt is this checkout, as npm links a file: folder. */
function project(app: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'atmqtt-pkg-'));
  mkdirSync(path.join(dir, 'assembly'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, path.join(dir, 'node_modules', 'atmqtt'), 'dir');
  writeFileSync(path.join(dir, 'assembly', 'app.ts'), app);
  return dir;
}

/** What a module is, up to the order of its texts and exports: its exports and
 * imports, the RAM its data takes, its size within a few LEB bytes. */
function shape(file: string): { exports: string[]; imports: string[]; staticData: number; size: number } {
  const bytes = readFileSync(file);
  const m = new WebAssembly.Module(bytes);
  return {
    exports: WebAssembly.Module.exports(m).map((e) => `${e.kind} ${e.name}`).sort(),
    imports: WebAssembly.Module.imports(m).map((e) => `${e.kind} ${e.module}.${e.name}`).sort(),
    staticData: staticDataEnd(bytes),
    size: bytes.length,
  };
}

/** The log texts of a small build's id table, without their ids. */
const logTexts = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^#\S+ /, '')).sort();

test('the telemetry app as a user project builds the module npm run build makes (both profiles)', { timeout: 10 * 60_000 }, (t) => {
  const dir = project('// the firmware\'s default app, as a user would import it\nexport { setup } from "atmqtt/assembly/apps/telemetry";\n');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = atmqtt(['build'], dir);
  assert.equal(r.code, 0, r.out);
  // the texts' blob and the exports come in another order (the user's entry is
  // parsed first), so offsets and a few LEB bytes differ; nothing else may
  for (const [mine, own] of [['app.wasm', 'atmqtt.wasm'], ['app-small.wasm', 'atmqtt-small.wasm'], ['app-guarded.wasm', 'atmqtt-guarded.wasm']]) {
    const a = shape(path.join(dir, 'build', mine!));
    const b = shape(path.join(REPO_ROOT, 'build', own!));
    assert.deepEqual(a.exports, b.exports, `${mine}: exports`);
    assert.deepEqual(a.imports, b.imports, `${mine}: imports`);
    assert.equal(a.staticData, b.staticData, `${mine}: static data`);
    assert.ok(Math.abs(a.size - b.size) <= 32, `${mine}: ${a.size} B, npm run build's ${own}: ${b.size} B`);
  }
  // the small build's log ids, for atmqtt sim to print their texts
  assert.deepEqual(logTexts(path.join(dir, 'build/app-small.logs.txt')), logTexts(path.join(REPO_ROOT, 'build/atmqtt-small.logs.txt')));
  // atmqtt flash in the project: its module wrapped into build/app.img (no port: --dry-run)
  const f = atmqtt(['flash', '--dry-run'], dir);
  assert.equal(f.code, 0, f.out);
  assert.match(f.out, /write-flash 0x[0-9a-f]+ \S*build\/app\.img/);
  assert.match(f.out, new RegExp(`${readFileSync(path.join(dir, 'build/app.wasm')).length}-byte module`));
});

test('a user file with ascii() texts compiles against the package; a compile error fails the build', { timeout: 5 * 60_000 }, (t) => {
  const good = project([
    'import { ascii, viewOf, publish } from "atmqtt";',
    'export function setup(): void { publish(ascii("user/topic"), viewOf(ascii("hello from a user file")), 0, false); }',
    '',
  ].join('\n'));
  t.after(() => rmSync(good, { recursive: true, force: true }));
  const r = atmqtt(['build', '--profile', 'small'], good);
  assert.equal(r.code, 0, r.out);
  const wasm = readFileSync(path.join(good, 'build/app-small.wasm'));
  // the texts as [len][bytes] in static data, no ascii import left
  assert.ok(wasm.includes(Buffer.from('\x16hello from a user file')), 'the text is a length-prefixed blob');
  assert.ok(!wasm.includes(Buffer.from('ascii')), 'no ascii() call survives the transform');

  const bad = project('export function setup(): void { nosuch(); }\n');
  t.after(() => rmSync(bad, { recursive: true, force: true }));
  const b = atmqtt(['build', '--profile', 'small'], bad);
  assert.equal(b.code, 1, b.out);
  assert.match(b.out, /Cannot find name 'nosuch'/);
  assert.match(b.out, /atmqtt build: .*failed/);
});

test('atmqtt build runs the allocation check: a handler that allocates fails the build, setup may', { timeout: 5 * 60_000 }, (t) => {
  const fixture = (f: string): string => readFileSync(path.join(REPO_ROOT, 'tests/fixtures/alloc', f), 'utf8').replace('"../../../assembly/sdk"', '"atmqtt"');
  const leaky = project(fixture('leaky-app.ts'));
  t.after(() => rmSync(leaky, { recursive: true, force: true }));
  const l = atmqtt(['build', '--profile', 'small'], leaky);
  assert.equal(l.code, 1, l.out);
  assert.match(l.out, /allocates after setup/);
  assert.match(l.out, /tick/);
  const once = project(fixture('setup-only-app.ts'));
  t.after(() => rmSync(once, { recursive: true, force: true }));
  const o = atmqtt(['build', '--profile', 'small'], once);
  assert.equal(o.code, 0, o.out);
});

test('build, sim and init refuse what they cannot do, by name', () => {
  const empty = mkdtempSync(path.join(tmpdir(), 'atmqtt-empty-'));
  try {
    const b = atmqtt(['build'], empty);
    assert.equal(b.code, 2);
    assert.match(b.out, /no assembly\/app\.ts in .*atmqtt init DIR writes one/);
    assert.equal(atmqtt(['build', '--board', 'nosuch'], empty).code, 2);
    assert.match(atmqtt(['build', '--board', 'atmega1284p', '--profile', 'default'], empty).out, /carries the small profile/);
    const i = atmqtt(['init'], empty);
    assert.equal(i.code, 2);
    assert.match(i.out, /DIR is missing/);
    assert.match(atmqtt(['init', empty, '--from', path.join(empty, 'nothing')], empty).out, /no such file or folder/);
    // a project not built yet: sim says what to run
    const p = project('export function setup(): void {}\n');
    try {
      const s = atmqtt(['sim'], p);
      assert.equal(s.code, 2, s.out);
      assert.match(s.out, /build\/app\.wasm: missing: run atmqtt build first/);
    } finally {
      rmSync(p, { recursive: true, force: true });
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
