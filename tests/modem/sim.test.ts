// SIM800 / SIM900 emulator: boot, bring-up with state gating, the exact
// bytes of the responses the driver depends on, MQTT over a real bridged
// TCP connection to aedes, and every fault.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../sim/broker.ts';
import {
  FAST, closedPort, device, mqttConnect, mqttParse, mqttPublish, mqttSubscribe, simBringUp, sleep, startEcho,
} from '../helpers/modem-device.ts';

describe('SIM800 boot and basics', () => {
  test('power-on garbage, boot URCs, echo on by default, ATE0, unknown command', async (t) => {
    const d = device(t, { kind: 'sim800', timing: {} }); // the default (realistic) boot timing
    const boot = await d.expect('SMS Ready\r\n', 3000);
    assert.ok(boot.startsWith('\x00IIII\xff\xff\xff\xff'), JSON.stringify(boot));
    assert.equal(boot.slice(9), '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    assert.equal(await d.cmd('AT'), 'AT\r\r\nOK\r\n', 'echo is on after power-on');
    assert.equal(await d.cmd('ATE0'), 'ATE0\r\r\nOK\r\n');
    assert.equal(await d.cmd('AT'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+FOO=1'), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+CPIN?'), '\r\n+CPIN: READY\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CMEE=2'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPSSL=1'), '\r\nOK\r\n', 'SIM800 accepts CIPSSL');
  });

  test('registration: +CREG 0,2 first, then 0,1 about 1 s after power-on', async (t) => {
    const d = device(t, { kind: 'sim800', timing: { simRdyMs: 100, simCfunMs: 120, registerMs: 1000, simCallReadyMs: 1200 } });
    await d.expect('RDY');
    d.send('ATE0\r');
    await d.expect('OK');
    assert.match(await d.cmd('AT+CREG?'), /\+CREG: 0,2\r\n\r\nOK/);
    assert.match(await d.cmd('AT+CGATT?'), /\+CGATT: 0/);
    await d.expect('SMS Ready\r\n', 3000);
    assert.match(await d.cmd('AT+CREG?'), /\+CREG: 0,1\r\n\r\nOK/);
    assert.match(await d.cmd('AT+CGREG?'), /\+CGREG: 0,1/);
    assert.match(await d.cmd('AT+CGATT?'), /\+CGATT: 1/);
  });

  test('lateReady: Call Ready / SMS Ready held back past registration, then sent just after CIPSTART\'s OK (TinyGSM #537)', async (t) => {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'sim800', lateReady: 1 });
    await d.expect('+CPIN: READY\r\n');
    await sleep(200); // registered (40 ms); on time they would be out at 50 ms
    assert.doesNotMatch(d.text(), /Ready/);
    assert.match(await d.cmd(`AT+CIPSTART="TCP","127.0.0.1",${echo.port}`), /OK\r\n$/);
    assert.match(await d.expect('SMS Ready\r\n', 1000), /Call Ready\r\n\r\nSMS Ready\r\n$/);
  });

  test('SIM900: no garbage, no SSL, ids 0-7', async (t) => {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'sim900' });
    const boot = await d.expect('SMS Ready\r\n');
    assert.ok(boot.startsWith('\r\nRDY\r\n'), JSON.stringify(boot));
    await simBringUp(d);
    assert.equal(await d.cmd('AT+CIPSSL=1'), '\r\nERROR\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART=7,"TCP","127.0.0.1",${echo.port}`), '\r\nOK\r\n');
    await d.expect('7, CONNECT OK\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART=8,"TCP","127.0.0.1",${echo.port}`), '\r\nERROR\r\n');
  });

  test('SIM800 ids stop at 5', async (t) => {
    const d = device(t, { kind: 'sim800' });
    await simBringUp(d);
    assert.equal(await d.cmd('AT+CIPSTART=6,"TCP","127.0.0.1",1'), '\r\nERROR\r\n');
  });
});

