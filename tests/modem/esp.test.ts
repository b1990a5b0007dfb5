// ESP8266 AT emulator: boot, Wi-Fi join (good, wrong password, unknown
// SSID, busy), MQTT through passive (CIPRECVDATA) and active (+IPD) receive
// over a bridged TCP connection to aedes, and every fault.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '../../sim/broker.ts';
import { traceLog } from '../../sim/modem/trace.ts';
import {
  FAST, device, espBringUp, mqttConnect, mqttParse, mqttPublish, mqttSubscribe, sleep, startEcho, closedPort,
  type ModemDevice,
} from '../helpers/modem-device.ts';

/** CIPSEND + data; returns the text up to SEND OK / FAIL and leaves the cursor before it (a +IPD may come first). */
async function sendData(d: ModemDevice, id: number, data: Buffer | string): Promise<string> {
  const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  assert.equal(await d.cmd(`AT+CIPSEND=${id},${b.length}`, /\r\n>/), '\r\nOK\r\n\r\n>');
  d.consumed();
  const mark = d.cursor;
  d.send(b);
  const text = await d.expect(/\r\nSEND (OK|FAIL)\r\n/);
  d.cursor = mark;
  return text;
}

/** Removes passive-mode +IPD notifications. */
const noIpd = (s: string): string => s.replace(/\r\n\+IPD,\d+,\d+\r\n/g, '');

