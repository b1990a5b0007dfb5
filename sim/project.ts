// A user project: a folder with its own assembly/app.ts that depends on
// this package (`atmqtt init` writes one). `atmqtt build` writes its modules
// under its build/, and `atmqtt sim` / `atmqtt flash` run and flash those
// instead of the package's own build/atmqtt*.wasm.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profile, ProfileName } from './profile.ts';

/** This package's root (where assembly/, board/ and asconfig.json are). */
export const PKG_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The user's app, relative to the project. */
export const APP_SOURCE = 'assembly/app.ts';

/** The project in `dir` (the current directory by default), or null when
 * `dir` has no assembly/app.ts or is this package itself. */
export function userProject(dir: string = process.cwd()): string | null {
  const root = path.resolve(dir);
  if (path.resolve(PKG_ROOT) === root) return null;
  return existsSync(path.join(root, APP_SOURCE)) ? root : null;
}

/** The module file names of a project's build, per profile. */
export function appFiles(root: string, profile: ProfileName): { wasm: string; guarded: string; probe: string; logMap?: string; wat: string } {
  const base = path.join(root, 'build', profile === 'small' ? 'app-small' : 'app');
  return {
    wasm: `${base}.wasm`, guarded: `${base}-guarded.wasm`, probe: `${base}-probe.wasm`, wat: `${base}.wat`,
    ...(profile === 'small' ? { logMap: `${base}.logs.txt` } : {}),
  };
}

/** The profile a host runs for the project: its modules, the package's budget. */
export function appProfile(root: string, p: Profile): Profile {
  const f = appFiles(root, p.name);
  return { ...p, wasm: f.wasm, guarded: f.guarded, probe: f.probe, ...(f.logMap ? { logMap: f.logMap } : {}) };
}
