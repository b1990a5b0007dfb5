// Where the ATmega1284P image's cycles go: `npm run bench:avr-profile`
// (node --import tsx bench/avr-profile.ts [--top N] [--json FILE]).
// Builds the AVR image as board/avr/build.sh does, plus -g (debug info
// only: gcc emits the same code), runs it in the simavr harness with
// --profile (board/avr/simavr/profile.c: cycles per PC, inclusive cycles
// per called address), through the emulated SIM800 to a real Mosquitto,
// and prints top-N tables for four phases: idle loop() steps, QoS 1
// publishes, a stream of bytes received from the modem UART (messages
// from the broker), and back-to-back 200-byte QoS 1 publishes (the
// per-UART-byte figure of bench/chip.ts). Each PC is mapped with
// avr-addr2line -i to its innermost function (e.g. the prelude's i32_load,
// inlined) and to the wasm function it belongs to (the generated
// w2c_fN, named from a build of the same module that keeps its name
// section). Not part of npm test: it only prints figures.
// AVR_PROFILE_WASM=FILE profiles an image built from FILE instead, named
// from FILE's own name section (e.g. the module with binaryen's inlining
// turned down, to see inside the one big loop() that -Oz makes).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { Mosquitto } from '../tests/helpers/mosquitto.ts';
import { AvrRun, ROOT, hex } from '../tests/boards/avr-simavr.ts';
import { markdown, type Table } from './report.ts';

const argv = process.argv.slice(2);
const TOP = Number(argv[argv.indexOf('--top') + 1] ?? 0) || 15;
const jsonFile = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;
const OUT = process.env.AVR_OUT ?? 'build/avr-profile';
const DIR = path.join(ROOT, OUT);
const ELF = path.join(DIR, 'atmqtt-avr.elf');
const PROFILE = path.join(DIR, 'profile.txt');

function sh(cmd: string, args: string[], env: Record<string, string> = {}, input?: string): string {
  return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, input, maxBuffer: 256 << 20 });
}

/** wasm function index -> name, from a -g build of the small module (same code, names kept). */
function wasmNames(): Map<number, string> {
  const own = process.env.AVR_PROFILE_WASM;
  if (own) {
    const m = new Map<number, string>();
    for (const x of sh('wasm-objdump', ['-x', own]).matchAll(/ - func\[(\d+)\] size=\d+ <([^>]+)>/g)) m.set(Number(x[1]), x[2]!);
    return m;
  }
  const pre = path.join(DIR, 'named-pre.wasm'), named = path.join(DIR, 'named.wasm');
  sh('npx', ['asc', 'assembly/index.ts', '--target', 'small', '--debug', '--transform', './scripts/ascii-transform.mjs',
    '--outFile', pre, '--textFile', path.join(DIR, 'named.wat')], { ASCII_LOG_MAP: path.join(DIR, 'named.logs.txt') });
  sh('node_modules/.bin/wasm-opt', [pre, '-Oz', '--converge', '--zero-filled-memory', '--low-memory-unused', '--disable-bulk-memory',
    '--disable-reference-types', '-g', '-o', named]);
  const sizes = (f: string): string[] => [...sh('wasm-objdump', ['-x', f]).matchAll(/ - func\[(\d+)\] size=(\d+)/g)].map((m) => `${m[1]}:${m[2]}`);
  const a = sizes(named), b = sizes(path.join(ROOT, 'build/atmqtt-small.wasm'));
  const same = a.length === b.length && a.every((x, i) => x === b[i]);
  const names = new Map<number, string>();
  for (const m of sh('wasm-objdump', ['-x', named]).matchAll(/ - func\[(\d+)\] size=\d+ <([^>]+)>/g)) names.set(Number(m[1]), m[2]!);
  if (!same) console.log('(the named build\'s functions differ from build/atmqtt-small.wasm: wasm names left out)\n');
  return same ? names : new Map();
}

interface Profile { busy: number; sleep: number; self: Map<number, number>; incl: Map<number, [number, number, number]> }

