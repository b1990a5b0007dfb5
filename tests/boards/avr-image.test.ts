// The ATmega1284P image (small module translated by wasm2c) built with
// avr-gcc and run in simavr: it fits the chip (flash, and SRAM with the
// painted stack's high-water), it reaches CONNACK through the emulated
// SIM800 to a real Mosquitto, a QoS 1 message makes the round trip, and the
// CPU cost is measured from simavr's cycle counter (printed as diagnostics).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { AvrRun, ROOT, buildAvr, hex, type Cycles } from './avr-simavr.ts';

// AVR_OUT / AVR_CFLAGS: measure a variant (e.g. -DCONSOLE_LOG_LEVEL=3, no debug lines)
const OUT = process.env.AVR_OUT ?? 'build/avr-test'; // not build/avr: 'atmqtt sim --board' may be using that one
const ELF = path.join(ROOT, OUT, 'atmqtt-avr.elf');
const FLASH = 128 * 1024;
const SRAM = 16 * 1024;

function sections(elf: string): Record<string, number> {
  const out = execFileSync('avr-size', ['-A', elf], { encoding: 'utf8' });
  const o: Record<string, number> = {};
  for (const l of out.split('\n')) { const m = /^(\.\w+)\s+(\d+)/.exec(l); if (m) o[m[1]!] = Number(m[2]); }
  return o;
}

