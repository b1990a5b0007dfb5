// The Quectel BG96 emulator driven with raw AT over its UART: boot URCs,
// LTE-M registration (CEREG), QICSGP / QIACT, QIOPEN with +QIOPEN, QISEND
// with SEND OK, +QIURC: "recv" then QIRD, +QIURC: "closed" and
// "pdpdeact", the faults, SSL through QSSLOPEN / QSSLSEND / QSSLRECV, and
// PWRKEY pulses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closedPort, device, sleep, startEcho, type ModemDevice } from '../helpers/modem-device.ts';
import { tlsCerts } from '../helpers/tls-certs.ts';
import { TLS_HANDSHAKE, startWatchedTls } from '../helpers/tls-modem.ts';
import { PIN_PWRKEY, type ModemTiming } from '../../sim/modem/index.ts';
import { BG96_TIMING } from '../../sim/modem/bg96.ts';

const FAST_LTE: Partial<ModemTiming> = { lteRdyMs: 20, lteCpinMs: 25, lteDoneMs: 40, lteRegisterMs: 60, pdpActMs: 20, pdpDeactMs: 10, lteSendMs: 5, connectMs: 5, stormMs: 1000 };
const certs = tlsCerts();

async function pdpUp(d: ModemDevice): Promise<void> {
  await d.seen('APP RDY', 0, 3000);
  for (const c of ['ATE0', 'AT+CMEE=2']) assert.match(await d.cmd(c), /OK\r\n$/, c);
  for (let i = 0; i < 50 && !(await d.cmd('AT+CEREG?')).includes('+CEREG: 0,1'); i++) await sleep(20);
  assert.equal(await d.cmd('AT+QICSGP=1,1,"internet","","",1'), '\r\nOK\r\n');
  assert.equal(await d.cmd('AT+QIACT=1', /OK\r\n|ERROR\r\n/, 3000), '\r\nOK\r\n');
}

async function open(d: ModemDevice, id: number, port: number): Promise<string> {
  return d.cmd(`AT+QIOPEN=1,${id},"TCP","127.0.0.1",${port},0,0`, /\+QIOPEN: \d+,\d+\r\n|ERROR\r\n/, 5000);
}

async function send(d: ModemDevice, cmd: string, id: number, data: string): Promise<string> {
  assert.match(await d.cmd(`AT+${cmd}=${id},${data.length}`, /\r\n> /), /\r\n> $/);
  d.consumed();
  d.send(data);
  // the echo may already be back: a "recv" URC can come before SEND OK
  const r = await d.expect(/SEND OK\r\n|SEND FAIL\r\n|ERROR\r\n/);
  return `\r\n${/(SEND OK|SEND FAIL|ERROR)\r\n$/.exec(r)![1]}\r\n`;
}

/** QIRD / QSSLRECV: exactly n bytes follow `+QIRD: n` (URCs may come before the OK). */
async function read(d: ModemDevice, cmd: string, id: number, n: number): Promise<string> {
  const r = await d.cmd(`AT+${cmd}=${id},${n}`, /\r\nOK\r\n|ERROR\r\n/);
  const m = new RegExp(`\\+${cmd}: (\\d+)\\r\\n`).exec(r);
  if (!m) throw new Error(`${cmd} → ${JSON.stringify(r)}`);
  const start = m.index + m[0].length;
  return r.slice(start, start + Number(m[1]));
}