describe('SIM800 state gating', () => {
  test('out-of-order commands get ERROR; CIFSR has no OK; CIPSTATUS puts OK first', async (t) => {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'sim800' });
    await d.expect('SMS Ready\r\n');
    await d.cmd('ATE0');
    await sleep(60);
    assert.equal(await d.cmd('AT+CIICR'), '\r\nERROR\r\n', 'CIICR needs IP START');
    assert.equal(await d.cmd('AT+CIFSR'), '\r\nERROR\r\n', 'CIFSR needs a PDP context');
    assert.equal(await d.cmd('AT+CIPSTATUS'), '\r\nOK\r\n', 'OK comes first');
    await d.expect('\r\nSTATE: IP INITIAL\r\n');
    assert.equal(await d.cmd('AT+CSTT="internet","",""'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CSTT="internet","",""'), '\r\nERROR\r\n', 'CSTT only in IP INITIAL');
    assert.equal(await d.cmd('AT+CIPMUX=1'), '\r\nERROR\r\n', 'CIPMUX only in IP INITIAL');
    d.consumed();
    d.send('AT+CIPSTATUS\r');
    assert.equal(await d.expect(/STATE: [A-Z ]+\r\n/), '\r\nOK\r\n\r\nSTATE: IP START\r\n');
    assert.equal(await d.cmd('AT+CIPSHUT', /SHUT OK\r\n|ERROR\r\n/), '\r\nSHUT OK\r\n');
    assert.equal(await d.cmd('AT+CIPMUX=1'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPRXGET=1'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CSTT="internet"'), '\r\nOK\r\n');
    d.consumed();
    d.send('AT+CIICR\r');
    await sleep(10);
    d.send('AT+CIPSTATUS\r'); // held until CIICR has its result
    await d.expect('\r\nOK\r\n');
    assert.match(await d.expect(/C: 5[^\r]*\r\n/), /^\r\nOK\r\n\r\nSTATE: IP GPRSACT\r\n\r\nC: 0,,"","","","INITIAL"\r\n/);
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`), '\r\nERROR\r\n', 'multi-IP CIPSTART needs CIFSR first');
    const ip = await d.cmd('AT+CIFSR', /\r\n[\d.]+\r\n/);
    assert.match(ip, /^\r\n10\.\d+\.\d+\.\d+\r\n$/);
    await sleep(50);
    assert.ok(!d.text().includes('OK'), 'no OK after the CIFSR address');
    d.consumed();
    d.send('AT+CIPSTATUS\r');
    const st = await d.expect(/C: 5[^\r]*\r\n/);
    assert.equal(st, '\r\nOK\r\n\r\nSTATE: IP STATUS\r\n\r\n' + [0, 1, 2, 3, 4, 5].map((i) => `C: ${i},,"","","","INITIAL"\r\n`).join(''));
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`), '\r\nOK\r\n');
    await d.expect('\r\n0, CONNECT OK\r\n');
    assert.equal(await d.cmd('AT+CIPRXGET=0'), '\r\nERROR\r\n', 'receive mode is set before connecting');
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`, /ALREADY CONNECT\r\n/), '\r\nERROR\r\n\r\n0, ALREADY CONNECT\r\n');
    d.consumed();
    d.send('AT+CIPSTATUS\r');
    const st2 = await d.expect(/C: 5[^\r]*\r\n/);
    assert.match(st2, /STATE: IP PROCESSING\r\n\r\nC: 0,0,"TCP","127\.0\.0\.1","\d+","CONNECTED"\r\n/);
    assert.equal(await d.cmd('AT+CIPSEND?'), '\r\n+CIPSEND: 0,1460\r\n' + [1, 2, 3, 4, 5].map((i) => `+CIPSEND: ${i},0\r\n`).join('') + '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPSEND=0,1461'), '\r\nERROR\r\n', 'more than 1460 bytes');
    assert.equal(await d.cmd('AT+CIPSEND=1,5'), '\r\nERROR\r\n', 'link 1 is not connected');
    assert.equal(await d.cmd('AT+CIPCLOSE=0', /CLOSE OK\r\n|ERROR\r\n/), '\r\n0, CLOSE OK\r\n');
    assert.equal(await d.cmd('AT+CIPCLOSE=0'), '\r\nERROR\r\n');
  });

  test('single-IP mode: CONNECT OK, ALREADY CONNECT, STATE before CONNECT FAIL, +IPD push', async (t) => {
    const echo = await startEcho(t);
    const refused = await closedPort();
    const d = device(t, { kind: 'sim800' });
    await simBringUp(d, { mux: 0, rxget: 0 });
    assert.equal(await d.cmd('AT+CIPHEAD=1'), '\r\nOK\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART="TCP","127.0.0.1",${refused}`, /CONNECT FAIL\r\n/, 5000), '\r\nOK\r\n\r\nSTATE: IP STATUS\r\n\r\nCONNECT FAIL\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART="TCP","127.0.0.1","${echo.port}"`, /CONNECT OK\r\n/), '\r\nOK\r\n\r\nCONNECT OK\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART="TCP","127.0.0.1",${echo.port}`, /ALREADY CONNECT\r\n/), '\r\nERROR\r\n\r\nALREADY CONNECT\r\n');
    d.consumed();
    d.send('AT+CIPSTATUS\r');
    assert.equal(await d.expect(/STATE: [A-Z ]+\r\n/), '\r\nOK\r\n\r\nSTATE: CONNECT OK\r\n');
    assert.equal(await d.cmd('AT+CIPSEND=5', /> $/), '\r\n> ');
    d.consumed();
    let mark = d.cursor;
    d.send('hello');
    await d.seen('SEND OK\r\n', mark);
    await d.seen('+IPD,5:hello', mark);
    // the echo may come back before or after SEND OK
    let out = d.text(mark);
    assert.ok(out === '\r\nSEND OK\r\n\r\n+IPD,5:hello' || out === '\r\n+IPD,5:hello\r\nSEND OK\r\n', JSON.stringify(out));
    // variable length send, ended by Ctrl-Z
    assert.equal(await d.cmd('AT+CIPSEND', /> $/), '\r\n> ');
    d.consumed();
    mark = d.cursor;
    d.send('abc\x1a');
    await d.seen('SEND OK\r\n', mark);
    await d.seen('+IPD,3:abc', mark);
    out = d.text(mark);
    assert.ok(out === '\r\nSEND OK\r\n\r\n+IPD,3:abc' || out === '\r\n+IPD,3:abc\r\nSEND OK\r\n', JSON.stringify(out));
    assert.equal(await d.cmd('AT+CIPCLOSE', /CLOSE OK\r\n/), '\r\nCLOSE OK\r\n');
    d.consumed();
    d.send('AT+CIPSTATUS\r');
    assert.equal(await d.expect(/STATE: [A-Z ]+\r\n/), '\r\nOK\r\n\r\nSTATE: IP CLOSE\r\n');
  });

  test('requireApn: CSTT with another APN is OK, CIICR fails into PDP DEACT', async (t) => {
    const d = device(t, { kind: 'sim800', apn: 'good.apn', requireApn: true });
    await d.expect('SMS Ready\r\n');
    await d.cmd('ATE0');
    await sleep(50);
    assert.equal(await d.cmd('AT+CSTT="bad.apn"'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIICR'), '\r\nERROR\r\n');
    d.consumed();
    d.send('AT+CIPSTATUS\r');
    assert.equal(await d.expect(/STATE: [A-Z ]+\r\n/), '\r\nOK\r\n\r\nSTATE: PDP DEACT\r\n');
    await d.cmd('AT+CIPSHUT', /SHUT OK\r\n/);
    assert.equal(await d.cmd('AT+CSTT="good.apn"'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIICR'), '\r\nOK\r\n');
  });
});

describe('SIM800 MQTT over a bridged TCP connection', () => {
  test('CONNECT / CONNACK, SUBSCRIBE, PUBLISH QoS 1 via CIPSEND and CIPRXGET', async (t) => {
    const broker = await startBroker(0, 0);
    t.after(() => broker.close());
    const d = device(t, { kind: 'sim800' });
    await simBringUp(d);
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${broker.port}`), '\r\nOK\r\n');
    await d.expect('\r\n0, CONNECT OK\r\n', 3000);

    let mark = 0;
    const send = async (bytes: Buffer): Promise<void> => {
      assert.equal(await d.cmd(`AT+CIPSEND=0,${bytes.length}`, /> $/), '\r\n> ', 'prompt without CRLF after it');
      d.consumed();
      mark = d.cursor;
      d.send(bytes);
      await d.expect(/\r\n0, SEND OK\r\n/);
      // the answer may be announced before or after SEND OK
      await d.seen('\r\n+CIPRXGET: 1,0\r\n', mark);
      await sleep(30);
    };
    const recv = async (): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for (;;) {
        d.consumed();
        d.send('AT+CIPRXGET=2,0,1460\r');
        const h = await d.expect(/\+CIPRXGET: 2,0,(\d+),(\d+)\r\n/);
        const [, got, left] = /\+CIPRXGET: 2,0,(\d+),(\d+)/.exec(h)!;
        parts.push(await d.readExact(Number(got)));
        assert.equal(await d.expect('\r\nOK\r\n'), '\r\nOK\r\n');
        if (Number(left) === 0) return Buffer.concat(parts);
      }
    };

    await send(mqttConnect('sim800-test'));
    const connack = mqttParse(await recv());
    assert.equal(connack[0]?.cmd, 'connack');
    assert.equal((connack[0] as { returnCode?: number }).returnCode, 0);

    await send(mqttSubscribe('modem/t', 1, 1));
    assert.equal(mqttParse(await recv())[0]?.cmd, 'suback');

    const payload = Buffer.alloc(1200, 0x5a);
    await send(mqttPublish('modem/t', payload, 1, 2));
    await sleep(50);
    d.consumed();
    d.send('AT+CIPRXGET=4,0\r');
    const pending = Number(/\+CIPRXGET: 4,0,(\d+)/.exec(await d.expect(/\+CIPRXGET: 4,0,\d+\r\n\r\nOK\r\n/))![1]);
    assert.ok(pending > 1200, `PUBACK + the echoed PUBLISH are waiting: ${pending}`);
    const packets = mqttParse(await recv());
    assert.deepEqual(packets.map((p) => p.cmd).sort(), ['puback', 'publish']);
    const pub = packets.find((p) => p.cmd === 'publish') as { payload: Buffer };
    assert.deepEqual(pub.payload, payload);
    assert.equal(d.modem.stats().connects, 1);
    assert.ok(d.modem.stats().commands > 15);
  });

  test('CIPQSEND=1 answers DATA ACCEPT; peer close gives "0, CLOSED" with data still readable', async (t) => {
    const server = await startEcho(t, (s) => s.on('data', () => { s.end('bye'); }));
    const d = device(t, { kind: 'sim800' });
    await simBringUp(d, { qsend: 1 });
    await d.cmd(`AT+CIPSTART=1,"TCP","127.0.0.1",${server.port}`);
    await d.expect('1, CONNECT OK');
    await d.cmd('AT+CIPSEND=1,4', /> $/);
    d.consumed();
    d.send('ping');
    assert.equal(await d.expect('DATA ACCEPT:1,4\r\n'), '\r\nDATA ACCEPT:1,4\r\n');
    const urcs = await d.expect('1, CLOSED\r\n');
    assert.equal(urcs, '\r\n+CIPRXGET: 1,1\r\n\r\n1, CLOSED\r\n');
    assert.equal(await d.cmd('AT+CIPRXGET=2,1,100'), '\r\n+CIPRXGET: 2,1,3,0\r\nbye\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPRXGET=2,1,100'), '\r\nERROR\r\n');
    assert.deepEqual(server.received[0], Buffer.from('ping'));
  });

  test('push mode (CIPRXGET=0): +RECEIVE,n,len: then the bytes', async (t) => {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'sim800' });
    await simBringUp(d, { rxget: 0 });
    await d.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",${echo.port}`);
    await d.expect('2, CONNECT OK');
    await d.cmd('AT+CIPSEND=2,6', /> $/);
    d.consumed();
    const mark = d.cursor;
    d.send('abcdef');
    await d.seen('2, SEND OK\r\n', mark);
    await d.seen('abcdef', mark);
    assert.ok(d.text(mark).includes('\r\n+RECEIVE,2,6:\r\nabcdef'), JSON.stringify(d.text(mark)));
  });
});

