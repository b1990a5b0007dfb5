// Section 5, on the chip: the board images under emulators of their CPUs.
// ATmega1284P (wasm2c AOT) in simavr and lx106 (wasm2c AOT) in QEMU: their
// image tests measure cycles / instructions per QoS 1 publish, per idle
// loop() step and per modem UART byte and print them as diagnostics; this
// section runs those tests and reads the figures (one measurement, not two
// copies of it). rv32 (wasm3 interpreter) in QEMU with -icount shift=0:
// measured here, with the test rig's modem and console (tests/boards/rv32-rig.ts),
// from the instret counts in the console's `S` lines.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { BenchOptions } from './options.ts';
import { ROOT } from './options.ts';
import type { Section, Table } from './report.ts';
import { startBroker } from '../sim/broker.ts';

/** Runs one board test file; returns its diagnostic lines (and whether it passed). */
function boardTest(file: string): Promise<{ ok: boolean; lines: string[] }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=1', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', () => {});
    p.on('exit', (code) => {
      const lines = out.split('\n').map((l) => /^\s+# (.*)$/.exec(l)?.[1]).filter((l): l is string => l !== undefined && !l.startsWith('Subtest:'));
      resolve({ ok: code === 0, lines });
    });
  });
}

const num = (re: RegExp, lines: string[]): number | null => {
  for (const l of lines) { const m = re.exec(l); if (m) return Number(m[1]); }
  return null;
};

interface ChipRow { board: string; perPub: number | null; unit: string; idleStep: number | null; perByte: number | null; satShare: number | null; source: string }

async function rv32(): Promise<{ row: ChipRow; lines: string[] }> {
  const { RawModem, Rv32Board, ELF } = await import('../tests/boards/rv32-rig.ts');
  if (!existsSync(ELF)) execFileSync('bash', ['board/rv32/build.sh'], { cwd: ROOT, stdio: 'ignore' });
  const prev = process.env.RV32_ICOUNT;
  process.env.RV32_ICOUNT = '1'; // read by board/rv32/emulator.ts when QEMU is spawned
  const broker = await startBroker(0, 0);
  const modem = new RawModem('sim800');
  await modem.listen();
  const board = new Rv32Board(ELF, modem);
  if (prev === undefined) delete process.env.RV32_ICOUNT; else process.env.RV32_ICOUNT = prev;
  const hexOf = (s: string): string => Buffer.from(s).toString('hex');
  const uart = (): number => { const s = modem.modem.stats(); return s.bytesToDevice + s.bytesFromDevice; };
  try {
    await board.waitFor(/^R rv32-qemu wasm3$/, 20_000);
    board.send(`cfg 0 ${broker.url}`);
    board.send('cfg 10 sim800');
    board.send('cfg 14 internet'); // the APN: a GPRS modem without one is a configuration error
    board.send('start');
    await board.waitFor(/^E 1 0 0 -$/, 90_000);
    await new Promise((r) => setTimeout(r, 1500)); // past the first steps' lazy compilation
    const s0 = await board.stats();
    await new Promise((r) => setTimeout(r, 4000));
    const s1 = await board.stats();
    const idleStep = (s1.step_insn! - s0.step_insn!) / Math.max(1, s1.steps! - s0.steps!);
    const idlePerMs = (s1.busy_insn! - s0.busy_insn!) / Math.max(1, s1.ms! - s0.ms!);
    const n = 10;
    const p0 = await board.stats();
    let from = board.lines.length;
    for (let k = 0; k < n; k++) {
      board.send(`pub rv32/cost 1 0 payload-${k}`);
      const got = await board.waitFor(new RegExp(`^E 5 \\d+ 1 ${hexOf('rv32/cost')}$`), 30_000, from);
      from = got.index + 1;
    }
    const p1 = await board.stats();
    const perPub = ((p1.busy_insn! - p0.busy_insn!) - idlePerMs * (p1.ms! - p0.ms!)) / n;
    const b0 = await board.stats();
    const u0 = uart();
    from = board.lines.length;
    for (let k = 0; k < 10; k++) board.send(`pub rv32/burst 1 0 ${'x'.repeat(200)}`);
    for (let k = 0; k < 10; k++) {
      const got = await board.waitFor(new RegExp(`^E 5 \\d+ 1 ${hexOf('rv32/burst')}$`), 30_000, from);
      from = got.index + 1;
    }
    const b1 = await board.stats();
    const bytes = uart() - u0;
    const perByte = (b1.busy_insn! - b0.busy_insn!) / bytes;
    const lines = [
      `idle: ${s1.steps! - s0.steps!} loop() steps in ${s1.ms! - s0.ms!} ms, ${idleStep.toFixed(0)} instructions a step (inside atmqtt_step)`,
      `QoS 1 publish (PUBACK seen): ${perPub.toFixed(0)} instructions each above idle, console command included`,
      `10 x 200-byte QoS 1: ${bytes} modem UART bytes, ${perByte.toFixed(0)} instructions a byte -> ${(perByte * 11520 / 1e6).toFixed(2)} M instructions/s at a saturated 115200 baud, ${(100 * perByte * 11520 / 160e6).toFixed(1)} % of a 160 MHz ESP32-C3 at one instruction a cycle`,
    ];
    return { row: { board: 'rv32imc (wasm3 interpreter), QEMU -icount', perPub, unit: 'instructions', idleStep, perByte, satShare: perByte * 11520 / 160e6, source: 'measured here (console S lines, instret)' }, lines };
  } finally {
    await board.close();
    await modem.close();
    await broker.close();
  }
}

