// The paced UART and the trace format, on virtual time: exact byte timing
// at a baud rate, FIFO overruns, and that a long idle period costs nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createModem, formatTrace, escapeBytes } from '../../sim/modem/index.ts';
import { VirtualClock } from '../helpers/modem-clock.ts';
import { FAST } from '../helpers/modem-device.ts';

function virtualModem(opts: { baud?: number; rxFifo?: number } = {}) {
  const clock = new VirtualClock();
  const trace: { dir: string; text: string; t: number }[] = [];
  const modem = createModem({
    kind: 'sim900', now: clock.now, timers: clock, timing: FAST, ...opts,
    log: (dir, bytes) => trace.push({ dir, text: Buffer.from(bytes).toString('latin1'), t: clock.t }),
  });
  let readable = 0;
  modem.onReadable(() => { readable++; });
  return { clock, modem, trace, readable: () => readable };
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

describe('paced UART on virtual time', () => {
  test('bytes arrive one byte time (10 bits) apart, both directions', (t) => {
    const { clock, modem } = virtualModem({ baud: 9600 });
    t.after(() => modem.close());
    clock.advance(100); // booted (FAST timing)
    assert.match(text(modem.read(1000)), /RDY[\s\S]*SMS Ready\r\n$/);
    const t0 = clock.t;
    modem.write(Buffer.from('AT\r'));
    const arrivals: number[] = [];
    let got = '';
    while (got.length < 9 && clock.t - t0 < 50) {
      clock.advance(0.25);
      const b = text(modem.read(1));
      if (b) { got += b; arrivals.push(clock.t - t0); }
    }
    assert.equal(got, 'AT\r\r\nOK\r\n');
    const byteMs = 10000 / 9600;
    for (let i = 1; i < arrivals.length; i++) {
      assert.ok(arrivals[i]! - arrivals[i - 1]! >= byteMs - 0.26, `gap ${i}: ${arrivals.join(', ')}`);
    }
    // the first echo byte needs 'A' in (1 byte) and back (1 byte); the reply starts after the CR is in (3 bytes)
    assert.ok(arrivals[0]! >= 2 * byteMs - 0.01, String(arrivals[0]));
    assert.ok(arrivals[8]! >= 9 * byteMs - 0.01 && arrivals[8]! < 9 * byteMs + 3, String(arrivals[8]));
  });

  test('throughput is baud/10 bytes a second', (t) => {
    const { clock, modem } = virtualModem({ baud: 115200 });
    t.after(() => modem.close());
    clock.advance(100);
    modem.read(1000);
    for (let i = 0; i < 20; i++) modem.write(Buffer.from('AT+CGMR\r')); // echo 8 + 34 reply each
    let got = 0;
    const t0 = clock.t;
    let last = t0;
    while (got < 20 * (8 + 34)) {
      clock.advance(1);
      const n = modem.read(4096).length;
      if (n > 0) last = clock.t;
      got += n;
      assert.ok(clock.t - t0 < 1000);
    }
    const rate = got / ((last - t0) / 1000);
    console.log(`# virtual time, 115200 baud: ${got} bytes in ${(last - t0).toFixed(1)} ms = ${(rate / 1000).toFixed(2)} kB/s`);
    assert.ok(rate > 11000 && rate < 11600, String(rate));
  });

  test('rxFifo overrun: exactly the bytes beyond the FIFO are lost', (t) => {
    const { clock, modem } = virtualModem({ rxFifo: 16 });
    t.after(() => modem.close());
    clock.advance(100); // boot output is far more than 16 bytes
    const boot = modem.stats();
    const first = text(modem.read(100));
    assert.equal(first.length, 16);
    assert.equal(boot.overruns, boot.bytesToDevice - 16);
    modem.write(Buffer.from('AT\r'));
    clock.advance(10);
    assert.equal(text(modem.read(100)), 'AT\r\r\nOK\r\n', 'fits');
    assert.equal(modem.stats().overruns, boot.overruns);
  });

  test('onReadable fires while bytes arrive, and not when idle; a virtual day is free', (t) => {
    const { clock, modem, readable } = virtualModem();
    t.after(() => modem.close());
    clock.advance(100);
    const n0 = readable();
    assert.ok(n0 > 0);
    modem.read(1000);
    clock.advance(24 * 3600 * 1000);
    assert.equal(readable(), n0, 'no notifications without bytes');
    assert.equal(clock.timerCount, 0, 'no timers left running');
    modem.write(Buffer.from('AT\r'));
    clock.advance(5);
    assert.ok(readable() > n0);
    assert.equal(text(modem.read(100)), 'AT\r\r\nOK\r\n');
  });

  test('close() leaves no timers', (t) => {
    const { clock, modem } = virtualModem();
    void t;
    modem.write(Buffer.from('AT\r'));
    modem.close();
    assert.equal(clock.timerCount, 0);
    assert.equal(modem.read(10).length, 0);
  });
});

describe('trace', () => {
  test('formatTrace: time, direction, control characters escaped', () => {
    assert.equal(formatTrace('mdm->dev', Buffer.from('\r\nOK\r\n\x00\xff\\', 'latin1'), 1234), '    1.234 mdm->dev << \\r\\nOK\\r\\n\\x00\\xff\\\\');
    assert.equal(formatTrace('dev->mdm', Buffer.from('AT+CIPSEND=0,5\r'), 65000.5), '   65.001 dev->mdm >> AT+CIPSEND=0,5\\r');
    assert.equal(escapeBytes(Buffer.from('\t> ')), '\\t> ');
  });

  test('the log hook sees both directions', (t) => {
    const { clock, modem, trace } = virtualModem();
    t.after(() => modem.close());
    clock.advance(100);
    modem.write(Buffer.from('AT\r'));
    clock.advance(5);
    const dirs = new Set(trace.map((e) => e.dir));
    assert.deepEqual([...dirs].sort(), ['dev->mdm', 'mdm->dev']);
    assert.equal(trace.filter((e) => e.dir === 'dev->mdm').map((e) => e.text).join(''), 'AT\r');
    assert.match(trace.filter((e) => e.dir === 'mdm->dev').map((e) => e.text).join(''), /SMS Ready\r\nAT\r\r\nOK\r\n$/);
  });
});