describe('BG96 emulator', () => {
  test('boot: RDY, +CFUN: 1, +CPIN: READY, +QUSIM: 1, +QIND: SMS DONE, APP RDY; not registered on CEREG until the LTE-M delay has passed', async (t) => {
    assert.ok(BG96_TIMING.lteRegisterMs >= 2000, 'LTE-M registration takes seconds by default');
    const d = device(t, { kind: 'bg96', timing: { ...FAST_LTE, lteRegisterMs: 400 } });
    await d.seen('APP RDY', 0, 2000);
    assert.match(d.text(0), /RDY\r\n[\s\S]*\+CFUN: 1\r\n\r\n\+CPIN: READY\r\n\r\n\+QUSIM: 1\r\n[\s\S]*\+QIND: SMS DONE\r\n\r\nAPP RDY\r\n/);
    assert.match(await d.cmd('ATE0'), /OK\r\n$/);
    assert.equal(await d.cmd('AT+CEREG?'), '\r\n+CEREG: 0,2\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+QICSGP=1,1,"internet","","",1'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+QIACT=1'), '\r\nERROR\r\n', 'no PDP context before registration');
    await sleep(450);
    assert.equal(await d.cmd('AT+CEREG?'), '\r\n+CEREG: 0,1\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+QIACT=1'), '\r\nOK\r\n');
    assert.match(await d.cmd('AT+QIACT?'), /^\r\n\+QIACT: 1,1,1,"10\.\d+\.\d+\.\d+"\r\n\r\nOK\r\n$/);
    assert.equal(await d.cmd('AT+QIACT=1'), '\r\nERROR\r\n', 'already active');
  });

  test('QIOPEN → +QIOPEN: id,0; QISEND → SEND OK; +QIURC: "recv",id then QIRD; QIRD=id,0 totals; peer close → +QIURC: "closed",id with the data still readable', async (t) => {
    const srv = await startEcho(t);
    const d = device(t, { kind: 'bg96', timing: FAST_LTE });
    await pdpUp(d);
    assert.equal(await open(d, 2, srv.port), '\r\nOK\r\n\r\n+QIOPEN: 2,0\r\n');
    assert.equal(await open(d, 2, srv.port), '\r\nOK\r\n\r\n+QIOPEN: 2,563\r\n', 'the id is in use');
    const at = d.rx.length;
    assert.equal(await send(d, 'QISEND', 2, 'hello bg96'), '\r\nSEND OK\r\n');
    await d.seen('+QIURC: "recv",2\r\n', at);
    assert.equal(await d.cmd('AT+QIRD=2,0'), '\r\n+QIRD: 10,0,10\r\n\r\nOK\r\n');
    assert.equal(await read(d, 'QIRD', 2, 5), 'hello');
    assert.equal(await read(d, 'QIRD', 2, 1500), ' bg96');
    assert.equal(await d.cmd('AT+QIRD=2,1500'), '\r\n+QIRD: 0\r\n\r\nOK\r\n');
    assert.match(await d.cmd('AT+QISTATE=1,2'), /^\r\n\+QISTATE: 2,"TCP","127\.0\.0\.1",\d+,\d+,2,1,-1,0,"uart1"\r\n\r\nOK\r\n$/);
    const at2 = d.rx.length;
    srv.sockets[0]!.end('bye');
    await d.seen('+QIURC: "closed",2\r\n', at2, 3000);
    assert.equal(await read(d, 'QIRD', 2, 100), 'bye');
    assert.equal(await d.cmd('AT+QICLOSE=2'), '\r\nOK\r\n');
    assert.equal(await open(d, 3, await closedPort()), '\r\nOK\r\n\r\n+QIOPEN: 3,566\r\n', 'a refused connection');
  });

  test('faults: pdp-deact (+QIURC: "pdpdeact",1, then QIDEACT and QIACT), send-fail, drop, reset-after-read, urc-storm, hang until PWRKEY', async (t) => {
    const srv = await startEcho(t);
    const d = device(t, { kind: 'bg96', timing: FAST_LTE, seed: 3 });
    await pdpUp(d);
    assert.match(await open(d, 0, srv.port), /\+QIOPEN: 0,0/);
    d.consumed();
    d.modem.fault('pdp-deact');
    await d.expect('+QIURC: "pdpdeact",1\r\n');
    assert.equal(await d.cmd('AT+QISEND=0,4'), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+QIDEACT=1'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+QIACT=1'), '\r\nOK\r\n');
    assert.match(await open(d, 0, srv.port), /\+QIOPEN: 0,0/);
    d.modem.fault('send-fail');
    const at = d.rx.length;
    assert.equal(await send(d, 'QISEND', 0, 'lost'), '\r\nSEND FAIL\r\n');
    await d.seen('+QIURC: "closed",0\r\n', at);
    assert.equal(await d.cmd('AT+QICLOSE=0'), '\r\nOK\r\n');
    assert.match(await open(d, 1, srv.port), /\+QIOPEN: 1,0/);
    d.consumed();
    d.modem.fault('drop');
    await d.expect('+QIURC: "closed",1\r\n');
    assert.match(await open(d, 4, srv.port), /\+QIOPEN: 4,0/);
    d.modem.fault('urc-storm');
    for (let i = 0; i < 4; i++) {
      const s = `storm-${i}`;
      assert.equal(await send(d, 'QISEND', 4, s), '\r\nSEND OK\r\n');
      await sleep(20);
      assert.equal(await read(d, 'QIRD', 4, 100), s);
    }
    const at2 = d.rx.length;
    await send(d, 'QISEND', 4, 'whole');
    await d.seen('+QIURC: "recv",4', at2);
    d.modem.fault('clear');
    d.modem.fault('reset-after-read');
    const from = d.rx.length;
    d.consumed();
    d.send('AT+QIRD=4,100\r');
    await d.seen('\r\nRDY\r\n', from, 3000);
    assert.match(d.text(), /\+QIRD: 5\r\nwhole/);
    assert.ok(!/whole\r\nOK/.test(d.text()), 'the restart comes before the OK');
    await d.seen('APP RDY', from, 3000);
    d.modem.fault('hang');
    await sleep(30); // bytes already on the wire when it hung still arrive
    const before = d.rx.length;
    d.send('AT\r');
    await sleep(100);
    assert.equal(d.rx.length, before, 'a hung module says nothing');
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(BG96_TIMING.pwrkeyOffMs + 100);
    d.modem.gpio(PIN_PWRKEY, 1);
    await sleep(50);
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(BG96_TIMING.pwrkeyMs + 50);
    d.modem.gpio(PIN_PWRKEY, 1);
    await d.seen('RDY', before, 2000);
  });

  test('PWRKEY: too short does nothing; ≥ 500 ms powers on; ≥ 650 ms while on prints POWERED DOWN', async (t) => {
    const d = device(t, { kind: 'bg96', timing: FAST_LTE, poweredOn: false });
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(100);
    d.modem.gpio(PIN_PWRKEY, 1);
    await sleep(150);
    assert.equal(d.rx.length, 0, 'too short: still off');
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(BG96_TIMING.pwrkeyMs + 50);
    d.modem.gpio(PIN_PWRKEY, 1);
    await d.seen('APP RDY', 0, 2000);
    const from = d.rx.length;
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(BG96_TIMING.pwrkeyOffMs + 50);
    d.modem.gpio(PIN_PWRKEY, 1);
    await d.seen('POWERED DOWN', from, 2000);
  });

  test('SSL: QSSLCFG, QSSLOPEN verified against the module CA, QSSLSEND, +QSSLURC: "recv" then QSSLRECV; a wrong CA ends in +QSSLOPEN: id,566', async (t) => {
    const srv = await startWatchedTls(t, certs.server);
    const d = device(t, { kind: 'bg96', timing: FAST_LTE, ca: certs.ca.certPem, notice: () => {} });
    await pdpUp(d);
    for (const c of ['AT+QSSLCFG="sslversion",1,3', 'AT+QSSLCFG="seclevel",1,1', 'AT+QSSLCFG="cacert",1,"cacert.pem"']) assert.equal(await d.cmd(c), '\r\nOK\r\n', c);
    assert.equal(await d.cmd(`AT+QSSLOPEN=1,1,5,"127.0.0.1",${srv.port},0`, /\+QSSLOPEN: \d+,\d+\r\n/, 5000), '\r\nOK\r\n\r\n+QSSLOPEN: 5,0\r\n');
    const at = d.rx.length;
    assert.equal(await send(d, 'QSSLSEND', 5, 'over tls'), '\r\nSEND OK\r\n');
    await d.seen('+QSSLURC: "recv",5\r\n', at, 3000);
    assert.equal(await read(d, 'QSSLRECV', 5, 100), 'over tls');
    assert.deepEqual(srv.firstBytes, [TLS_HANDSHAKE]);
    assert.equal(srv.handshakes, 1);
    assert.equal(await d.cmd('AT+QSSLCLOSE=5'), '\r\nOK\r\n');

    const notices: string[] = [];
    const e = device(t, { kind: 'bg96', timing: FAST_LTE, ca: certs.otherCa.certPem, notice: (s) => notices.push(s) });
    await pdpUp(e);
    assert.equal(await e.cmd(`AT+QSSLOPEN=1,1,0,"127.0.0.1",${srv.port},0`, /\+QSSLOPEN: \d+,\d+\r\n/, 5000), '\r\nOK\r\n\r\n+QSSLOPEN: 0,566\r\n');
    assert.match(notices.join('\n'), /TLS handshake with 127\.0\.0\.1:\d+ failed/);
    assert.equal(srv.appBytes, 8, 'no application data over the refused handshake');
  });
});