export async function chip(o: BenchOptions): Promise<Section> {
  const rows: Table['rows'] = [];
  const detail: Table['rows'] = [];
  const add = (r: ChipRow): void => {
    rows.push([r.board, r.perPub === null ? null : Math.round(r.perPub), r.idleStep === null ? null : Math.round(r.idleStep), r.unit,
      r.perByte === null ? null : Math.round(r.perByte), r.satShare === null ? null : `${(100 * r.satShare).toFixed(1)} %`, r.source]);
  };
  const avr = await boardTest('tests/boards/avr-image.test.ts');
  add({
    board: 'ATmega1284P @ 16 MHz (wasm2c), simavr',
    perPub: num(/(\d+) awake cycles each above idle/, avr.lines), unit: 'cycles (awake, above idle)',
    idleStep: num(/(\d+) cycles a step inside atmqtt_step/, avr.lines),
    perByte: num(/(\d+) cycles a UART byte/, avr.lines),
    satShare: ((x) => (x === null ? null : x / 100))(num(/([\d.]+) % of the CPU at a saturated/, avr.lines)),
    source: `tests/boards/avr-image.test.ts${avr.ok ? '' : ' (FAILED: figures may be missing)'}`,
  });
  for (const l of avr.lines) detail.push(['avr', l]);
  if (!o.quick) {
    const lx = await boardTest('tests/boards/lx106-image.test.ts');
    add({
      board: 'lx106 (ESP8266 core, wasm2c), QEMU -icount',
      perPub: num(/(\d+) instructions each above idle/, lx.lines), unit: 'instructions',
      idleStep: num(/(\d+) instructions a step/, lx.lines),
      perByte: num(/(\d+) instructions a byte/, lx.lines),
      satShare: ((x) => (x === null ? null : x / 100))(num(/([\d.]+) % of an 80 MHz lx106/, lx.lines)),
      source: `tests/boards/lx106-image.test.ts${lx.ok ? '' : ' (FAILED: figures may be missing)'}`,
    });
    for (const l of lx.lines) detail.push(['lx106', l]);
    try {
      const r = await rv32();
      add(r.row);
      for (const l of r.lines) detail.push(['rv32', l]);
    } catch (e) {
      rows.push(['rv32imc (wasm3), QEMU', null, null, 'instructions', null, null, `not measured: ${(e as Error).message.split('\n')[0]}`]);
    }
  }
  return {
    name: 'chip',
    tables: [
      {
        title: '5. On the chip: CPU per QoS 1 publish, per idle loop() step, and at a saturated 115200-baud UART',
        columns: ['board', 'per QoS 1 publish', 'per idle loop() step (inside atmqtt_step)', 'unit', 'per modem UART byte (10 × 200 B QoS 1)', 'CPU share at 11,520 B/s', 'source'],
        rows,
        notes: [
          'simavr counts AVR cycles; QEMU with -icount shift=0 counts instructions (lx106: CCOUNT, rv32: instret). A publish is from the console\'s pub command to the PUBACK event, minus the idle rate over the same time, so it includes the console line. CPU share at saturation: cycles (or instructions, taken as one a cycle) per UART byte × 11,520 B/s ÷ the clock (AVR 16 MHz, lx106 80 MHz, ESP32-C3 160 MHz).',
          ...(o.quick ? ['--quick: lx106 and rv32 left out (QEMU runs, ~40 s); the full run has them.'] : []),
        ],
      },
      { title: '5b. What the board runs printed', columns: ['board', 'line'], rows: detail, notes: ['Flash and static RAM per board are in these lines.'] },
    ],
  };
}
