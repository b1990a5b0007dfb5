// Board I/O through the firmware (board/ABI.md, "Board I/O"): the probe
// build's io_* exports call assembly/app/io.ts as an app would, on the Node
// host's pins (board/node/pins.ts); inputs are set with the same `set`
// commands the simulator takes on stdin, outputs come back as pin events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NodeHost, type HostEvent } from '../../board/node/host.ts';
import { PROFILES } from '../../sim/profile.ts';
import { ERROR_NAMES } from '../../board/node/abi.ts';
import { Sim, is } from '../helpers/sim.ts';

const code = (name: string): number => Number(Object.keys(ERROR_NAMES).find((k) => ERROR_NAMES[Number(k)] === name));

function probe(): { host: NodeHost; events: HostEvent[]; io: (name: string, ...a: number[]) => number } {
  const events: HostEvent[] = [];
  const host = new NodeHost({ wasmPath: PROFILES.default.probe, config: {}, onEvent: (e) => events.push(e) });
  return { host, events, io: (name, ...a) => host.engine.call(`io_${name}`, ...a) };
}

test('pin writes come out as pin events when they change; inputs set from outside read back', () => {
  const { host, events, io } = probe();
  assert.equal(io('pin_mode', 13, 1), 0);
  assert.equal(io('pin_write', 13, 1), 0);
  assert.equal(io('pin_write', 13, 1), 0); // unchanged: no second event
  assert.equal(io('pin_write', 13, 0), 0);
  assert.deepEqual(events, [{ event: 'pin', pin: 13, value: 1 }, { event: 'pin', pin: 13, value: 0 }]);
  assert.equal(io('pin_read', 13), 0, 'an output reads back its level');
  assert.equal(io('pin_mode', 2, 0), 0);
  assert.equal(io('pin_read', 2), 0);
  assert.equal(host.pins.command(['pin', '2', '1']), null);
  assert.equal(io('pin_read', 2), 1);
  assert.equal(io('pin_mode', 3, 2), 0);
  assert.equal(io('pin_read', 3), 1, 'a pulled-up input with nothing on it reads high');
  assert.equal(io('pin_mode', 99, 1), code('no-such-pin'));
  assert.equal(io('pin_mode', 6, 7), code('no-such-pin'));
  assert.equal(io('pin_write', 64, 1), code('no-such-pin'));
});

test('the modem pins (PWRKEY 4, RESET 5) are refused, and nothing is driven', () => {
  const { host, events, io } = probe();
  for (const pin of [4, 5]) {
    assert.equal(io('pin_mode', pin, 1), code('pin-reserved'));
    assert.equal(io('pin_write', pin, 0), code('pin-reserved'));
    assert.equal(io('pin_read', pin), code('pin-reserved'));
    // the host refuses them as well, should a module skip the firmware's check
    assert.equal(host.pins.pinWrite(pin, 0), code('pin-reserved'));
    assert.equal(host.pins.output(pin), -1);
  }
  assert.deepEqual(events, []);
  assert.match(host.pins.command(['pin', '4', '1']) ?? '', /modem/);
});

test('adc_read returns what set adc gave; an unknown channel is an error', () => {
  const { host, io } = probe();
  assert.equal(io('adc_read', 0), 0);
  assert.equal(host.pins.command(['adc', '0', '512']), null);
  assert.equal(host.pins.command(['adc', '7', '1023']), null);
  assert.equal(io('adc_read', 0), 512);
  assert.equal(io('adc_read', 7), 1023);
  assert.equal(io('adc_read', 16), code('no-such-pin'));
  assert.notEqual(host.pins.command(['adc', '0', 'x']), null);
});

test('i2c: a register read and write on a register-file device; no device is i2c-nack', () => {
  const { host, io } = probe();
  // a TMP102-like sensor at 0x48: register 0 holds 0x19 0x40 (25.25 °C)
  assert.equal(host.pins.command(['i2c', '0x48', '19400000a0']), null);
  assert.equal(io('i2c_read_reg', 0x48, 0, 2), 2);
  const buf = host.engine.call('io_buf');
  assert.deepEqual([...host.engine.read(buf, 2)], [0x19, 0x40]);
  assert.equal(io('i2c_read_reg', 0x48, 3, 2), 2);
  assert.deepEqual([...host.engine.read(buf, 2)], [0x00, 0xa0]);
  assert.equal(io('i2c_write_reg', 0x48, 1, 0x60), 0);
  assert.equal(host.pins.i2cDevice(0x48)!.regs[1], 0x60);
  assert.equal(io('i2c_read_reg', 0x49, 0, 2), code('i2c-nack'));
  assert.equal(io('i2c_read_reg', 200, 0, 2), code('bad-argument'), 'a 7-bit address only');
  assert.notEqual(host.pins.command(['i2c', '0x48', 'zz']), null);
});

test('the same calls under wasm3 0.5.0 (pywasm3): pin event, ADC, modem pin refused', { timeout: 60_000 }, () => {
  const events: HostEvent[] = [];
  const host = new NodeHost({ runtime: 'wasm3', wasmPath: PROFILES.default.probe, config: {}, onEvent: (e) => events.push(e) });
  try {
    const io = (name: string, ...a: number[]) => host.engine.call(`io_${name}`, ...a);
    assert.equal(io('pin_mode', 13, 1), 0);
    assert.equal(io('pin_write', 13, 1), 0);
    assert.equal(io('pin_write', 4, 1), code('pin-reserved'));
    host.pins.command(['adc', '0', '700']);
    assert.equal(io('adc_read', 0), 700);
    assert.deepEqual(events, [{ event: 'pin', pin: 13, value: 1 }]);
  } finally {
    host.stop();
  }
});

test('the release module imports only the board I/O calls its app uses (the telemetry app: its output pin)', () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(PROFILES.default.wasm))).map((i) => i.name);
  for (const name of ['pin_mode', 'pin_write']) assert.ok(imports.includes(name), name);
  for (const name of ['pin_read', 'adc_read', 'i2c_xfer']) assert.ok(!imports.includes(name), name);
});

test('atmqtt sim takes set pin / adc / i2c on stdin and refuses bad ones by name', { timeout: 60_000 }, async () => {
  const sim = Sim.start([]);
  try {
    await sim.waitFor(is.connected(), 20_000);
    sim.sendAll(['set pin 2 1', 'set adc 0 512', 'set i2c 0x48 1940', 'set pin 4 1', 'set adc 99 1', 'set nothing']);
    const errs = await sim.waitForCount((e) => e.event === 'error', 3, 10_000);
    assert.deepEqual(errs.map((e) => e.code), ['bad-argument', 'bad-argument', 'bad-argument']);
    assert.match(errs[0].message ?? '', /set pin 4: the modem's pin/);
    assert.match(errs[1].message ?? '', /set adc CH VALUE/);
  } finally {
    await sim.kill();
  }
});



