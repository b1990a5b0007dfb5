// The rv32-qemu board (board/rv32): the image builds with Debian's
// riscv64-unknown-elf-gcc and picolibc for rv32imc, its RAM fits what an
// ESP32-C3 leaves to an application, and in qemu-system-riscv32 it reaches
// CONNACK through the emulated SIM800 with its painted stack inside RAM.
// A test build of the module that stores past its linear memory traps; the
// trap is reported (`T`), the image restarts (`R` again) and reconnects.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBroker, type EmbeddedBroker } from '../../sim/broker.ts';
import { RawModem, Rv32Board, ROOT, ELF } from './rv32-rig.ts';

const RAM_CAP = 204800; // build.sh's default: the application's RAM on an ESP32-C3
const HEAP_CAP = 200 * 1024;

function have(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}
const skip = !have('qemu-system-riscv32') || !have('riscv64-unknown-elf-gcc')
  ? 'needs qemu-system-misc and gcc-riscv64-unknown-elf (scripts/deps.sh)' : false;

function build(env: Record<string, string> = {}): string {
  return execFileSync('bash', ['board/rv32/build.sh'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
}

/** section name -> size, from `size -A` */
function sections(elf: string): Record<string, number> {
  const out = execFileSync('riscv64-unknown-elf-size', ['-A', elf], { encoding: 'utf8' });
  const s: Record<string, number> = {};
  for (const line of out.split('\n')) {
    const m = /^(\.\S+)\s+(\d+)\s+(\d+)/.exec(line);
    if (m) s[m[1]] = Number(m[2]);
  }
  return s;
}

// a test build of the module: publish() with a 13-byte topic stores past the
// linear memory (at 64 KiB, beyond even the whole page)
const TRAP_TOPIC = 'trap/trap/tra';
function trapModule(out: string): string {
  const wat = readFileSync(path.join(ROOT, 'build/atmqtt.wat'), 'utf8').split('\n');
  const fn = /\(export "publish" \(func (\S+)\)\)/.exec(wat.join('\n'))![1];
  let i = wat.findIndex((l) => l.startsWith(` (func ${fn} `)) + 1;
  assert.ok(i > 0, 'publish() in build/atmqtt.wat');
  while (wat[i].trim().startsWith('(local ')) i++;
  wat.splice(i, 0, `  local.get $0`, `  i32.const ${TRAP_TOPIC.length}`, '  i32.eq', '  if',
    '   i32.const 65536', '   i32.const 0', '   i32.store', '  end');
  mkdirSync(path.join(ROOT, out), { recursive: true });
  writeFileSync(path.join(ROOT, out, 'trap.wat'), wat.join('\n'));
  execFileSync('wat2wasm', ['--disable-bulk-memory', '--disable-reference-types',
    path.join(out, 'trap.wat'), '-o', path.join(out, 'trap.wasm')], { cwd: ROOT });
  return path.join(out, 'trap.wasm');
}

async function boot(elf: string, broker: EmbeddedBroker): Promise<{ board: Rv32Board; modem: RawModem }> {
  const modem = new RawModem('sim800');
  await modem.listen();
  const board = new Rv32Board(elf, modem);
  await board.waitFor(/^R rv32-qemu wasm3$/, 10000);
  board.send(`cfg 0 ${broker.url}`);
  board.send('cfg 10 sim800');
  board.send('cfg 14 internet'); // the APN: a GPRS modem without one is a configuration error
  board.send('start');
  return { board, modem };
}

describe('rv32-qemu board image', { skip }, () => {
  let broker: EmbeddedBroker;
  before(async () => { broker = await startBroker(0, 0); });
  after(async () => { await broker?.close(); });

  test('builds for rv32imc; .data + .bss + heap + stack fit the RAM cap', { timeout: 300_000 }, () => {
    const log = build();
    assert.match(log, /d_m3FixedHeap=(\d+)/);
    const heap = Number(/d_m3FixedHeap=(\d+)/.exec(log)![1]);
    assert.ok(heap <= HEAP_CAP, `wasm3 heap ${heap} over ${HEAP_CAP}`);
    const s = sections(ELF);
    const ram = (s['.data'] ?? 0) + (s['.tdata'] ?? 0) + (s['.preserve'] ?? 0) + (s['.tbss_space'] ?? 0) + (s['.bss'] ?? 0) + (s['.stack'] ?? 0);
    assert.ok(s[".bss"] > heap, 'the fixed heap is in .bss');
    assert.ok(ram <= RAM_CAP, `RAM ${ram} over ${RAM_CAP}`);
    const flags = execFileSync('riscv64-unknown-elf-readelf', ['-h', '-A', ELF], { encoding: 'utf8' });
    assert.match(flags, /ELF32/);
    assert.match(flags, /RVC/); // compressed instructions: rv32imc
  });

  test('power-on to CONNACK through the SIM800 emulator; stack high-water inside RAM', { timeout: 90_000 }, async () => {
    const { board, modem } = await boot(ELF, broker);
    try {
      await board.waitFor(/^E 1 0 0 -$/, 60000);
      const st = await board.stats();
      assert.equal(st.traps, 0);
      assert.ok(st.stack_max > 0 && st.stack_max < st.stack_size, `stack ${st.stack_max} of ${st.stack_size}`);
      assert.ok(st.heap_used > 0 && st.heap_used <= st.heap_cap);
      assert.equal(board.count(/^T /), 0);
    } finally {
      await board.close();
      await modem.close();
    }
  });

  test('a write past the linear memory traps: reported (T), the image restarts and reconnects', { timeout: 300_000 }, async () => {
    const out = 'build/rv32-trap';
    build({ OUT: out, WASM: trapModule(out) });
    const { board, modem } = await boot(path.join(ROOT, out, 'atmqtt-rv32.elf'), broker);
    try {
      await board.waitFor(/^E 1 0 0 -$/, 60000);
      const from = board.lines.length;
      board.send(`pub ${TRAP_TOPIC} 1 0 boom`);
      const t = await board.waitFor(/^T /, 10000, from);
      assert.match(t.line, /^T trap in publish: .*out of bounds memory access/);
      const r = await board.waitFor(/^R rv32-qemu wasm3 running$/, 10000, t.index + 1);
      assert.ok(r.t - t.t >= 900, 'restart after the backoff');
      await board.waitFor(/^E 1 0 0 -$/, 60000, r.index + 1); // same configuration, by itself
      const after = board.lines.length;
      board.send('pub ok/after 1 0 fine');
      await board.waitFor(/^E 5 \d+ 1 /, 10000, after);
      assert.equal((await board.stats()).traps, 1);
    } finally {
      await board.close();
      await modem.close();
    }
  });

  test('board I/O through the firmware (the probe build): a pin write is a P line, set adc reads back, the modem pins refused', { timeout: 300_000 }, async () => {
    const out = 'build/rv32-probe';
    build({ OUT: out, WASM: 'build/atmqtt-probe.wasm' });
    const { board, modem } = await boot(path.join(ROOT, out, 'atmqtt-rv32.elf'), broker);
    const call = async (args: string): Promise<number> => {
      const from = board.lines.length;
      board.send(`call ${args}`);
      const name = args.split(' ')[0];
      const r = await board.waitFor(new RegExp(`^(C ${name} -?\\d+|X)`), 10000, from);
      assert.match(r.line, /^C /, r.line);
      return Number(r.line.split(' ')[2]);
    };
    try {
      await board.waitFor(/^E 1 0 0 -$/, 60000);
      assert.equal(await call('io_pin_mode 13 1'), 0);
      const from = board.lines.length;
      assert.equal(await call('io_pin_write 13 1'), 0);
      await board.waitFor(/^P 13 1$/, 5000, from);
      board.send('set adc 0 512');
      assert.equal(await call('io_adc_read 0'), 512);
      assert.equal(await call('io_pin_write 4 1'), -30, 'pin-reserved');
      assert.equal(board.count(/^P 4 /), 0);
    } finally {
      await board.close();
      await modem.close();
    }
  });
});