describe('UART pacing and the device RX FIFO', () => {
  test('115200 baud delivers about 11.5 kB/s; a 64-byte FIFO not drained overruns', async (t) => {
    const server = await startEcho(t, (s) => s.on('data', () => s.write(Buffer.alloc(1460, 0x41))));
    const d = device(t, { kind: 'sim800' });
    await simBringUp(d);
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${server.port}`);
    await d.expect('0, CONNECT OK');
    await d.cmd('AT+CIPSEND=0,1', /> $/);
    d.send('x');
    await d.expect('+CIPRXGET: 1,0');
    await sleep(50);
    d.consumed();
    const t0 = performance.now();
    d.send('AT+CIPRXGET=2,0,1460\r');
    await d.expect(/\+CIPRXGET: 2,0,1460,0\r\n/);
    await d.readExact(1460);
    await d.expect('\r\nOK\r\n');
    const ms = performance.now() - t0;
    const bytes = 'AT+CIPRXGET=2,0,1460\r'.length + '\r\n+CIPRXGET: 2,0,1460,0\r\n'.length + 1460 + 6;
    const rate = (bytes / ms) * 1000;
    console.log(`# 115200 baud: ${bytes} bytes in ${ms.toFixed(1)} ms = ${(rate / 1000).toFixed(2)} kB/s (8N1 limit 11.52 kB/s)`);
    assert.ok(rate > 8000 && rate < 11600, `rate ${rate}`);
    assert.equal(d.modem.stats().overruns, 0);
  });

  test('rxFifo: bytes beyond the FIFO are lost and counted when the device does not read', async (t) => {
    const d = device(t, { kind: 'sim800', rxFifo: 64 });
    await d.expect('SMS Ready\r\n');
    d.paused = true;
    d.send('AT+GMR\r'); // echo (7) + revision line + OK
    await sleep(100);
    d.paused = false;
    d.pull();
    const s = d.modem.stats();
    const total = 'AT+GMR\r'.length + '\r\nRevision:1418B04SIM800L24\r\n\r\nOK\r\n'.length;
    assert.equal(s.overruns, 0, 'fits in 64 bytes');
    d.consumed();
    d.paused = true;
    d.send('AT+CIPSTATUS\rAT+CIPSTATUS\rAT+CIPSTATUS\r');
    await sleep(150);
    d.paused = false;
    d.pull();
    const got = d.text();
    const s2 = d.modem.stats();
    assert.equal(got.length, 64, 'the FIFO kept its first 64 bytes');
    assert.ok(s2.overruns > 0, 'overruns counted');
    assert.equal(s2.bytesToDevice - s.bytesToDevice, 64 + s2.overruns);
    void total;
  });

  test('AT+IPR switches the modem rate after its OK; a device left at the old rate reads garbage', async (t) => {
    const d = device(t, { kind: 'sim800' });
    await d.expect('SMS Ready\r\n');
    await d.cmd('ATE0');
    assert.equal(await d.cmd('AT+IPR=9600'), '\r\nOK\r\n');
    await sleep(20);
    d.consumed();
    d.send('AT\r');
    await sleep(100);
    assert.ok(!d.text().includes('OK'), 'rates differ: no clean answer');
    d.modem.setBaud(9600);
    d.consumed();
    const t0 = performance.now();
    assert.equal(await d.cmd('AT+CPIN?'), '\r\n+CPIN: READY\r\n\r\nOK\r\n');
    const ms = performance.now() - t0;
    // 10 bytes out + 22 back at 960 B/s ≈ 33 ms
    assert.ok(ms > 28, `9600 baud is slow: ${ms} ms`);
  });

  test('autobaud: silent (no RDY) until the first AT', async (t) => {
    const d = device(t, { kind: 'sim800', autobaud: true });
    await sleep(150);
    assert.equal(d.text(), '\x00IIII\xff\xff\xff\xff', 'only the power-on garbage');
    d.consumed();
    d.send('xyz\r');
    await sleep(30);
    assert.equal(d.text(), '', 'not understood before sync');
    assert.equal(await d.cmd('AT'), 'AT\r\r\nOK\r\n');
  });
});

