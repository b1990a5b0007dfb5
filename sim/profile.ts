// Build profiles (asconfig.json targets): which module a host runs and the
// RAM budget it caps the module's linear memory at, the target's
// lowMemoryLimit (static data past it is a compile error).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ProfileName = 'default' | 'small';
export const PROFILE_NAMES: readonly ProfileName[] = ['default', 'small'];

export interface Profile {
  name: ProfileName;
  /** The release module, its RAM-guarded twin (--guard), and the probe build exporting __new. */
  wasm: string;
  guarded: string;
  probe: string;
  /** Bytes of linear memory the module may touch. */
  budget: number;
  /** The small build's log ids ("#c ") and their texts (scripts/ascii-transform.mjs). */
  logMap?: string;
}

const build = (f: string): string => fileURLToPath(new URL(`../build/${f}`, import.meta.url));
const targets = (JSON.parse(readFileSync(fileURLToPath(new URL('../asconfig.json', import.meta.url)), 'utf8')) as {
  targets: Record<string, { lowMemoryLimit?: number }>;
}).targets;

export const PROFILES: Record<ProfileName, Profile> = {
  default: { name: 'default', wasm: build('atmqtt.wasm'), guarded: build('atmqtt-guarded.wasm'), probe: build('atmqtt-probe.wasm'), budget: targets.release.lowMemoryLimit ?? 65536 },
  small: { name: 'small', wasm: build('atmqtt-small.wasm'), guarded: build('atmqtt-small-guarded.wasm'), probe: build('atmqtt-small-probe.wasm'), budget: targets.small.lowMemoryLimit ?? 65536,
    logMap: build('atmqtt-small.logs.txt') },
};

export function isProfileName(s: string): s is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(s);
}

/** Turns the small build's log ids back into their texts (a line unchanged without the map). */
export function logExpander(p: Profile): (line: string) => string {
  if (!p.logMap || !existsSync(p.logMap)) return (line) => line;
  const texts = new Map<string, string>();
  for (const row of readFileSync(p.logMap, 'utf8').split('\n')) {
    const m = /^#([A-Za-z]+) (".*")$/.exec(row);
    if (m) texts.set(m[1], JSON.parse(m[2]) as string);
  }
  return (line) => line.replace(/#([A-Za-z]{1,2}) /g, (id: string, k: string) => texts.get(k) ?? id);
}
