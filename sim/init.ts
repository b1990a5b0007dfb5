// `atmqtt init DIR [--from PATH]`: a new project in DIR from template/ (a
// thermostat app, its as-pect spec and its test in the simulator), with a
// package.json that depends on this package: by its version, or on a local
// checkout or packed tarball with --from (our own tests install that way).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PKG_ROOT } from './project.ts';

export const INIT_USAGE = `usage: atmqtt init DIR [--from PATH]
  Writes a new project into DIR (new or empty): assembly/app.ts (a thermostat), its tests,
  package.json, README.md. Then: cd DIR && npm install && npm test.
  --from PATH  depend on this checkout (a folder, or a tarball from npm pack) instead of
               the published version`;

const TEMPLATE = path.join(PKG_ROOT, 'template');

interface Pkg { name: string; version: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> }

/** The project's package.json: scripts, and this package as its dependency. */
export function projectPackage(name: string, dep: string): object {
  const own = JSON.parse(readFileSync(path.join(PKG_ROOT, 'package.json'), 'utf8')) as Pkg;
  const dev = own.devDependencies ?? {};
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    description: 'An atmqtt device app: a thermostat',
    scripts: {
      build: 'atmqtt build',
      sim: 'atmqtt sim --modem sim800',
      'test:unit': 'asp --config as-pect.config.js',
      'test:sim': 'node --test --test-concurrency=1 tests/app.test.mjs',
      test: 'atmqtt build && npm run test:unit && npm run test:sim',
    },
    dependencies: { atmqtt: dep },
    devDependencies: {
      '@as-pect/cli': dev['@as-pect/cli'] ?? '8.1.0',
      mqtt: own.dependencies?.mqtt ?? '^5.16.0',
    },
  };
}

/** npm's rules for a package name, from a folder name. */
function packageName(dir: string): string {
  const n = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return n === '' ? 'atmqtt-app' : n;
}

/** `atmqtt init ...`; returns the exit code. */
export function initMain(argv: string[], out: (line: string) => void = (l) => process.stderr.write(l + '\n')): number {
  let dir: string | undefined;
  let from: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '-h' || k === '--help') { process.stdout.write(INIT_USAGE + '\n'); return 0; }
    if (k === '--from') {
      from = argv[++i];
      if (from === undefined) { out(`atmqtt init: --from needs a path\n${INIT_USAGE}`); return 2; }
    } else if (k.startsWith('-')) { out(`atmqtt init: unknown flag ${k}\n${INIT_USAGE}`); return 2; }
    else if (dir === undefined) dir = k;
    else { out(`atmqtt init: one DIR only\n${INIT_USAGE}`); return 2; }
  }
  if (dir === undefined) { out(`atmqtt init: DIR is missing\n${INIT_USAGE}`); return 2; }
  const root = path.resolve(dir);
  if (existsSync(root) && readdirSync(root).length > 0) { out(`atmqtt init: ${root} is not empty: give a new or empty folder`); return 2; }
  let dep: string;
  if (from !== undefined) {
    const abs = path.resolve(from);
    if (!existsSync(abs)) { out(`atmqtt init: --from ${from}: no such file or folder`); return 2; }
    dep = `file:${abs}`;
  } else {
    dep = `^${(JSON.parse(readFileSync(path.join(PKG_ROOT, 'package.json'), 'utf8')) as Pkg).version}`;
  }
  mkdirSync(root, { recursive: true });
  cpSync(TEMPLATE, root, { recursive: true });
  // npm leaves a package's .gitignore out of it: the template keeps it as gitignore
  renameSync(path.join(root, 'gitignore'), path.join(root, '.gitignore'));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify(projectPackage(packageName(root), dep), null, 2) + '\n');
  out(`atmqtt init: wrote ${root} (atmqtt ${dep})\nnext: cd ${path.relative(process.cwd(), root) || '.'} && npm install && npm test`);
  return 0;
}
