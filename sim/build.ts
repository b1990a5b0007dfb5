// `atmqtt build [--profile default|small] [--board NAME]` in a user project:
// the user's assembly/app.ts compiled with the client into one module, with
// the same asc options as the firmware's own targets (this package's
// asconfig.json) and the same wasm-opt passes (its package.json "shrink"
// scripts), then the board image where a board is named, by the board's own
// build script with WASM= and OUT= pointing into the project.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROFILES, isProfileName, type ProfileName } from './profile.ts';
import { APP_SOURCE, PKG_ROOT, appFiles, userProject } from './project.ts';

export const BUILD_USAGE = `usage: atmqtt build [--profile default|small] [--board atmega1284p|lx106-qemu|rv32-qemu|esp8266|esp32]
  Run in a project that \`atmqtt init\` wrote: compiles assembly/app.ts with the client into
  build/app.wasm (default profile, 16 KiB of RAM) and build/app-small.wasm (small, 4 KiB);
  --profile builds only that one. --board builds that board's profile and its image into
  build/<board>/ (the board's compiler must be installed; it names the Debian package).`;

/** Each board: the profile its image carries and its build script's folder. */
export const BUILD_BOARDS: Record<string, { profile: ProfileName; dir: string; what: string }> = {
  atmega1284p: { profile: 'small', dir: 'avr', what: 'ATmega1284P image (wasm2c), build/atmega1284p/atmqtt-avr.elf + .hex' },
  'lx106-qemu': { profile: 'default', dir: 'lx106', what: 'lx106 image for QEMU (wasm2c), build/lx106-qemu/atmqtt-lx106.elf' },
  'rv32-qemu': { profile: 'default', dir: 'rv32', what: 'rv32 image for QEMU (wasm3), build/rv32-qemu/atmqtt-rv32.elf' },
  esp8266: { profile: 'default', dir: 'esp8266', what: 'ESP8266 host object (wasm3) for an SDK project, build/esp8266/atmqtt-esp8266.o' },
  esp32: { profile: 'default', dir: 'esp32', what: 'ESP32 image for the atmqtt partition, build/esp32/atmqtt.img (+ a C array); atmqtt flash writes it' },
};

class BuildError extends Error {}

/** The generated entry: the firmware's host exports, and the user's setup registered as the app. */
export function entrySource(): string {
  return [
    '// Written by `atmqtt build`: the firmware\'s exports with this project\'s app.',
    'export * from "atmqtt/assembly/firmware";',
    'import { setup } from "../assembly/app";',
    'import { useApp } from "atmqtt/assembly/app/hooks";',
    'useApp(setup);',
    '',
  ].join('\n');
}

/** asc's command line script and binaryen's wasm-opt, from this package's dependencies. */
function tools(): { asc: string; wasmOpt: string } {
  const req = createRequire(path.join(PKG_ROOT, 'package.json'));
  const asDir = path.dirname(req.resolve('assemblyscript/package.json'));
  const binaryen = path.dirname(createRequire(path.join(asDir, 'package.json')).resolve('binaryen/package.json'));
  return { asc: path.join(asDir, 'bin', 'asc.js'), wasmOpt: path.join(binaryen, 'bin', 'wasm-opt') };
}