function readProfile(): Profile {
  const p: Profile = { busy: 0, sleep: 0, self: new Map(), incl: new Map() };
  for (const l of readFileSync(PROFILE, 'utf8').split('\n')) {
    const f = l.split(' ');
    if (f[0] === 'busy') p.busy = Number(f[1]);
    else if (f[0] === 'sleep') p.sleep = Number(f[1]);
    else if (f[0] === 'self') p.self.set(Number(f[1]) * 2, Number(f[2]));
    else if (f[0] === 'incl') p.incl.set(Number(f[1]), [Number(f[2]), Number(f[3]), Number(f[4] ?? 0)]);
  }
  return p;
}

/** byte address -> inline chain, innermost first (avr-addr2line -f -i) */
const chains = new Map<number, string[]>();

function resolve(addrs: number[]): void {
  const todo = addrs.filter((a) => !chains.has(a));
  if (!todo.length) return;
  const out = sh('avr-addr2line', ['-f', '-i', '-e', ELF, '-a'], {}, todo.map((a) => '0x' + a.toString(16)).join('\n') + '\n').split('\n');
  let cur: string[] | null = null;
  for (const l of out) {
    if (/^0x[0-9a-f]+$/.test(l)) { cur = []; chains.set(parseInt(l, 16), cur); continue; }
    if (cur && l && !l.includes(':')) cur.push(l); // a function name; the next line is its file:line
  }
}

let symbols: { addr: number; name: string }[] = [];
function symbolAt(a: number): string {
  if (a < 0x8c) return `interrupt vector ${a / 4}`;
  let lo = 0, hi = symbols.length - 1, best = -1;
  while (lo <= hi) { const m = (lo + hi) >> 1; if (symbols[m]!.addr <= a) { best = m; lo = m + 1; } else hi = m - 1; }
  if (best < 0) return '?';
  const s = symbols[best]!;
  return s.addr === a ? s.name : `${s.name}+0x${(a - s.addr).toString(16)}`;
}

let names = new Map<number, string>();
const wasmName = (c: string): string => {
  const m = /^w2c_f(\d+)/.exec(c);
  if (m) return `${c.replace(/\..*$/, '')} ${names.get(Number(m[1])) ?? ''}`.trim();
  return c;
};

/** the wasm function a chain belongs to: its innermost w2c_fN or export wrapper; else the outer C function */
function owner(chain: string[]): string {
  for (const c of chain) if (/^(w2c_|Z_atmqtt)/.test(c) && !c.startsWith('w2c_linear')) return wasmName(c);
  return `${chain[chain.length - 1] ?? '?'} (C)`;
}

interface Phase { name: string; unit: string; units: number; prof: Profile }

function tables(ph: Phase): Table[] {
  const p = ph.prof;
  resolve([...p.self.keys()]);
  const byInner = new Map<string, number>(), byOwner = new Map<string, number>();
  for (const [a, c] of p.self) {
    const ch = chains.get(a) ?? ['?'];
    const inner = ch[0] === '??' ? symbolAt(a).replace(/\+0x.*/, '') : ch[0]!;
    byInner.set(inner, (byInner.get(inner) ?? 0) + c);
    const o = ch[0] === '??' ? `${inner} (asm)` : owner(ch);
    byOwner.set(o, (byOwner.get(o) ?? 0) + c);
  }
  const per = (c: number): number => Math.round(c / ph.units);
  const share = (c: number): string => `${(100 * c / p.busy).toFixed(1)} %`;
  const top = (m: Map<string, number>): [string, number][] => [...m].sort((x, y) => y[1] - x[1]).slice(0, TOP);
  const head = `${ph.name}: ${p.busy.toLocaleString('en-US')} awake cycles, ${ph.units} ${ph.unit}s, ${per(p.busy).toLocaleString('en-US')} cycles a ${ph.unit}`;
  const incl = [...p.incl].filter(([, [c]]) => c > 0).sort((x, y) => y[1][0] - x[1][0]).slice(0, TOP);
  return [
    {
      title: `${head}: self cycles by wasm function (or C function)`,
      columns: ['function', 'self cycles', 'share', `per ${ph.unit}`],
      rows: top(byOwner).map(([n, c]) => [n, c, share(c), per(c)]),
      notes: ['Self: cycles at PCs whose inline chain (avr-addr2line -i) runs through that wasm function (w2c_fN: generated by wasm2c, named from the module\'s name section) or, outside the module, the outermost C function.'],
    },
    {
      title: `${ph.name}: self cycles by innermost (inlined) function`,
      columns: ['function', 'self cycles', 'share', `per ${ph.unit}`],
      rows: top(byInner).map(([n, c]) => [wasmName(n), c, share(c), per(c)]),
      notes: ['Innermost: the prelude\'s i32_load / i32_store etc. (bounds check + access, inlined into every wasm function) show up here by name.'],
    },
    {
      title: `${ph.name}: inclusive cycles by called address`,
      columns: ['called', 'inclusive cycles', 'share', `per ${ph.unit}`, 'calls', 'fewest in one call'],
      rows: incl.map(([a, [c, n, lo]]) => [wasmName(symbolAt(a)), c, share(c), per(c), n, lo]),
      notes: ['Inclusive: from a CALL/RCALL/ICALL (or an interrupt\'s entry) to the return, callees and any interrupt that came in between included; only real calls (functions gcc inlined are in their caller).'],
    },
  ];
}