describe('atmega1284p: wasm2c image in simavr', { timeout: 240_000 }, () => {
  let broker: Mosquitto;
  let run: AvrRun | undefined;
  before(async () => {
    buildAvr({ OUT, CFLAGS_EXTRA: process.env.AVR_CFLAGS ?? '' });
    broker = await Mosquitto.start();
  });
  after(async () => {
    await run?.stop();
    await broker?.dispose();
  });

  test('the image fits 128 KiB of flash; .data + .bss leave room in 16 KiB of SRAM', (ctx) => {
    const s = sections(ELF);
    const flash = (s['.text'] ?? 0) + (s['.data'] ?? 0);
    const ram = (s['.data'] ?? 0) + (s['.bss'] ?? 0) + (s['.noinit'] ?? 0);
    ctx.diagnostic(`flash ${flash} bytes (.text ${s['.text']} + .data ${s['.data']}), static RAM ${ram} bytes (.data + .bss)`);
    assert.ok(flash <= FLASH, `flash ${flash} > ${FLASH}`);
    assert.ok(ram <= SRAM - 1024, `static RAM ${ram} leaves under 1 KiB of the 16 KiB for the stack`);
  });

  test('power-on to CONNACK through SIM800 to Mosquitto; stack high-water inside SRAM; QoS 1 round trip; CPU cost', async (ctx) => {
    run = await AvrRun.start(ELF, 'sim800', path.join(ROOT, OUT, 'atmqtt-simavr'));
    await run.waitLine(/^R atmega1284p wasm2c$/, 15_000);
    run.send(`cfg 0 ${broker.url}`);
    run.send('cfg 10 sim800');
    run.send('cfg 14 internet'); // the APN: a GPRS modem without one is a configuration error
    run.send('cfg 1 avr-image-test');
    run.send('start');
    const up = await run.waitLine(/^E 1 0 0 -$/, 60_000);
    const atConnack = await run.stats();
    ctx.diagnostic(`power-on to CONNACK: ${atConnack['millis']} ms of simulated time (the console's start command came at power-on)`);

    // a QoS 1 round trip through the broker
    run.send('sub avr/echo 1');
    await run.waitLine(new RegExp(`^E 3 \\d+ 1 ${hex('avr/echo')}$`), 20_000, up.index);
    run.send('pub avr/echo 1 0 hello from the avr');
    await run.waitLine(new RegExp(`^M 1 ${hex('avr/echo')} ${hex('hello from the avr')}$`), 20_000, up.index);

    // idle: loop() steps and cycles over ~5 s
    const i0 = await run.cycles(); const s0 = await run.stats();
    await new Promise((r) => setTimeout(r, 5000));
    const i1 = await run.cycles(); const s1 = await run.stats();
    const idleSteps = s1['steps']! - s0['steps']!;
    const idleRate = (i1.busy - i0.busy) / (i1.simMs - i0.simMs); // awake cycles per ms when idle
    const stepCycles = ((s1['step_us']! - s0['step_us']!) * 16) / Math.max(1, idleSteps);
    ctx.diagnostic(`idle: ${idleSteps} loop() steps in ${i1.simMs - i0.simMs} ms, ${stepCycles.toFixed(0)} cycles a step inside atmqtt_step (Timer1), ${((i1.busy - i0.busy) / Math.max(1, idleSteps)).toFixed(0)} awake cycles a step in all (console included), CPU ${(100 * (i1.busy - i0.busy) / (i1.cycles - i0.cycles)).toFixed(2)} %, longest step ${s1['step_max']} cycles`);

    // 10 QoS 1 publishes, one after the other, to a topic nobody here reads
    const n = 10;
    const p0 = await run.cycles(); const ps0 = await run.stats();
    let from = run.lines.length;
    for (let k = 0; k < n; k++) {
      run.send(`pub avr/cost 1 0 payload-${k}`);
      const got = await run.waitLine(new RegExp(`^E 5 \\d+ 1 ${hex('avr/cost')}$`), 20_000, from);
      from = got.index + 1;
    }
    const p1 = await run.cycles(); const ps1 = await run.stats();
    const perPub = (p1.busy - p0.busy - idleRate * (p1.simMs - p0.simMs)) / n;
    const perPubSteps = (ps1['step_us']! - ps0['step_us']!) * 16 / n;
    ctx.diagnostic(`QoS 1 publish (PUBACK seen): ${perPub.toFixed(0)} awake cycles each above idle (${(perPub / 16000).toFixed(2)} ms of CPU at 16 MHz; ${perPubSteps.toFixed(0)} of them inside atmqtt_step, the rest console lines and interrupts), ${((p1.simMs - p0.simMs) / n).toFixed(0)} ms each end to end, ${((p1.tx - p0.tx + p1.rx - p0.rx) / n).toFixed(0)} modem UART bytes each`);

    // 200-byte QoS 1 publishes back to back (the next when the last is acked:
    // the small profile's outbox holds two): awake cycles per modem UART byte
    const b0: Cycles = await run.cycles(); const bs0 = await run.stats();
    from = run.lines.length;
    const body = 'x'.repeat(200);
    for (let k = 0; k < 10; k++) {
      run.send(`pub avr/burst 1 0 ${body}`);
      const got = await run.waitLine(new RegExp(`^E 5 \\d+ 1 ${hex('avr/burst')}$`), 30_000, from);
      from = got.index + 1;
    }
    const b1 = await run.cycles(); const bs1 = await run.stats();
    const bytes = b1.tx - b0.tx + b1.rx - b0.rx;
    const perByte = (b1.busy - b0.busy) / bytes;
    const perByteSteps = (bs1['step_us']! - bs0['step_us']!) * 16 / bytes;
    ctx.diagnostic(`10 x 200-byte QoS 1: ${bytes} modem UART bytes in ${b1.simMs - b0.simMs} ms (${(bytes * 1000 / (b1.simMs - b0.simMs)).toFixed(0)} B/s both ways), CPU ${(100 * (b1.busy - b0.busy) / (b1.cycles - b0.cycles)).toFixed(1)} %, ${perByte.toFixed(0)} cycles a UART byte -> ${(100 * perByte * 11520 / 16e6).toFixed(1)} % of the CPU at a saturated 115200 baud (11,520 B/s); inside atmqtt_step ${perByteSteps.toFixed(0)} cycles a byte -> ${(100 * perByteSteps * 11520 / 16e6).toFixed(1)} %`);

    const st = await run.stats();
    ctx.diagnostic(`SRAM: .data+.bss ${st['ram_static']} + stack high-water ${st['stack_max']} = ${st['ram_static']! + st['stack_max']!} of ${SRAM}; modem RX bytes lost ${st['modem_rx_lost']}`);
    assert.ok(st['stack_max']! > 100, 'stack paint not read');
    assert.ok(st['ram_static']! + st['stack_max']! <= SRAM, 'stack high-water overlaps .data/.bss');
    assert.ok(st['ram_free']! > 0);
    assert.equal(st['traps'], 0);
    assert.equal(st['modem_rx_lost'], 0);
    assert.equal(st['console_rx_lost'], 0);
  });
});