/** A wasm-opt command of this package's scripts, its module path swapped for ours. */
function scriptArgs(name: string, from: string, to: string): string[] {
  const scripts = (JSON.parse(readFileSync(path.join(PKG_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const words = (scripts[name] ?? '').split(/\s+/);
  if (words[0] !== 'wasm-opt') throw new BuildError(`package.json "${name}" is not a wasm-opt command`);
  return words.slice(1).map((w) => (w === from ? to : w));
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (r.error) throw new BuildError(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new BuildError(`${path.basename(cmd)} ${args.slice(0, 2).join(' ')}… failed (exit ${r.status ?? r.signal})`);
}

/** Bytes of linear memory the module's data segments reach: RAM fixed at build time. */
export function staticDataEnd(wasm: Buffer): number {
  let end = 0;
  let p = 8;
  const leb = (): number => {
    let v = 0, shift = 0, b: number;
    do { b = wasm[p++]!; v |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    return v >>> 0;
  };
  while (p < wasm.length) {
    const id = wasm[p++]!;
    const size = leb();
    const next = p + size;
    if (id === 11) {
      for (let n = leb(); n > 0; n--) {
        const kind = leb();
        if (kind !== 0) throw new Error(`data segment kind ${kind}: only active segments of memory 0 expected`);
        if (wasm[p++] !== 0x41) throw new Error('data segment offset is not i32.const');
        const off = leb();
        p++; // end
        const len = leb();
        end = Math.max(end, off + len);
        p += len;
      }
    }
    p = next;
  }
  return end;
}

/**
 * The allocation check (scripts/check-alloc.mjs): nothing that runs after
 * setup may reach the allocator. The shipped module has no names, so where
 * an allocator is in it the check cannot tell the app's setup (which may
 * allocate) from a handler: then the same sources are compiled once more
 * with --debug (names, same code) and that is checked exactly.
 */
function checkAlloc(root: string, wasm: string, target: string, logMap: string | undefined, t: { asc: string }): void {
  const script = path.join(PKG_ROOT, 'scripts', 'check-alloc.mjs');
  const quick = spawnSync(process.execPath, [script, wasm], { cwd: root, encoding: 'utf8' });
  if (quick.status === 0) return;
  const named = wasm.replace(/\.wasm$/, '-named.wasm');
  run(process.execPath, [t.asc, 'build/entry.ts', '--config', path.join(PKG_ROOT, 'asconfig.json'), '--target', target, '--debug',
    '--outFile', named, '--textFile', named.replace(/\.wasm$/, '.wat'), '--transform', path.join(PKG_ROOT, 'scripts', 'ascii-transform.mjs')], root,
    logMap ? { ASCII_LOG_MAP: `${logMap}.named` } : {});
  const exact = spawnSync(process.execPath, [script, named], { cwd: root, encoding: 'utf8' });
  if (exact.status !== 0) throw new BuildError(`${wasm}: allocates after setup (the firmware never frees: a slow leak that ends in a trap)\n${exact.stdout}${exact.stderr}`);
}

/** One profile's module: compile, shrink, its RAM-guarded twin, the allocation check. Returns its size line. */
function buildProfile(root: string, profile: ProfileName, t: { asc: string; wasmOpt: string }): string {
  const f = appFiles(root, profile);
  const target = profile === 'small' ? 'small' : 'release';
  const rel = (p: string): string => path.relative(root, p);
  run(process.execPath, [t.asc, 'build/entry.ts', '--config', path.join(PKG_ROOT, 'asconfig.json'), '--target', target,
    '--outFile', rel(f.wasm), '--textFile', rel(f.wat), '--transform', path.join(PKG_ROOT, 'scripts', 'ascii-transform.mjs')], root,
    f.logMap ? { ASCII_LOG_MAP: f.logMap } : {});
  const [shrink, guard, own] = profile === 'small'
    ? ['shrink:small', 'build:guard:small', ['build/atmqtt-small.wasm', 'build/atmqtt-small-guarded.wasm']]
    : ['shrink', 'build:guard', ['build/atmqtt.wasm', 'build/atmqtt-guarded.wasm']];
  run(process.execPath, [t.wasmOpt, ...scriptArgs(shrink, own[0]!, rel(f.wasm))], root);
  run(process.execPath, [t.wasmOpt, ...scriptArgs(guard, own[0]!, rel(f.wasm)).map((w) => (w === own[1] ? rel(f.guarded) : w))], root);
  checkAlloc(root, rel(f.wasm), target, f.logMap, t);
  const wasm = readFileSync(f.wasm);
  const budget = PROFILES[profile].budget;
  return `${rel(f.wasm)}: ${wasm.length} B, static data ${staticDataEnd(wasm)} of ${budget} B of RAM (${profile} profile)`;
}

/** The board's image from the project's module, by the board's build script. */
function buildBoard(root: string, name: string): string {
  const b = BUILD_BOARDS[name]!;
  const wasm = appFiles(root, b.profile).wasm;
  const out = path.join(root, 'build', name);
  mkdirSync(out, { recursive: true });
  if (name === 'esp32') {
    // what board/esp32/gen_image.py does for PlatformIO: the image and its C array
    run('python3', [path.join(PKG_ROOT, 'board/posix/mkimage.py'), wasm, path.join(out, 'atmqtt.img'), '--c-array', path.join(out, 'atmqtt_image.c')], root);
  } else {
    run('bash', [path.join(PKG_ROOT, 'board', b.dir, 'build.sh')], root, { WASM: wasm, OUT: out, PROFILE: b.profile });
  }
  return `${name}: ${b.what.replace(`build/${name}/`, `${path.relative(root, out)}/`)}`;
}

/** `atmqtt build ...`; returns the exit code. */
export function buildMain(argv: string[], out: (line: string) => void = (l) => process.stderr.write(l + '\n')): number {
  let profile: ProfileName | undefined;
  let board: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    if (k === '-h' || k === '--help') { process.stdout.write(BUILD_USAGE + '\n'); return 0; }
    if ((k === '--profile' || k === '--board') && v === undefined) { out(`atmqtt build: ${k} needs a value\n${BUILD_USAGE}`); return 2; }
    if (k === '--profile') {
      if (!isProfileName(v!)) { out(`atmqtt build: --profile ${v}: want default or small`); return 2; }
      profile = v; i++;
    } else if (k === '--board') {
      if (!Object.hasOwn(BUILD_BOARDS, v!)) { out(`atmqtt build: --board ${v}: want one of ${Object.keys(BUILD_BOARDS).join(', ')}`); return 2; }
      board = v; i++;
    } else { out(`atmqtt build: unknown flag ${k}\n${BUILD_USAGE}`); return 2; }
  }
  if (board !== undefined && profile !== undefined && profile !== BUILD_BOARDS[board]!.profile) {
    out(`atmqtt build: --board ${board} carries the ${BUILD_BOARDS[board]!.profile} profile, not ${profile}`);
    return 2;
  }
  const root = userProject();
  if (root === null) {
    out(`atmqtt build: no ${APP_SOURCE} in ${process.cwd()}: run it in a project (atmqtt init DIR writes one)`);
    return 2;
  }
  const profiles: ProfileName[] = board !== undefined ? [BUILD_BOARDS[board]!.profile] : profile !== undefined ? [profile] : ['default', 'small'];
  try {
    const t = tools();
    mkdirSync(path.join(root, 'build'), { recursive: true });
    writeFileSync(path.join(root, 'build', 'entry.ts'), entrySource());
    for (const p of profiles) out(buildProfile(root, p, t));
    if (board !== undefined) out(buildBoard(root, board));
  } catch (e) {
    if (e instanceof BuildError) { out(`atmqtt build: ${e.message}`); return 1; }
    throw e;
  }
  return 0;
}

/** mtime of a file, 0 when missing. */
export function mtime(file: string): number {
  try { return statSync(file).mtimeMs; } catch { return 0; }
}
