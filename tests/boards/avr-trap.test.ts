// A trap on the ATmega1284P image is reported and followed by a restart,
// not silent corruption: a TEST build (board/avr/build.sh POKE_AFTER=N,
// board/wasm2c/translate.py --poke-after) whose N-th loop() stores a word
// at 4096, one past the 4 KiB linear memory, through the module's own
// checked store. Run in simavr through the emulated SIM800 to Mosquitto:
// a T line, the restart with backoff, and a new CONNACK.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { AvrRun, ROOT, buildAvr } from './avr-simavr.ts';

const OUT = 'build/avr-trap';

describe('atmega1284p: a store past the linear memory traps and restarts the module', { timeout: 180_000 }, () => {
  let broker: Mosquitto;
  let run: AvrRun | undefined;
  before(async () => {
    // after CONNACK: ~350-500 steps bring the session up; an idle session
    // takes only ~1-2 a second (hal_sleep batches modem bytes), so the test
    // wakes the board with console lines until the trap comes
    buildAvr({ OUT, POKE_AFTER: '600' });
    broker = await Mosquitto.start();
  });
  after(async () => {
    await run?.stop();
    await broker?.dispose();
  });

  test('T line, restart, CONNACK again; traps=1 and the stack still inside SRAM', async (ctx) => {
    run = await AvrRun.start(path.join(ROOT, OUT, 'atmqtt-avr.elf'), 'sim800', path.join(ROOT, OUT, 'atmqtt-simavr'));
    await run.waitLine(/^R atmega1284p wasm2c$/, 15_000);
    run.send(`cfg 0 ${broker.url}`);
    run.send('cfg 10 sim800');
    run.send('cfg 14 internet'); // the APN: a GPRS modem without one is a configuration error
    run.send('start');
    const first = await run.waitLine(/^E 1 0 0 -$/, 60_000);
    const nudge = setInterval(() => run?.send('stats'), 200); // every console byte is a loop() step
    const trap = await run.waitLine(/^T /, 90_000, first.index).finally(() => clearInterval(nudge));
    assert.equal(trap.line.text, 'T trap in loop: out of bounds memory access');
    const restart = await run.waitLine(/^L 2 restarting the module in 1000 ms$/, 5000, trap.index);
    await run.waitLine(/^L 3 restarting the module after trap 1$/, 5000, restart.index);
    const again = await run.waitLine(/^E 1 0 0 -$/, 60_000, restart.index);
    const st = await run.stats();
    ctx.diagnostic(`CONNACK at ${first.line.at - run.startedAt} ms, trap at ${trap.line.at - run.startedAt} ms, CONNACK again ${again.line.at - trap.line.at} ms later; ${run.lines.slice(-1)[0]?.text}`);
    assert.equal(st['traps'], 1);
    assert.equal(st['running'], 1);
    assert.equal(st['state'], 4);
    assert.ok(st['ram_static']! + st['stack_max']! <= 16384);
  });
});
