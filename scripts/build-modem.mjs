// npm run build:modem -- FAMILY[,FAMILY] [--no-ws]: the default module with
// only these modem drivers compiled in (as TinyGSM's #define
// TINY_GSM_MODEM_SIM800), written to build/atmqtt-<family>[+<family>].wasm
// and shrunk by the same wasm-opt command as the default (package.json
// "shrink"). --no-ws leaves the WebSocket client out too (-nows in the file
// name). The selection reaches the firmware through ATMQTT_MODEMS and
// ATMQTT_WS (scripts/ascii-transform.mjs).
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MODEM_FAMILIES, parseModems } from './ascii-transform.mjs';

const args = process.argv.slice(2);
const noWs = args.includes('--no-ws');
const arg = args.filter((a) => a !== '--no-ws').join(',');
let names;
try {
  names = parseModems(arg);
} catch (e) {
  process.stderr.write(`${e.message.replace('ATMQTT_MODEMS', 'build:modem')}\nusage: npm run build:modem -- FAMILY[,FAMILY] [--no-ws]  (${Object.keys(MODEM_FAMILIES).join(', ')})\n`);
  process.exit(2);
}
// one file name per set, in the families' own order
const ordered = Object.keys(MODEM_FAMILIES).filter((n) => names.includes(n));
const base = `build/atmqtt-${ordered.join('+')}${noWs ? '-nows' : ''}`;
const out = `${base}.wasm`;
// asc and wasm-opt from node_modules/.bin, as under npm run
const PATH = `${join(process.cwd(), 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`;
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, PATH, ...env } });

run('asc', [ 'assembly/index.ts', '--target', 'release', '--transform', './scripts/ascii-transform.mjs', '--outFile', out, '--textFile', `${base}.wat`],
  { ATMQTT_MODEMS: ordered.join(','), ATMQTT_WS: noWs ? '0' : '1' });
const shrink = JSON.parse(readFileSync('package.json', 'utf8')).scripts.shrink.split(/\s+/);
if (shrink[0] !== 'wasm-opt') throw new Error('package.json "shrink" is no longer a wasm-opt command');
run('wasm-opt', shrink.slice(1).map((a) => (a === 'build/atmqtt.wasm' ? out : a)));
process.stdout.write(`${out}: ${statSync(out).size} B (${ordered.join(', ')}${noWs ? '; no WebSocket' : ''})\n`);
