// Hardware in the loop, without the hardware: the firmware (`atmqtt sim
// --uart /dev/pts/N`) opens a pseudo-terminal through the serialport
// package, as it would a USB-serial adapter, and the emulated ESP-AT module
// (`atmqtt modem --pty`) is on its other end. The rate the device sets on
// the terminal reaches the emulator, so a module at another rate than the
// configured one is found by the firmware's search. Also: a missing port and
// a port in use are each one error line, not a stack trace.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialPort } from 'serialport';
import { Scope } from '../helpers/scope.ts';
import { ModemProc } from '../helpers/modem-proc.ts';
import { hilSuite, emulator, hilDevice } from '../helpers/hil.ts';

hilSuite({ link: 'pty', kind: 'esp-at', fault: 'reboot', settleMs: 30000 });

describe('bring-up help on a serial port', () => {
  test('a SIM800 left at 57600, the firmware at 115200: the rate search finds it, says so, keeps it, connects', { timeout: 60000 }, async (t) => {
    const s = new Scope(t);
    const broker = await s.broker('mosquitto');
    const modem = await ModemProc.start(['--modem', 'sim800', '--pty', '--baud', '57600']);
    s.defer(() => modem.kill());
    const t0 = Date.now();
    const sim = await hilDevice(s, 'sim800', modem, broker.url);
    assert.match(sim.stderr, /AT answers at another rate, kept: baud 57600/);
    assert.doesNotMatch(sim.stderr, /power cycle/, 'found before any power cycle');
    t.diagnostic(`found at 57600 and connected ${Date.now() - t0} ms after the start`);
    assert.equal(await sim.endAndExit(20000), 0, sim.describe());
  });
});

describe('--uart errors', () => {
  test('a missing port, a port in use: one JSON error line, exit 2, no stack trace', { timeout: 60000 }, async (t) => {
    const s = new Scope(t);
    const missing = s.sim(['--modem', 'sim800', '--uart', '/dev/ttyUSB-atmqtt-none']);
    assert.equal(await missing.endAndExit(15000), 2);
    assert.equal(missing.events.length, 1, missing.describe());
    assert.equal(missing.events[0]!.code, 'uart');
    assert.match(missing.events[0]!.message ?? '', /no such port/);
    assert.doesNotMatch(missing.stderr, /\bat .*\.(ts|js):\d+/, 'no stack trace');

    const modem = await emulator(s, 'sim900', 'pty');
    const holder = new SerialPort({ path: modem.uartArg, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder.open((e) => (e ? reject(e) : resolve())));
    s.defer(() => new Promise<void>((r) => holder.close(() => r())));
    const busy = s.sim(['--modem', 'sim900', '--uart', modem.uartArg]);
    assert.equal(await busy.endAndExit(15000), 2);
    assert.equal(busy.events.length, 1, busy.describe());
    assert.match(busy.events[0]!.message ?? '', /in use/);
    assert.doesNotMatch(busy.stderr, /\bat .*\.(ts|js):\d+/, 'no stack trace');
  });
});