describe('SIM800 faults', () => {
  async function connected(t: Parameters<typeof device>[0], stormMs = 1500) {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'sim800', seed: 7, timing: { ...FAST, stormMs } });
    await simBringUp(d);
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`);
    await d.expect('0, CONNECT OK\r\n');
    d.consumed();
    return { d, echo };
  }

  test('drop: "0, CLOSED"', async (t) => {
    const { d } = await connected(t);
    d.modem.fault('drop');
    assert.equal(await d.expect('0, CLOSED\r\n'), '\r\n0, CLOSED\r\n');
  });

  test('pdp-deact: +PDP: DEACT, STATE: PDP DEACT, CIPSTART fails until CIPSHUT', async (t) => {
    const { d, echo } = await connected(t);
    d.modem.fault('pdp-deact');
    assert.equal(await d.expect('+PDP: DEACT\r\n'), '\r\n+PDP: DEACT\r\n');
    d.send('AT+CIPSTATUS\r');
    assert.match(await d.expect(/C: 5[^\r]*\r\n/), /^\r\nOK\r\n\r\nSTATE: PDP DEACT\r\n/);
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+CIPSEND=0,1'), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+CIPSHUT', /SHUT OK\r\n/), '\r\nSHUT OK\r\n');
    assert.equal(await d.cmd('AT+CSTT="internet"'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIICR'), '\r\nOK\r\n');
  });

  test('send-fail: the next CIPSEND ends in "0, SEND FAIL" and the link closes', async (t) => {
    const { d } = await connected(t);
    d.modem.fault('send-fail');
    await d.cmd('AT+CIPSEND=0,3', /> $/);
    d.consumed();
    d.send('abc');
    assert.equal(await d.expect('0, CLOSED\r\n'), '\r\n0, SEND FAIL\r\n\r\n0, CLOSED\r\n');
  });

  /** Sends data through the echo server; returns once its +CIPRXGET: 1 came (left unread). */
  async function echoed(d: Awaited<ReturnType<typeof connected>>['d'], data: string): Promise<void> {
    await d.cmd(`AT+CIPSEND=0,${data.length}`, /> $/);
    d.consumed();
    d.send(data);
    await d.expect('+CIPRXGET: 1,0\r\n');
    await d.expect('SEND OK\r\n').catch(() => {}); // may have come before the URC
  }

  test('reset-mid-read: the next CIPRXGET=2 reply goes out 8 bytes short, no OK, then the power-on garbage and boot URCs', async (t) => {
    const { d } = await connected(t);
    const data = 'abcdefghijklmnopqrst';
    await echoed(d, data);
    d.modem.fault('reset-mid-read');
    d.consumed();
    d.send('AT+CIPRXGET=2,0,100\r');
    assert.equal(await d.expect('+CIPRXGET: 2,0,20,0\r\n'), '\r\n+CIPRXGET: 2,0,20,0\r\n');
    const rest = await d.expect('SMS Ready\r\n', 3000);
    assert.ok(rest.startsWith(data.slice(0, 12) + '\x00IIII\xff\xff\xff\xff'), JSON.stringify(rest));
    assert.ok(!rest.includes('OK\r\n') && !rest.includes(data.slice(12)), 'neither the rest of the data nor OK');
    assert.ok(rest.includes('\r\nRDY\r\n'), 'then the module restarts');
    assert.equal(await d.cmd('AT'), 'AT\r\r\nOK\r\n', 'echo is back on: state lost');
  });

  test('reset-after-read: the CIPRXGET=2 reply whole, then the restart instead of its OK', async (t) => {
    const { d } = await connected(t);
    await echoed(d, 'abcdefghijklmnopqrst');
    d.modem.fault('reset-after-read');
    d.consumed();
    d.send('AT+CIPRXGET=2,0,100\r');
    const rest = await d.expect('SMS Ready\r\n', 3000);
    assert.ok(rest.startsWith('\r\n+CIPRXGET: 2,0,20,0\r\nabcdefghijklmnopqrst\x00IIII'), JSON.stringify(rest));
    assert.ok(!rest.includes('OK\r\n'), 'no OK');
  });

  test('reset-mid-read in push mode: +RECEIVE,n,len: cut 8 bytes short, then the restart', async (t) => {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'sim800', seed: 7, timing: FAST });
    await simBringUp(d, { rxget: 0 });
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`);
    await d.expect('0, CONNECT OK\r\n');
    d.modem.fault('reset-mid-read');
    await d.cmd('AT+CIPSEND=0,20', /> $/);
    d.consumed();
    d.send('abcdefghijklmnopqrst');
    await d.expect('+RECEIVE,0,20:\r\n');
    const rest = await d.expect('SMS Ready\r\n', 3000);
    assert.ok(rest.startsWith('abcdefghijkl\x00IIII'), JSON.stringify(rest));
  });

  test('reboot: boot URCs, state lost, echo back on', async (t) => {
    const { d } = await connected(t);
    d.modem.fault('reboot');
    const boot = await d.expect('SMS Ready\r\n');
    assert.ok(boot.endsWith('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n'), JSON.stringify(boot));
    assert.equal(await d.cmd('AT'), 'AT\r\r\nOK\r\n', 'echo is back on');
    d.send('AT+CIPSTATUS\r');
    assert.equal(await d.expect(/STATE: [A-Z ]+\r\n/), 'AT+CIPSTATUS\r\r\nOK\r\n\r\nSTATE: IP INITIAL\r\n');
  });

  test('garbage: random bytes toward the device, the same for the same seed', async (t) => {
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const d = device(t, { kind: 'sim900', seed: 42 });
      await d.expect('SMS Ready\r\n');
      d.consumed();
      d.modem.fault('garbage');
      await sleep(30);
      runs.push(d.text());
      assert.ok(d.text().length >= 8);
    }
    assert.equal(runs[0], runs[1]);
  });

  test('hang: silent until power cycled with PWRKEY (toggle: off, then on); RESET restarts', async (t) => {
    const { d } = await connected(t);
    d.modem.fault('hang');
    d.send('AT\r');
    await sleep(100);
    assert.equal(d.text(), '', 'no echo, no answer');
    d.modem.gpio(4, 0);
    await sleep(300);
    d.modem.gpio(4, 1);
    await sleep(50);
    assert.equal(d.text(), '', 'a 0.3 s pulse does nothing');
    // SIM800 Hardware Design V1.10: >= 1 s switches on, >= 1.5 s switches off
    d.modem.gpio(4, 0);
    await sleep(1050);
    d.modem.gpio(4, 1); // too short to switch a running module off
    await sleep(50);
    d.modem.gpio(4, 0);
    await sleep(1550);
    d.modem.gpio(4, 1); // powers the hung module off
    await sleep(100);
    d.send('AT\r');
    await sleep(50);
    assert.equal(d.text(), '', 'off now');
    d.modem.gpio(4, 0);
    await sleep(1050);
    d.modem.gpio(4, 1); // and on again
    await d.expect('SMS Ready\r\n');
    assert.equal(await d.cmd('AT'), 'AT\r\r\nOK\r\n');
    // a powered module: 1.05 s does nothing, 1.55 s is a normal power down
    d.modem.gpio(4, 0);
    await sleep(1050);
    d.modem.gpio(4, 1);
    await sleep(50);
    assert.equal(d.text(), '', 'a 1.05 s pulse leaves a running SIM800 on');
    d.modem.gpio(4, 0);
    await sleep(1550);
    d.modem.gpio(4, 1);
    assert.equal(await d.expect('NORMAL POWER DOWN\r\n'), '\r\nNORMAL POWER DOWN\r\n');
    // RESET: held LOW = off; HIGH restarts only a powered module
    d.modem.gpio(5, 0);
    d.modem.gpio(5, 1);
    await sleep(100);
    assert.equal(d.text(), '', 'RESET does not power on a module that is off');
    d.modem.gpio(4, 0);
    await sleep(1050);
    d.modem.gpio(4, 1);
    await d.expect('SMS Ready\r\n');
    d.modem.fault('hang');
    d.modem.gpio(5, 0);
    await sleep(20);
    d.modem.gpio(5, 1);
    const boot = await d.expect('SMS Ready\r\n');
    assert.match(boot, /RDY/);
  });

  test('slow: responses come after slowFactor × the manual max time', async (t) => {
    const d = device(t, { kind: 'sim800', slowFactor: 0.01 });
    await d.expect('SMS Ready\r\n');
    await d.cmd('ATE0');
    await sleep(50);
    d.modem.fault('slow');
    let t0 = performance.now();
    await d.cmd('AT+CSTT="internet"');
    let ms = performance.now() - t0;
    assert.ok(ms >= 9 && ms < 200, `1 s default × 0.01: ${ms}`);
    t0 = performance.now();
    assert.equal(await d.cmd('AT+CIICR'), '\r\nOK\r\n');
    ms = performance.now() - t0;
    assert.ok(ms >= 850 + 30, `85 s × 0.01 + CIICR time: ${ms}`);
    d.modem.fault('clear');
    t0 = performance.now();
    await d.cmd('AT');
    ms = performance.now() - t0;
    assert.ok(ms < 50, `back to normal: ${ms}`);
  });

  test('urc-storm: URCs inside the echo, between response lines and between > and SEND OK; data intact', async (t) => {
    const { d } = await connected(t, 20000);
    await d.cmd('ATE1');
    d.modem.fault('urc-storm');
    const urc = /\r\n(RING|DST: 0|\*PSUTTZ: [^\r]*|\+CTZV: [^\r]*|\+CMTI: [^\r]*|\+CIPRXGET: 1,0)\r\n/g;
    let inEcho = 0;
    let afterPrompt = 0;
    let inReply = 0;
    const rounds = 12;
    for (let i = 0; i < rounds; i++) {
      const payload = `msg-${i}-` + 'x'.repeat(i * 10);
      const cmd = `AT+CIPSEND=0,${payload.length}`;
      d.send(cmd + '\r');
      const upToPrompt = await d.expect(/\r\n> /);
      assert.equal(upToPrompt.replace(urc, ''), cmd + '\r\r\n> ', JSON.stringify(upToPrompt));
      const echoed = upToPrompt.slice(0, upToPrompt.lastIndexOf(cmd.slice(-3)));
      if (echoed.startsWith('AT') && urc.test(echoed)) inEcho++;
      urc.lastIndex = 0;
      d.send(payload);
      const rest = await d.expect('0, SEND OK\r\n');
      // the data is echoed (ATE1); the echo server's answer may be announced in between
      assert.equal(rest.replace(urc, ''), payload + '\r\n0, SEND OK\r\n', JSON.stringify(rest));
      if (/^\r\n[^\r]+\r\n/.test(rest)) afterPrompt++;
      // read the echo server's answer back through the storm
      let got = '';
      for (let k = 0; k < 20 && got.length < payload.length; k++) {
        await sleep(10);
        d.send('AT+CIPRXGET=2,0,1460\r');
        const h = await d.expect(/\+CIPRXGET: 2,0,\d+,\d+\r\n/);
        const n = Number(/\+CIPRXGET: 2,0,(\d+)/.exec(h)![1]);
        if (h.replace(urc, '') !== h) inReply++;
        got += (await d.readExact(n)).toString('latin1');
        await d.expect('\r\nOK\r\n');
      }
      assert.equal(got, payload);
    }
    console.log(`# storm over ${rounds} sends: URC inside the echo ${inEcho}, right after > ${afterPrompt}, before a read reply ${inReply}`);
    assert.equal(afterPrompt, rounds, 'a storm always puts a URC between > and the send result');
    assert.ok(inEcho > 0, 'some URCs land inside the echo');
  });
});

void FAST;