describe('ESP8266 boot and Wi-Fi', () => {
  test('boot noise then ready; echo on; lines end at CR LF; factory SoftAP mode refuses CWJAP', async (t) => {
    const d = device(t, { kind: 'esp-at' });
    const boot = await d.expect('\r\nready\r\n');
    assert.ok(boot.length > 40, 'ROM boot log noise first');
    d.consumed();
    d.send('AT\r');
    await sleep(50);
    assert.equal(d.text(), 'AT\r', 'echoed, but a lone CR does not end the line');
    d.send('\n');
    assert.equal(await d.expect('OK\r\n'), 'AT\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('ATE0'), 'ATE0\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CWMODE?'), '\r\n+CWMODE:2\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CWJAP="atmqtt-wifi","atmqtt-pass"'), '\r\nERROR\r\n', 'no station in mode 2');
    assert.equal(await d.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",1883'), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+BOGUS'), '\r\nERROR\r\n');
    const rst = await d.cmd('AT+RST', /ready\r\n/);
    assert.ok(rst.startsWith('\r\nOK\r\n') && rst.endsWith('\r\nready\r\n') && rst.length > 40, JSON.stringify(rst));
    await d.cmd('ATE0');
    assert.match(await d.cmd('AT+CWMODE?'), /\+CWMODE:2/, 'mode is kept in flash');
  });

  test('CWJAP: wrong password +CWJAP:2 FAIL, unknown SSID +CWJAP:3 FAIL, busy p... meanwhile, then joined', async (t) => {
    const d = device(t, { kind: 'esp-at', ssid: 'home', wifiPassword: 'secret', timing: { ...FAST, cwjapMs: 400 } });
    await d.expect('ready\r\n');
    await d.cmd('ATE0');
    await d.cmd('AT+CWMODE=1');
    assert.equal(await d.cmd('AT+CWJAP="home","wrong"'), '\r\n+CWJAP:2\r\n\r\nFAIL\r\n');
    assert.equal(await d.cmd('AT+CWJAP="other","secret"'), '\r\n+CWJAP:3\r\n\r\nFAIL\r\n');
    d.consumed();
    d.send('AT+CWJAP="home","secret"\r\n');
    await sleep(10);
    d.send('AT\r\n');
    const out = await d.expect('\r\nOK\r\n');
    assert.equal(out, '\r\nbusy p...\r\n\r\nWIFI CONNECTED\r\n\r\nWIFI GOT IP\r\n\r\nOK\r\n');
    await sleep(30);
    assert.equal(d.text(), '', 'the AT sent while busy was discarded');
    assert.match(await d.cmd('AT+CWJAP?'), /\+CWJAP:"home"/);
    assert.match(await d.cmd('AT+CIFSR'), /^\r\n\+CIFSR:STAIP,"192\.168\.4\.\d+"\r\n\+CIFSR:STAMAC,"[0-9a-f:]+"\r\n\r\nOK\r\n$/);
  });
});

describe('ESP8266 MQTT over a bridged TCP connection', () => {
  test('passive mode: +IPD,id,len then CIPRECVDATA; CIPRECVLEN?; ALREADY CONNECTED; CIPCLOSE', async (t) => {
    const broker = await startBroker(0, 0);
    t.after(() => broker.close());
    const d = device(t, { kind: 'esp-at' });
    await espBringUp(d, { passive: true });
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${broker.port}`), '\r\n0,CONNECT\r\n\r\nOK\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${broker.port}`), '\r\nALREADY CONNECTED\r\n\r\nERROR\r\n');
    const c = mqttConnect('esp-passive');
    assert.equal(noIpd(await sendData(d, 0, c)), `\r\nRecv ${c.length} bytes\r\n\r\nSEND OK\r\n`);
    assert.match(await d.expect('+IPD,0,4\r\n'), /\r\n\+IPD,0,4\r\n$/);
    assert.equal(await d.cmd('AT+CIPRECVLEN?'), '\r\n+CIPRECVLEN:4,,,,\r\n\r\nOK\r\n');
    d.consumed();
    d.send('AT+CIPRECVDATA=0,100\r\n');
    assert.equal(await d.expect('+CIPRECVDATA:4,'), '\r\n+CIPRECVDATA:4,');
    const connack = await d.readExact(4);
    assert.equal(await d.expect('\r\nOK\r\n'), '\r\nOK\r\n');
    assert.equal(mqttParse(connack)[0]?.cmd, 'connack');
    assert.equal(await d.cmd('AT+CIPRECVDATA=0,100'), '\r\nERROR\r\n', 'nothing left');

    await sendData(d, 0, mqttSubscribe('esp/t', 1, 1));
    await d.expect(/\+IPD,0,\d+\r\n/);
    await d.cmd('AT+CIPRECVDATA=0,2048');
    const body = Buffer.alloc(1800, 0x33);
    await sendData(d, 0, mqttPublish('esp/t', body, 1, 2));
    await d.expect(/\+IPD,0,\d+\r\n/);
    await sleep(50);
    const got: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      d.consumed();
      d.send('AT+CIPRECVDATA=0,700\r\n');
      const h = await d.expect(/\r\n(\+CIPRECVDATA:\d+,|ERROR\r\n)/);
      if (h.includes('ERROR')) break;
      const n = Number(/CIPRECVDATA:(\d+),/.exec(h)![1]);
      assert.ok(n <= 700);
      got.push(await d.readExact(n));
      await d.expect('\r\nOK\r\n');
    }
    const packets = mqttParse(Buffer.concat(got));
    assert.deepEqual(packets.map((p) => p.cmd).sort(), ['puback', 'publish']);
    assert.deepEqual((packets.find((p) => p.cmd === 'publish') as { payload: Buffer }).payload, body);
    assert.equal(await d.cmd('AT+CIPCLOSE=0'), '\r\n0,CLOSED\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPCLOSE=0'), '\r\nERROR\r\n');
    assert.equal(d.modem.stats().connects, 1);
  });

  test('active mode: +IPD,id,len:data pushed, in bursts of at most 2920 bytes', async (t) => {
    const broker = await startBroker(0, 0);
    t.after(() => broker.close());
    const d = device(t, { kind: 'esp-at', log: process.env.TRACE ? traceLog((l) => console.log(l)) : undefined });
    await espBringUp(d);
    await d.cmd(`AT+CIPSTART=1,"TCP","127.0.0.1",${broker.port}`);
    await sendData(d, 1, mqttConnect('esp-active'));
    const ipd = await d.expect(/\+IPD,1,4:[\s\S]{4}/);
    assert.ok(ipd.endsWith('\r\n+IPD,1,4:\x20\x02\x00\x00'), JSON.stringify(ipd));
    await sendData(d, 1, mqttSubscribe('esp/big', 0, 1));
    await d.expect(/\+IPD,1,5:[\s\S]{5}/);
    const big = Buffer.alloc(6000, 0x61);
    const pub = mqttPublish('esp/big', big, 0);
    d.consumed();
    const start = d.cursor;
    for (let o = 0; o < pub.length; o += 2048) {
      const sent = await sendData(d, 1, pub.subarray(o, o + 2048)); // at most 2048 bytes a CIPSEND
      assert.match(sent, /SEND OK\r\n$/);
    }
    // the broker sends it back as +IPD bursts, which may land between the CIPSEND replies
    const total = pub.length;
    const bursts: number[] = [];
    const chunks: Buffer[] = [];
    let have = 0;
    let pos = start;
    while (have < total) {
      const at = pos;
      const [hAt, n] = await d.waitFor((): [number, number] | null => {
        const tail = d.rx.subarray(at).toString('latin1');
        const m = /\+IPD,1,(\d+):/.exec(tail);
        if (!m) return null;
        const end = at + m.index + m[0].length + Number(m[1]);
        return d.rx.length >= end ? [at + m.index + m[0].length, Number(m[1])] : null;
      }, 3000, '+IPD burst');
      bursts.push(n);
      chunks.push(Buffer.from(d.rx.subarray(hAt, hAt + n)));
      have += n;
      pos = hAt + n;
    }
    assert.ok(bursts.every((n) => n <= 2920), bursts.join(','));
    assert.equal(have, total);
    const p = mqttParse(Buffer.concat(chunks));
    assert.deepEqual((p[0] as { payload: Buffer }).payload, big);
    console.log(`# active +IPD bursts: ${bursts.join(', ')}`);
  });

  test('active bursts overrun a 64-byte RX FIFO that is drained only every 20 ms', async (t) => {
    const server = await startEcho(t, (s) => s.on('data', () => setTimeout(() => s.write(Buffer.alloc(2920, 0x55)), 100)));
    const d = device(t, { kind: 'esp-at', rxFifo: 64 });
    await espBringUp(d);
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${server.port}`);
    await sendData(d, 0, 'go');
    const before = d.modem.stats();
    assert.equal(before.overruns, 0, 'a device that reads on every notification keeps up');
    d.paused = true; // a firmware busy elsewhere
    const timer = setInterval(() => d.pull(64), 20);
    t.after(() => clearInterval(timer));
    await sleep(500);
    clearInterval(timer);
    const s = d.modem.stats();
    const burst = s.bytesToDevice - before.bytesToDevice;
    console.log(`# 64-byte FIFO drained every 20 ms: ${s.overruns} of ${burst} burst bytes lost`);
    assert.ok(burst >= 2920);
    assert.ok(s.overruns > 1500, `overruns ${s.overruns}`);
  });

  test('passive mode holds CLOSED back until the data is read', async (t) => {
    const server = await startEcho(t, (s) => s.on('data', () => s.end('bye')));
    const d = device(t, { kind: 'esp-at' });
    await espBringUp(d, { passive: true });
    await d.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",${server.port}`);
    await sendData(d, 2, 'hi');
    await d.expect('+IPD,2,3\r\n');
    await sleep(100);
    assert.ok(!d.text(0).includes('2,CLOSED'), 'no CLOSED while data waits');
    assert.equal(await d.cmd('AT+CIPRECVDATA=2,2'), '\r\n+CIPRECVDATA:2,by\r\nOK\r\n');
    await sleep(30);
    assert.ok(!d.text(0).includes('2,CLOSED'));
    assert.equal(await d.cmd('AT+CIPRECVDATA=2,2', /CLOSED\r\n/), '\r\n+CIPRECVDATA:1,e\r\nOK\r\n\r\n2,CLOSED\r\n');
  });

  test('CIPSTART to a refused port: ERROR then CLOSED; CIPSEND limits', async (t) => {
    const refused = await closedPort();
    const echo = await startEcho(t);
    const d = device(t, { kind: 'esp-at' });
    await espBringUp(d);
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${refused}`, /CLOSED\r\n/), '\r\nERROR\r\n\r\n0,CLOSED\r\n');
    assert.equal(await d.cmd('AT+CIPSEND=0,5'), '\r\nlink is not valid\r\n\r\nERROR\r\n');
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`);
    assert.equal(await d.cmd('AT+CIPSEND=0,2049'), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+CIPMUX=0'), '\r\nlink is builded\r\n\r\nERROR\r\n');
  });
});

