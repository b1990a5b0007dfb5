// A trap on the lx106 image is reported and followed by a restart, not
// silent corruption: a TEST build (board/lx106/build.sh POKE_AFTER=N,
// board/wasm2c/translate.py --poke-after) whose N-th loop() stores a word
// at 16384, one past the linear memory, through the module's own checked
// store. Run in QEMU through the emulated SIM800 to Mosquitto: a T line,
// the restart with backoff, and a new CONNACK.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { Lx106Run, ROOT, buildLx106 } from './lx106-qemu.ts';

const OUT = 'build/lx106-trap';

describe('lx106-qemu: a store past the linear memory traps and restarts the module', { timeout: 180_000 }, () => {
  let broker: Mosquitto;
  let run: Lx106Run | undefined;
  before(async () => {
    // ~500 steps bring the session up, then ~20 a second idle: the trap
    // comes a few seconds after CONNACK (the test does not depend on it)
    buildLx106({ OUT, POKE_AFTER: '600' });
    broker = await Mosquitto.start();
  });
  after(async () => {
    await run?.stop();
    await broker?.dispose();
  });

  test('T line, restart, CONNACK again; traps=1 and the stack still inside RAM', async (ctx) => {
    run = await Lx106Run.start(path.join(ROOT, OUT, 'atmqtt-lx106.elf'));
    await run.waitLine(/^R lx106-qemu wasm2c$/, 15_000);
    run.send(`cfg 0 ${broker.url}`);
    run.send('cfg 10 sim800');
    run.send('cfg 14 internet'); // the APN: a GPRS modem without one is a configuration error
    run.send('start');
    const trap = await run.waitLine(/^T /, 90_000);
    const first = run.lines.findIndex((l) => l.text === 'E 1 0 0 -');
    assert.equal(trap.line.text, 'T trap in loop: out of bounds memory access');
    const restart = await run.waitLine(/^L 2 restarting the module in 1000 ms$/, 5000, trap.index);
    await run.waitLine(/^L 3 restarting the module after trap 1$/, 5000, restart.index);
    const again = await run.waitLine(/^E 1 0 0 -$/, 60_000, restart.index);
    const st = await run.stats();
    ctx.diagnostic(`${first >= 0 && first < trap.index ? `CONNACK at ${run.lines[first]!.at - run.startedAt} ms, ` : ''}trap at ${trap.line.at - run.startedAt} ms, CONNACK ${again.line.at - trap.line.at} ms after it`);
    assert.equal(st['traps'], 1);
    assert.equal(st['running'], 1);
    assert.equal(st['state'], 4);
    assert.ok(st['ram_static']! + st['stack_max']! <= 80 * 1024);
  });
});
