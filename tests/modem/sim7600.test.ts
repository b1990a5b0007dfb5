// The SIM7600 emulator (and the SIM7000 kind) driven with raw AT over its
// UART: boot URCs, LTE registration (CEREG / CGREG), NETOPEN, CIPOPEN,
// CIPSEND with its +CIPSEND acknowledgement, manual receive with
// CIPRXGET, peer close, the faults, SSL through CCH, and PWRKEY pulses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closedPort, device, sleep, startEcho, type ModemDevice } from '../helpers/modem-device.ts';
import { tlsCerts } from '../helpers/tls-certs.ts';
import { TLS_HANDSHAKE, startWatchedTls } from '../helpers/tls-modem.ts';
import { PIN_PWRKEY, type ModemTiming } from '../../sim/modem/index.ts';
import { SIM7600_TIMING } from '../../sim/modem/sim7600.ts';

/** Short LTE delays so the suite stays fast. */
const FAST_LTE: Partial<ModemTiming> = { lteRdyMs: 20, lteCpinMs: 25, lteDoneMs: 40, lteRegisterMs: 60, pdpActMs: 20, pdpDeactMs: 10, lteSendMs: 5, connectMs: 5, stormMs: 1000 };
const certs = tlsCerts();

async function netUp(d: ModemDevice): Promise<void> {
  await d.seen('PB DONE', 0, 3000);
  for (const c of ['ATE0', 'AT+CMEE=2', 'AT+CGDCONT=1,"IP","internet"', 'AT+CIPRXGET=1']) assert.match(await d.cmd(c), /OK\r\n$/, c);
  for (let i = 0; i < 50 && !(await d.cmd('AT+CEREG?')).includes('+CEREG: 0,1'); i++) await sleep(20);
  assert.equal(await d.cmd('AT+NETOPEN', /\+NETOPEN: \d+\r\n/), '\r\nOK\r\n\r\n+NETOPEN: 0\r\n');
}

async function open(d: ModemDevice, id: number, port: number): Promise<string> {
  return d.cmd(`AT+CIPOPEN=${id},"TCP","127.0.0.1",${port}`, /\+CIPOPEN: \d+,\d+\r\n|ERROR\r\n/, 5000);
}

/** CIPSEND and its data; returns the acknowledgement line. The send position is in d.sentAt for URC checks. */
async function send(d: ModemDevice, id: number, data: string): Promise<string> {
  // during a storm URCs may follow the prompt: match it, not the end
  assert.match(await d.cmd(`AT+CIPSEND=${id},${data.length}`, /\r\n>/), /\r\n>$/);
  d.consumed();
  d.send(data);
  const r = await d.expect(/\+CIPSEND: \d+,\d+,-?\d+\r\n/);
  assert.match(r, /\r\nOK\r\n/, 'OK before the acknowledgement');
  return /\+CIPSEND: .*\r\n$/.exec(r)![0];
}

async function read(d: ModemDevice, id: number, n: number): Promise<string> {
  const r = await d.cmd(`AT+CIPRXGET=2,${id},${n}`, /\r\nOK\r\n|ERROR\r\n/);
  // counted: exactly read_len bytes follow the header (URCs may come before the OK)
  const m = /\+CIPRXGET: 2,\d+,(\d+),\d+\r\n/.exec(r);
  if (!m) throw new Error(`CIPRXGET=2 → ${JSON.stringify(r)}`);
  const start = m.index + m[0].length;
  return r.slice(start, start + Number(m[1]));
}