/**
 * What a saturated line would cost, from the burst: each main-loop turn
 * costs at least F0 (the fewest cycles atmqtt_step, console_poll and
 * hal_sleep took in one call), whatever it reads; the rest is work that
 * grows with the bytes (lines, commands, packets: the same per byte at any
 * rate for the same messages). At a saturated line the turns get longer
 * and carry more bytes each, so the line fits when that marginal cost m
 * stays under 16 MHz / 11,520 B/s = 1,389 cycles a byte. Smaller F0 makes
 * m larger: the estimate errs on the side of not fitting.
 */
function saturation(ph: Phase): Table {
  const at = (name: string): [number, number, number] => {
    const s = symbols.find((x) => x.name === name);
    return (s && ph.prof.incl.get(s.addr)) || [0, 0, 0];
  };
  const [, steps, stepMin] = at('atmqtt_step');
  const pollMin = at('console_poll')[2], sleepMin = at('hal_sleep')[2];
  const f0 = stepMin + pollMin + sleepMin;
  const m = (ph.prof.busy - steps * f0) / ph.units;
  const budget = 16e6 / 11520;
  return {
    title: `${ph.name}: marginal cost a UART byte, and a saturated 115200-baud line`,
    columns: ['awake cycles', 'UART bytes', 'loop() steps', 'bytes a step', 'F0: fewest cycles a turn (step + console_poll + hal_sleep)', 'cycles a byte (all)', 'm: cycles a byte above F0 a turn', 'share of 16 MHz at 11,520 B/s (m)', 'fits'],
    rows: [[ph.prof.busy, ph.units, steps, Number((ph.units / steps).toFixed(1)), `${f0} (${stepMin} + ${pollMin} + ${sleepMin})`,
      Math.round(ph.prof.busy / ph.units), Math.round(m), `${(100 * m / budget).toFixed(1)} %`, m < budget ? 'yes (estimate)' : 'no']],
    notes: ['An estimate, not a saturated run: the burst keeps the line ~1/3 busy (the small profile holds 2 outbox records, each publish waits for the CIPSEND round trips). Each main-loop turn costs at least F0 whatever it reads; a saturated line makes the turns longer and fuller (T = F0 / (1 - m / 1,389) cycles), so it fits while m < 1,389 cycles a byte.'],
  };
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  if (!existsSync(path.join(ROOT, 'build/atmqtt-small.wasm'))) sh('npm', ['run', '-s', 'build:small']);
  sh('bash', ['board/avr/build.sh'], { OUT, ...(process.env.AVR_PROFILE_WASM ? { WASM: process.env.AVR_PROFILE_WASM } : {}), CFLAGS_EXTRA: `${process.env.AVR_CFLAGS ?? ''} -gdwarf-2` });
  names = wasmNames();
  symbols = sh('avr-nm', ['-n', '--defined-only', ELF]).split('\n').map((l) => /^([0-9a-f]+) [tTwW] (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null).map((m) => ({ addr: parseInt(m[1]!, 16), name: m[2]! }));
  const broker = await Mosquitto.start();
  const run = await AvrRun.start(ELF, 'sim800', path.join(DIR, 'atmqtt-simavr'), ['--profile', PROFILE]);
  const peer = await mqtt.connectAsync(broker.url, { clientId: 'avr-profile-peer' });
  const phases: Phase[] = [];
  const mark = (): number => run.stderr.length;
  const dump = async (): Promise<Profile> => {
    const from = mark();
    run.sim.kill('SIGUSR2');
    for (let i = 0; i < 200; i++) {
      if (run.stderr.slice(from).some((l) => l.startsWith('profile written'))) return readProfile();
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no profile from the harness');
  };
  try {
    await run.waitLine(/^R atmega1284p wasm2c$/, 15_000);
    run.send(`cfg 0 ${broker.url}`);
    run.send('cfg 10 sim800');
    run.send('cfg 14 internet');
    run.send('cfg 1 avr-profile');
    run.send('start');
    const up = await run.waitLine(/^E 1 0 0 -$/, 90_000);
    run.send('sub avr/in 0');
    await run.waitLine(new RegExp(`^E 3 \\d+ 0 ${hex('avr/in')}$`), 20_000, up.index);
    await new Promise((r) => setTimeout(r, 1000));

    // (c) idle
    const s0 = await run.stats(); await dump();
    await new Promise((r) => setTimeout(r, 5000));
    const idle = await dump(); const s1 = await run.stats();
    phases.push({ name: 'idle loop() steps', unit: 'step', units: s1['steps']! - s0['steps']!, prof: idle });

    // (b) QoS 1 publishes, one after the other
    const n = 10;
    let from = run.lines.length;
    await dump();
    for (let k = 0; k < n; k++) {
      run.send(`pub avr/cost 1 0 payload-${k}`);
      const got = await run.waitLine(new RegExp(`^E 5 \\d+ 1 ${hex('avr/cost')}$`), 20_000, from);
      from = got.index + 1;
    }
    phases.push({ name: 'QoS 1 publishes', unit: 'publish', units: n, prof: await dump() });

    // (a) receiving: the broker sends 20 x 200-byte QoS 0 messages at once
    const body = 'r'.repeat(200);
    const c0 = await run.cycles(); from = run.lines.length;
    await dump();
    for (let k = 0; k < 20; k++) peer.publish('avr/in', body, { qos: 0 });
    for (let k = 0; k < 20; k++) { const got = await run.waitLine(new RegExp(`^M \\d+ ${hex('avr/in')} `), 30_000, from); from = got.index + 1; }
    const rx = await dump(); const c1 = await run.cycles();
    phases.push({ name: 'receiving 20 x 200-byte messages', unit: 'UART byte', units: (c1.rx - c0.rx) + (c1.tx - c0.tx), prof: rx });

    // (d) the chip bench's burst: 10 x 200-byte QoS 1, the next when the last is acked
    const b0 = await run.cycles(); from = run.lines.length;
    await dump();
    for (let k = 0; k < 10; k++) {
      run.send(`pub avr/burst 1 0 ${'x'.repeat(200)}`);
      const got = await run.waitLine(new RegExp(`^E 5 \\d+ 1 ${hex('avr/burst')}$`), 30_000, from);
      from = got.index + 1;
    }
    const burst = await dump(); const b1 = await run.cycles();
    phases.push({ name: '10 x 200-byte QoS 1 publishes', unit: 'UART byte', units: (b1.rx - b0.rx) + (b1.tx - b0.tx), prof: burst });
  } finally {
    await peer.endAsync().catch(() => {});
    await run.stop();
    await broker.dispose();
  }
  const sizes = readFileSync(path.join(DIR, 'sizes.txt'), 'utf8').split('\n').filter((l) => /Program|Data/.test(l)).map((l) => l.replace(/^# /, '').trim());
  console.log(`# AVR cycle profile (simavr, ATmega1284P @ 16 MHz, ${new Date().toISOString()})\n\n${sizes.join('; ')}\n`);
  const all: Table[] = [];
  for (const ph of phases) for (const t of tables(ph)) { all.push(t); console.log(markdown(t)); }
  const sat = saturation(phases[phases.length - 1]!);
  all.push(sat);
  console.log(markdown(sat));
  if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ phases: phases.map((p) => ({ name: p.name, unit: p.unit, units: p.units, busy: p.prof.busy })), tables: all }, null, 2));
}

await main();
