// The build profile the tests run against (ATMQTT_PROFILE, default
// "default") and the sizes of assembly/config.ts for it, so a test that
// depends on a size (outbox records, inbound QoS 2 ids...) takes it from
// the profile instead of assuming the default build.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROFILES, isProfileName, type Profile } from '../../sim/profile.ts';

const name = process.env.ATMQTT_PROFILE ?? 'default';
if (!isProfileName(name)) throw new Error(`ATMQTT_PROFILE=${name}: want default or small`);
export const PROFILE: Profile = PROFILES[name];

const source = readFileSync(fileURLToPath(new URL('../../assembly/config.ts', import.meta.url)), 'utf8');

/** A size constant of assembly/config.ts in the profile: `N` or `SMALL ? small : default`. */
export function configSize(constName: string, profile: Profile = PROFILE): number {
  const m = new RegExp(`export const ${constName}: i32 = (?:SMALL \\? (\\d+) : (\\d+)|(\\d+));`).exec(source);
  if (!m) throw new Error(`assembly/config.ts: no constant ${constName}`);
  return Number(m[3] ?? (profile.name === 'small' ? m[1] : m[2]));
}