describe('SIM7600 emulator', () => {
  test('boot: RDY, +CPIN: READY, SMS DONE, PB DONE; not registered on CEREG / CGREG until the LTE registration delay has passed', async (t) => {
    assert.ok(SIM7600_TIMING.lteRegisterMs >= 1000, 'registration takes seconds by default');
    const d = device(t, { kind: 'sim7600', timing: { ...FAST_LTE, lteRegisterMs: 400 } });
    await d.seen('PB DONE', 0, 2000);
    assert.match(await d.cmd('ATE0'), /OK\r\n$/);
    const boot = d.text(0);
    assert.ok(boot.indexOf('RDY') < boot.indexOf('+CPIN: READY') && boot.indexOf('+CPIN: READY') < boot.indexOf('SMS DONE'), JSON.stringify(boot));
    assert.equal(await d.cmd('AT+CEREG?'), '\r\n+CEREG: 0,2\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CGREG?'), '\r\n+CGREG: 0,2\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+NETOPEN', /\+NETOPEN: \d\r\n/), '\r\nOK\r\n\r\n+NETOPEN: 1\r\n', 'no network before registration');
    await sleep(450);
    assert.equal(await d.cmd('AT+CEREG?'), '\r\n+CEREG: 0,1\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CGREG?'), '\r\n+CGREG: 0,1\r\n\r\nOK\r\n');
  });

  test('NETOPEN, CIPOPEN, CIPSEND acknowledged by +CIPSEND: n,len,len, +CIPRXGET: 1,n then counted reads; peer close is +IPCLOSE: n,1 and buffered data stays readable', async (t) => {
    const srv = await startEcho(t);
    const d = device(t, { kind: 'sim7600', timing: FAST_LTE });
    await netUp(d);
    assert.equal(await d.cmd('AT+NETOPEN'), '\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n');
    assert.match(await d.cmd('AT+IPADDR'), /^\r\n\+IPADDR: 10\.\d+\.\d+\.\d+\r\n\r\nOK\r\n$/);
    assert.equal(await open(d, 3, srv.port), '\r\nOK\r\n\r\n+CIPOPEN: 3,0\r\n');
    const at = d.rx.length;
    assert.equal(await send(d, 3, 'hello lte'), '+CIPSEND: 3,9,9\r\n');
    await d.seen('+CIPRXGET: 1,3\r\n', at);
    assert.equal(await d.cmd('AT+CIPRXGET=4,3'), '\r\n+CIPRXGET: 4,3,9\r\n\r\nOK\r\n');
    assert.equal(await read(d, 3, 5), 'hello');
    assert.equal(await read(d, 3, 100), ' lte');
    assert.equal(await d.cmd('AT+CIPRXGET=2,3,10'), '\r\n+IP ERROR: No data\r\n\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+CIPCLOSE?'), '\r\n+CIPCLOSE: 0,0,0,1,0,0,0,0,0,0\r\n\r\nOK\r\n');
    // the peer writes, then closes
    srv.sockets[0]!.end('bye');
    d.consumed();
    await d.expect('+IPCLOSE: 3,1\r\n', 3000);
    assert.equal(await read(d, 3, 100), 'bye', 'data received before the close is still readable');
    assert.equal(await open(d, 3, srv.port), '\r\nOK\r\n\r\n+CIPOPEN: 3,0\r\n', 'the link id is free again');
    assert.equal(await d.cmd('AT+CIPCLOSE=3', /\+CIPCLOSE: \d+,\d+\r\n/), '\r\nOK\r\n\r\n+CIPCLOSE: 3,0\r\n');
    assert.equal(await open(d, 4, await closedPort()), '\r\nOK\r\n\r\n+CIPOPEN: 4,1\r\n', 'a refused connection');
  });

  test('faults: pdp-deact (+CIPEVENT, NETOPEN again), send-fail (-1 and +IPCLOSE), drop, reset-mid-read (a short read, then RDY), hang until PWRKEY', async (t) => {
    const srv = await startEcho(t);
    const d = device(t, { kind: 'sim7600', timing: FAST_LTE, poweredOn: true });
    await netUp(d);
    assert.match(await open(d, 0, srv.port), /\+CIPOPEN: 0,0/);
    d.consumed();
    d.modem.fault('pdp-deact');
    await d.expect('+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n');
    assert.equal(await d.cmd('AT+CIPSEND=0,4'), '\r\nERROR\r\n', 'the link is gone');
    assert.equal(await d.cmd('AT+NETOPEN', /\+NETOPEN: \d+\r\n/), '\r\nOK\r\n\r\n+NETOPEN: 0\r\n');
    assert.match(await open(d, 0, srv.port), /\+CIPOPEN: 0,0/);
    d.modem.fault('send-fail');
    const at = d.rx.length;
    assert.equal(await send(d, 0, 'lost'), '+CIPSEND: 0,4,-1\r\n');
    await d.seen('+IPCLOSE: 0,1\r\n', at);
    assert.match(await open(d, 1, srv.port), /\+CIPOPEN: 1,0/);
    d.consumed();
    d.modem.fault('drop');
    await d.expect('+IPCLOSE: 1,1\r\n');
    assert.match(await open(d, 2, srv.port), /\+CIPOPEN: 2,0/);
    const at2 = d.rx.length;
    await send(d, 2, '0123456789abcdef');
    await d.seen('+CIPRXGET: 1,2\r\n', at2);
    d.modem.fault('reset-mid-read');
    const from = d.rx.length;
    d.consumed();
    d.send('AT+CIPRXGET=2,2,100\r');
    await d.seen('\r\nRDY\r\n', from, 3000);
    const out = d.text();
    assert.ok(out.includes('+CIPRXGET: 2,2,16,0\r\n01234567') && !out.includes('89abcdef'), `8 bytes short, then the restart: ${JSON.stringify(out)}`);
    await d.seen('PB DONE', from, 3000);
    d.modem.fault('hang');
    await sleep(30); // bytes already on the wire when it hung still arrive
    const before = d.rx.length;
    d.send('AT\r');
    await sleep(100);
    assert.equal(d.rx.length, before, 'a hung module says nothing');
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(SIM7600_TIMING.pwrkeyOffMs + 100);
    d.modem.gpio(PIN_PWRKEY, 1);
    await sleep(50);
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(SIM7600_TIMING.pwrkeyMs + 50);
    d.modem.gpio(PIN_PWRKEY, 1);
    await d.seen('RDY', before, 2000);
  });

  test('PWRKEY: a pulse shorter than the hardware design minimum does nothing; a long enough one powers the module on', async (t) => {
    const d = device(t, { kind: 'sim7600', timing: FAST_LTE, poweredOn: false });
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(SIM7600_TIMING.pwrkeyMs / 4);
    d.modem.gpio(PIN_PWRKEY, 1);
    await sleep(150);
    assert.equal(d.rx.length, 0, 'too short: still off');
    d.modem.gpio(PIN_PWRKEY, 0);
    await sleep(SIM7600_TIMING.pwrkeyMs + 50);
    d.modem.gpio(PIN_PWRKEY, 1);
    await d.seen('RDY', 0, 2000);
  });

  test('SSL through CCH: CCHSTART, CCHOPEN verified against the module CA, CCHSEND, +CCHEVENT RECV EVENT then CCHRECV; a wrong CA ends in +CCHOPEN: 0,15', async (t) => {
    const srv = await startWatchedTls(t, certs.server);
    const d = device(t, { kind: 'sim7600', timing: FAST_LTE, ca: certs.ca.certPem, notice: () => {} });
    await netUp(d);
    for (const c of ['AT+CSSLCFG="sslversion",0,4', 'AT+CSSLCFG="authmode",0,1', 'AT+CCHSET=1,1', 'AT+CCHMODE=0']) assert.equal(await d.cmd(c), '\r\nOK\r\n', c);
    assert.equal(await d.cmd('AT+CCHSTART', /\+CCHSTART: \d+\r\n/), '\r\nOK\r\n\r\n+CCHSTART: 0\r\n');
    assert.equal(await d.cmd('AT+CCHSSLCFG=0,0'), '\r\nOK\r\n');
    assert.equal(await d.cmd(`AT+CCHOPEN=0,"127.0.0.1",${srv.port},2`, /\+CCHOPEN: \d+,\d+\r\n/, 5000), '\r\nOK\r\n\r\n+CCHOPEN: 0,0\r\n');
    assert.equal(await d.cmd('AT+CCHSEND=0,8', />$/), '\r\n>');
    d.consumed();
    const at = d.rx.length;
    d.send('over tls');
    assert.match(await d.expect(/\+CCHSEND: 0,\d+\r\n/), /\r\nOK\r\n\r\n\+CCHSEND: 0,0\r\n$/);
    await d.seen('+CCHEVENT: 0,RECV EVENT\r\n', at, 3000);
    assert.equal(await d.cmd('AT+CCHRECV=0,100', /\r\nOK\r\n/), '\r\n+CCHRECV: DATA,0,8\r\nover tls\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n');
    assert.deepEqual(srv.firstBytes, [TLS_HANDSHAKE]);
    assert.equal(srv.handshakes, 1);
    assert.equal(await d.cmd('AT+CCHCLOSE=0', /\+CCHCLOSE: \d+,\d+\r\n/), '\r\nOK\r\n\r\n+CCHCLOSE: 0,0\r\n');

    const notices: string[] = [];
    const e = device(t, { kind: 'sim7600', timing: FAST_LTE, ca: certs.otherCa.certPem, notice: (s) => notices.push(s) });
    await netUp(e);
    assert.match(await e.cmd('AT+CCHSTART', /\+CCHSTART: \d+\r\n/), /\+CCHSTART: 0/);
    assert.equal(await e.cmd(`AT+CCHOPEN=0,"127.0.0.1",${srv.port},2`, /\+CCHOPEN: \d+,\d+\r\n/, 5000), '\r\nOK\r\n\r\n+CCHOPEN: 0,15\r\n');
    assert.match(notices.join('\n'), /TLS handshake with 127\.0\.0\.1:\d+ failed/);
    assert.equal(srv.appBytes, 8, 'no application data over the refused handshake');
  });

  test('urc-storm and garbage: every answer still arrives whole', async (t) => {
    const srv = await startEcho(t);
    const d = device(t, { kind: 'sim7600', timing: FAST_LTE, seed: 5 });
    await netUp(d);
    assert.match(await open(d, 0, srv.port), /\+CIPOPEN: 0,0/);
    d.modem.fault('urc-storm');
    d.modem.fault('garbage');
    for (let i = 0; i < 5; i++) {
      const s = `storm-${i}`;
      assert.equal(await send(d, 0, s), `+CIPSEND: 0,${s.length},${s.length}\r\n`);
      await sleep(20);
      assert.equal(await read(d, 0, 100), s);
    }
  });
});

