// The lx106 image (the ESP8266's CPU core, compiler and libc with a
// QEMU-board HAL; the default module translated by wasm2c) under
// qemu-system-xtensa -M lx60-nommu -cpu lx106: it fits the ESP8266's
// memories (IRAM, mapped flash, 80 KiB of data RAM with the painted
// stack's high-water), nothing but console lines reach stdout, it reaches
// CONNACK through the emulated SIM800 to a real Mosquitto, a QoS 1 message
// makes the round trip, and the CPU cost is measured in instructions
// (QEMU -icount: CCOUNT counts instructions; printed as diagnostics).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { Lx106Run, ROOT, buildLx106, hex, sections } from './lx106-qemu.ts';

const ELF = path.join(ROOT, 'build/lx106/atmqtt-lx106.elf');
const SMALL_ELF = path.join(ROOT, 'build/lx106-small/atmqtt-lx106.elf');
const IRAM = 32 * 1024;
const IROM = 0xfb000; // the linker script's mapped flash for code
const DRAM = 80 * 1024;
/** -icount shift: 2^4 ns an instruction; CCOUNT runs at 40 MHz of that time */
const SHIFT = 4;
const CCOUNT_PER_INSN = (2 ** SHIFT) * 40e6 / 1e9;

describe('lx106-qemu: wasm2c image in QEMU', { timeout: 240_000 }, () => {
  let broker: Mosquitto;
  let run: Lx106Run | undefined;
  before(async () => {
    buildLx106();
    buildLx106({ PROFILE: 'small' });
    broker = await Mosquitto.start();
  });
  after(async () => {
    await run?.stop();
    await broker?.dispose();
  });

  test('both profiles fit: vectors in IRAM, code and data segments in flash, .rodata + .data + .bss leave the stack room in 80 KiB', (ctx) => {
    for (const [name, elf] of [['default', ELF], ['small', SMALL_ELF]] as const) {
      const s = sections(elf);
      const flash = (s['.text'] ?? 0) + (s['.irom0'] ?? 0) + (s['.rodata'] ?? 0) + (s['.data'] ?? 0);
      const ram = (s['.rodata'] ?? 0) + (s['.data'] ?? 0) + (s['.bss'] ?? 0);
      ctx.diagnostic(`${name}: IRAM ${s['.vectors']} bytes; flash ${flash} (.text ${s['.text']}, data segments ${s['.irom0']}, .rodata/.data load image ${(s['.rodata'] ?? 0) + (s['.data'] ?? 0)}); static RAM ${ram} (.rodata ${s['.rodata']} + .data ${s['.data']} + .bss ${s['.bss']})`);
      assert.ok((s['.vectors'] ?? 0) <= IRAM);
      assert.ok(flash <= IROM, `flash ${flash} > ${IROM}`);
      assert.ok(ram <= DRAM - 8192, `static RAM ${ram} leaves under 8 KiB of 80 KiB for the stack`);
    }
  });

  test('power-on to CONNACK through SIM800 to Mosquitto; stack inside RAM; QoS 1 round trip; instructions per step and per publish', async (ctx) => {
    run = await Lx106Run.start(ELF, SHIFT);
    await run.waitLine(/^R lx106-qemu wasm2c$/, 15_000);
    run.send(`cfg 0 ${broker.url}`);
    run.send('cfg 10 sim800');
    run.send('cfg 14 internet'); // the APN: a GPRS modem without one is a configuration error
    run.send('cfg 1 lx106-image-test');
    run.send('start');
    const up = await run.waitLine(/^E 1 0 0 -$/, 60_000);
    ctx.diagnostic(`power-on to CONNACK: ${up.line.at - run.startedAt} ms wall (QEMU start, console configuration, modem bring-up)`);

    run.send('sub lx106/echo 1');
    await run.waitLine(new RegExp(`^E 3 \\d+ 1 ${hex('lx106/echo')}$`), 20_000, up.index);
    run.send('pub lx106/echo 1 0 hello from the lx106');
    await run.waitLine(new RegExp(`^M 1 ${hex('lx106/echo')} ${hex('hello from the lx106')}$`), 20_000, up.index);

    // idle: ~5 s of loop() steps with nothing to do but the modem poll
    const s0 = await run.stats();
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const s1 = await run.stats();
    const wall = Date.now() - w0;
    const steps = s1['steps']! - s0['steps']!;
    const busyPerKc = (s1['busy_kc']! - s0['busy_kc']!) / (s1['total_kc']! - s0['total_kc']!);
    const perStep = (s1['step_kc']! - s0['step_kc']!) * 1024 / steps / CCOUNT_PER_INSN;
    ctx.diagnostic(`idle: ${steps} loop() steps, ${perStep.toFixed(0)} instructions a step (inside atmqtt_step), CPU awake ${(100 * busyPerKc).toFixed(2)} % of the time; CCOUNT time ${((s1['total_kc']! - s0['total_kc']!) * 1024 / 40e3).toFixed(0)} ms in ${wall} ms wall`);

    // 10 QoS 1 publishes, one after the other
    const n = 10;
    const p0 = await run.stats();
    let from = run.lines.length;
    for (let k = 0; k < n; k++) {
      run.send(`pub lx106/cost 1 0 payload-${k}`);
      const got = await run.waitLine(new RegExp(`^E 5 \\d+ 1 ${hex('lx106/cost')}$`), 20_000, from);
      from = got.index + 1;
    }
    const p1 = await run.stats();
    const busy = (p1['busy_kc']! - p0['busy_kc']!) - busyPerKc * (p1['total_kc']! - p0['total_kc']!);
    const perPub = busy * 1024 / n / CCOUNT_PER_INSN;
    ctx.diagnostic(`QoS 1 publish (PUBACK seen): ${perPub.toFixed(0)} instructions each above idle, console command included; ${((p1['uart_bytes']! - p0['uart_bytes']!) / n).toFixed(0)} modem UART bytes each`);

    // 10 x 200-byte QoS 1 back to back: instructions per modem UART byte
    const b0 = await run.stats();
    from = run.lines.length;
    const body = 'x'.repeat(200);
    for (let k = 0; k < 10; k++) run.send(`pub lx106/burst 1 0 ${body}`);
    for (let k = 0; k < 10; k++) {
      const got = await run.waitLine(new RegExp(`^E 5 \\d+ 1 ${hex('lx106/burst')}$`), 30_000, from);
      from = got.index + 1;
    }
    const b1 = await run.stats();
    const bytes = b1['uart_bytes']! - b0['uart_bytes']!;
    const perByte = (b1['busy_kc']! - b0['busy_kc']!) * 1024 / CCOUNT_PER_INSN / bytes;
    ctx.diagnostic(`10 x 200-byte QoS 1: ${bytes} modem UART bytes, ${perByte.toFixed(0)} instructions a byte -> at 115200 baud saturated (11,520 B/s) ${(perByte * 11520 / 1e6).toFixed(2)} M instructions/s, ${(100 * perByte * 11520 / 80e6).toFixed(1)} % of an 80 MHz lx106 at one instruction a cycle`);

    const st = await run.stats();
    ctx.diagnostic(`RAM: static ${st['ram_static']} + stack high-water ${st['stack_max']} = ${st['ram_static']! + st['stack_max']!} of ${DRAM}; longest loop() step ${(st['step_max']! / CCOUNT_PER_INSN).toFixed(0)} instructions; modem RX bytes lost ${st['rx_lost']}`);
    assert.ok(st['stack_max']! > 100, 'stack paint not read');
    assert.ok(st['ram_static']! + st['stack_max']! <= DRAM, 'stack high-water overlaps .data/.bss');
    assert.equal(st['traps'], 0);
    assert.equal(st['rx_lost'], 0);
    // the console is QEMU's stdout: nothing else may be printed there
    const stray = run.lines.filter((l) => !/^[RLEMGSXT] /.test(l.text));
    assert.deepEqual(stray, [], 'only console records on stdout');
  });
});