describe('ESP8266 faults', () => {
  async function connected(t: Parameters<typeof device>[0], passive = false, stormMs = 1500) {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'esp-at', seed: 3, timing: { ...FAST, stormMs } });
    await espBringUp(d, { passive });
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`);
    d.consumed();
    return { d, echo };
  }

  test('reset-mid-read, passive: the CIPRECVDATA reply 8 bytes short, no OK, then boot noise and ready', async (t) => {
    const { d } = await connected(t, true);
    await sendData(d, 0, 'abcdefghijklmnopqrst');
    await d.expect('+IPD,0,20\r\n');
    d.modem.fault('reset-mid-read');
    d.consumed();
    d.send('AT+CIPRECVDATA=0,100\r\n');
    assert.equal(await d.expect('+CIPRECVDATA:20,'), '\r\n+CIPRECVDATA:20,');
    assert.equal((await d.readExact(12)).toString('latin1'), 'abcdefghijkl');
    const rest = await d.expect('\r\nready\r\n', 3000);
    assert.ok(rest.length > 40 && !rest.includes('mnopqrst') && !rest.includes('OK\r\n'), JSON.stringify(rest));
    assert.equal(await d.cmd('AT'), 'AT\r\n\r\nOK\r\n', 'echo is back on: state lost');
  });

  test('reset-after-read, passive: the CIPRECVDATA reply whole, then the restart instead of its OK', async (t) => {
    const { d } = await connected(t, true);
    await sendData(d, 0, 'abcdefghijklmnopqrst');
    await d.expect('+IPD,0,20\r\n');
    d.modem.fault('reset-after-read');
    d.consumed();
    d.send('AT+CIPRECVDATA=0,100\r\n');
    const all = await d.expect('\r\nready\r\n', 3000);
    assert.ok(all.startsWith('\r\n+CIPRECVDATA:20,abcdefghijklmnopqrst') && !all.includes('OK\r\n'), JSON.stringify(all));
  });

  test('reset-mid-read, active: the +IPD burst 8 bytes short, then the restart; noPassive refuses CIPRECVMODE', async (t) => {
    const echo = await startEcho(t);
    const d = device(t, { kind: 'esp-at', seed: 3, timing: FAST, noPassive: true });
    await espBringUp(d);
    assert.equal(await d.cmd('AT+CIPRECVMODE=1'), '\r\nERROR\r\n', 'a firmware without passive receive');
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`);
    d.modem.fault('reset-mid-read');
    await d.cmd('AT+CIPSEND=0,20', /\r\n>/);
    d.consumed();
    d.send('abcdefghijklmnopqrst');
    await d.expect('+IPD,0,20:'); // the echo, pushed (here before SEND OK, which never comes)
    assert.equal((await d.readExact(12)).toString('latin1'), 'abcdefghijkl');
    const rest = await d.expect('\r\nready\r\n', 3000);
    assert.ok(!rest.includes('mnopqrst'), JSON.stringify(rest));
  });

  test('pdp-deact: WIFI DISCONNECT, links CLOSED, then the station reconnects by itself', async (t) => {
    const { d } = await connected(t);
    d.modem.fault('pdp-deact');
    assert.equal(await d.expect('0,CLOSED\r\n'), '\r\nWIFI DISCONNECT\r\n\r\n0,CLOSED\r\n');
    assert.equal(await d.cmd('AT+CIPSTART=0,"TCP","127.0.0.1",1'), '\r\nERROR\r\n');
    assert.equal(await d.expect('WIFI GOT IP\r\n', 2000), '\r\nWIFI CONNECTED\r\n\r\nWIFI GOT IP\r\n');
  });

  test('drop and send-fail', async (t) => {
    const { d, echo } = await connected(t);
    d.modem.fault('drop');
    assert.equal(await d.expect('0,CLOSED\r\n'), '\r\n0,CLOSED\r\n');
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${echo.port}`);
    d.modem.fault('send-fail');
    assert.equal(await d.cmd('AT+CIPSEND=0,2', /\r\n>/), '\r\nOK\r\n\r\n>');
    d.consumed();
    d.send('xy');
    assert.equal(await d.expect('0,CLOSED\r\n'), '\r\nRecv 2 bytes\r\n\r\nSEND FAIL\r\n\r\n0,CLOSED\r\n');
  });

  test('reboot prints noise and ready, echo back on; hang is silent until RESET', async (t) => {
    const { d } = await connected(t);
    d.modem.fault('reboot');
    await d.expect('\r\nready\r\n');
    assert.equal(await d.cmd('AT'), 'AT\r\n\r\nOK\r\n');
    assert.match(await d.cmd('AT+CIPSTATUS'), /STATUS:5/, 'Wi-Fi state lost');
    d.modem.fault('hang');
    d.send('AT\r\n');
    d.modem.gpio(4, 0); // no PWRKEY on an ESP
    await sleep(1100);
    d.modem.gpio(4, 1);
    await sleep(50);
    assert.equal(d.text(), '');
    d.modem.gpio(5, 0);
    d.modem.gpio(5, 1); // a glitch shorter than the reset minimum does nothing
    await sleep(50);
    assert.equal(d.text(), '', 'still hung');
    d.modem.gpio(5, 0);
    await sleep(5);
    d.modem.gpio(5, 1);
    await d.expect('\r\nready\r\n');
    assert.equal(await d.cmd('AT'), 'AT\r\n\r\nOK\r\n');
  });

  test('urc-storm (passive): +IPD and WIFI GOT IP inside echo and replies, between > and SEND OK', async (t) => {
    const { d } = await connected(t, true, 20000);
    await d.cmd('ATE1');
    d.modem.fault('urc-storm');
    const urc = /\r\n(WIFI GOT IP|\+IPD,0,\d+)\r\n/g;
    let afterPrompt = 0;
    for (let i = 0; i < 8; i++) {
      const payload = `esp-${i}-` + 'y'.repeat(i * 20);
      const cmd = `AT+CIPSEND=0,${payload.length}`;
      d.send(cmd + '\r\n');
      const upToPrompt = await d.expect(/\r\nOK\r\n(\r\n[^\r]+\r\n)?\r\n>/);
      assert.equal(upToPrompt.replace(urc, ''), cmd + '\r\n\r\nOK\r\n\r\n>', JSON.stringify(upToPrompt));
      d.send(payload);
      const rest = await d.expect('\r\nSEND OK\r\n');
      if (/^\r\n(WIFI GOT IP|\+IPD)/.test(rest)) afterPrompt++;
      assert.equal(rest.replace(urc, ''), `\r\nRecv ${payload.length} bytes\r\n\r\nSEND OK\r\n`, JSON.stringify(rest));
      let got = '';
      for (let k = 0; k < 20 && got.length < payload.length; k++) {
        await sleep(10);
        d.send('AT+CIPRECVDATA=0,2048\r\n');
        const h = await d.expect(/\r\n(\+CIPRECVDATA:\d+,|ERROR\r\n)/);
        if (h.endsWith('ERROR\r\n')) continue;
        const n = Number(/CIPRECVDATA:(\d+),/.exec(h)![1]);
        got += (await d.readExact(n)).toString('latin1');
        await d.expect('\r\nOK\r\n');
      }
      assert.equal(got, payload);
    }
    assert.equal(afterPrompt, 8);
  });

  test('slow: CWJAP takes slowFactor × 15 s longer; clear ends it', async (t) => {
    const d = device(t, { kind: 'esp-at', slowFactor: 0.02 });
    await d.expect('ready\r\n');
    await d.cmd('ATE0');
    await d.cmd('AT+CWMODE=1');
    d.modem.fault('slow');
    const t0 = performance.now();
    d.consumed();
    d.send('AT+CWJAP="atmqtt-wifi","atmqtt-pass"\r\n');
    await sleep(100);
    d.send('AT\r\n');
    await d.expect('WIFI GOT IP\r\n\r\nOK\r\n', 3000);
    const ms = performance.now() - t0;
    assert.ok(ms >= 300 + 60, `0.02 × 15 s + join time: ${ms}`);
    assert.ok(d.text(0).includes('busy p...'), 'busy while the delayed command runs');
    d.modem.fault('clear');
    const t1 = performance.now();
    await d.cmd('AT');
    assert.ok(performance.now() - t1 < 50);
  });

  test('unknown fault names throw', (t) => {
    const d = device(t, { kind: 'esp-at' });
    assert.throws(() => d.modem.fault('explode'), /unknown modem fault "explode"/);
  });
});