describe('SIM7000 (SIM800-style TCP/IP on LTE-M)', () => {
  test('SMS Ready, +CEREG, CSTT / CIICR / CIFSR / CIPSTART in multi-IP mode with manual receive', async (t) => {
    const srv = await startEcho(t);
    const d = device(t, { kind: 'sim7000' });
    await d.seen('SMS Ready', 0, 3000);
    assert.ok(!d.text(0).includes('Call Ready'), 'SIM7000 prints no Call Ready');
    for (let i = 0; i < 50 && !(await d.cmd('AT+CEREG?')).includes('+CEREG: 0,1'); i++) await sleep(20);
    assert.match(await d.cmd('AT+CEREG?'), /\r\n\+CEREG: 0,1\r\n\r\nOK\r\n$/);
    for (const c of ['ATE0', 'AT+CGATT=1', 'AT+CIPMUX=1', 'AT+CIPQSEND=1', 'AT+CIPRXGET=1', 'AT+CSTT="internet","",""', 'AT+CIICR']) assert.match(await d.cmd(c), /OK\r\n$/, c);
    assert.match(await d.cmd('AT+CIFSR', /\r\n\d+\.\d+\.\d+\.\d+\r\n/), /10\./);
    assert.equal(await d.cmd('AT+CIPSTART=7,"TCP","127.0.0.1",' + srv.port, /CONNECT OK\r\n|CONNECT FAIL\r\n/, 5000), '\r\nOK\r\n\r\n7, CONNECT OK\r\n', 'links 0-7');
    assert.match(await d.cmd('ATI'), /SIM7000/);
  });
});
