// Modem TLS in the emulators, driven over their UART against a local Node
// TLS server with throwaway certificates: SIM800 (AT+CIPSSL, AT+SSLOPT)
// and ESP-AT (CIPSSLSIZE, CIPSSLCCONF, "SSL" links), verified handshakes,
// refused ones (wrong CA, expired, wrong name) with no application data,
// the insecure switches with their warning, and the modules without SSL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsCerts } from '../helpers/tls-certs.ts';
import { TLS_HANDSHAKE, startWatchedTls } from '../helpers/tls-modem.ts';
import { closedPort, device, espBringUp, simBringUp, sleep, type ModemDevice } from '../helpers/modem-device.ts';
import type { ModemKind, ModemOptions } from '../../sim/modem/index.ts';
import type { TestContext } from 'node:test';

const certs = tlsCerts();

/** A device on a modem whose CA is the test CA, with its notices collected. */
function tlsDevice(t: TestContext, kind: ModemKind, opts: Partial<ModemOptions> = {}): { d: ModemDevice; notices: string[] } {
  const notices: string[] = [];
  const d = device(t, { kind, ca: certs.ca.certPem, notice: (s) => notices.push(s), ...opts });
  return { d, notices };
}

/** SIM800: CIPSEND + data on link id; the quick-send acknowledgement. */
async function simSend(d: ModemDevice, id: number, data: string): Promise<void> {
  assert.equal(await d.cmd(`AT+CIPSEND=${id},${data.length}`, /> $/), '\r\n> ');
  d.consumed();
  d.send(data);
  await d.expect(/DATA ACCEPT:\d+,\d+\r\n|SEND OK\r\n/);
}

/** SIM800 manual receive: reads up to n bytes from link id. */
async function simRead(d: ModemDevice, id: number, n: number): Promise<string> {
  await d.seen(`+CIPRXGET: 1,${id}`, 0);
  const r = await d.cmd(`AT+CIPRXGET=2,${id},${n}`);
  const m = /\+CIPRXGET: 2,\d+,(\d+),\d+\r\n/.exec(r);
  assert.ok(m, JSON.stringify(r));
  const start = r.indexOf(m[0]) + m[0].length;
  return r.slice(start, start + Number(m[1]));
}

describe('SIM800 TLS (AT+CIPSSL)', () => {
  test('CIPSSL=? lists (0,1); CIPSSL=1, then CIPSTART is a verified TLS connection: 0, CONNECT OK and data both ways', async (t) => {
    const srv = await startWatchedTls(t, certs.server);
    const { d, notices } = tlsDevice(t, 'sim800');
    await simBringUp(d, { qsend: 1 });
    assert.equal(await d.cmd('AT+CIPSSL=?'), '\r\n+CIPSSL: (0,1)\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPSSL?'), '\r\n+CIPSSL: 0\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPSSL=1'), '\r\nOK\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${srv.port}`), '\r\nOK\r\n');
    assert.equal(await d.expect(/CONNECT OK\r\n|CLOSE OK\r\n|CONNECT FAIL\r\n/, 5000), '\r\n0, CONNECT OK\r\n');
    await simSend(d, 0, 'over tls');
    assert.equal(await simRead(d, 0, 100), 'over tls', 'echoed through the TLS session');
    assert.deepEqual(srv.firstBytes, [TLS_HANDSHAKE], 'the first byte on the wire is a TLS handshake record');
    assert.equal(srv.handshakes, 1);
    assert.deepEqual(srv.servernames, [false], 'no SNI for an IP address');
    assert.equal(srv.appBytes, 8);
    assert.deepEqual(notices, [], 'nothing to warn about');
  });

  test('a host name goes out as SNI and is verified against the certificate', async (t) => {
    const srv = await startWatchedTls(t, certs.server);
    const { d } = tlsDevice(t, 'sim800');
    await simBringUp(d);
    await d.cmd('AT+CIPSSL=1');
    await d.cmd(`AT+CIPSTART=0,"TCP","localhost",${srv.port}`);
    assert.equal(await d.expect(/CONNECT OK\r\n|CLOSE OK\r\n|CONNECT FAIL\r\n/, 5000), '\r\n0, CONNECT OK\r\n');
    assert.deepEqual(srv.servernames, ['localhost']);
  });

  for (const c of [
    { name: 'wrong CA', cert: certs.server, ca: certs.otherCa.certPem, reason: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/ },
    { name: 'expired certificate', cert: certs.expired, ca: certs.ca.certPem, reason: /CERT_HAS_EXPIRED/ },
    { name: 'host-name mismatch', cert: certs.wrongName, ca: certs.ca.certPem, reason: /ERR_TLS_CERT_ALTNAME_INVALID/ },
  ]) {
    test(`${c.name}: the handshake fails, CIPSTART ends with 0, CLOSE OK, the reason is logged, no application data`, async (t) => {
      const srv = await startWatchedTls(t, c.cert);
      const { d, notices } = tlsDevice(t, 'sim800', { ca: c.ca });
      await simBringUp(d);
      await d.cmd('AT+CIPSSL=1');
      assert.equal(await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${srv.port}`), '\r\nOK\r\n');
      assert.equal(await d.expect(/CONNECT OK\r\n|CLOSE OK\r\n|CONNECT FAIL\r\n/, 5000), '\r\n0, CLOSE OK\r\n');
      assert.equal(notices.length, 1, notices.join('\n'));
      assert.match(notices[0]!, /^modem sim800: link 0: TLS handshake with 127\.0\.0\.1:\d+ failed: /);
      assert.match(notices[0]!, c.reason);
      assert.equal(await d.cmd('AT+CIPSEND=0,4'), '\r\nERROR\r\n', 'nothing can be sent on the failed link');
      assert.match(await d.cmd('AT+CIPSTATUS', /C: 5,[^\r]*\r\n/), /C: 0,0,"TCP","127\.0\.0\.1","\d+","CLOSED"/);
      await sleep(50);
      assert.deepEqual(srv.firstBytes, [TLS_HANDSHAKE]);
      assert.equal(srv.handshakes, 0, 'the server never completed a handshake');
      assert.equal(srv.appBytes, 0, 'no application data reached the server');
    });
  }

  test('AT+SSLOPT=0,1 (insecure): a warning, then an unverifiable server is accepted', async (t) => {
    const srv = await startWatchedTls(t, certs.wrongName);
    const { d, notices } = tlsDevice(t, 'sim800', { ca: certs.otherCa.certPem });
    await simBringUp(d);
    assert.equal(await d.cmd('AT+SSLOPT=0,1'), '\r\nOK\r\n');
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /^modem sim800: warning: AT\+SSLOPT=0,1: server certificates will NOT be verified/);
    await d.cmd('AT+CIPSSL=1');
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${srv.port}`);
    assert.equal(await d.expect(/CONNECT OK\r\n|CLOSE OK\r\n|CONNECT FAIL\r\n/, 5000), '\r\n0, CONNECT OK\r\n');
    assert.match(notices[1] ?? '', /without certificate verification/);
    assert.equal(srv.handshakes, 1);
    assert.equal(await d.cmd('AT+SSLOPT=0,2'), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+SSLOPT=1,1'), '\r\nOK\r\n', 'client authentication: accepted, not emulated');
  });

  test('CIPSSL stays set across CIPSHUT and is gone after a restart (AT+CFUN=1,1)', async (t) => {
    const { d } = tlsDevice(t, 'sim800');
    await simBringUp(d);
    await d.cmd('AT+CIPSSL=1');
    await d.cmd('AT+SSLOPT=0,1');
    assert.equal(await d.cmd('AT+CIPSHUT', /SHUT OK\r\n|ERROR\r\n/), '\r\nSHUT OK\r\n');
    assert.equal(await d.cmd('AT+CIPSSL?'), '\r\n+CIPSSL: 1\r\n\r\nOK\r\n');
    const mark = d.rx.length;
    await d.cmd('AT+CFUN=1,1');
    // the whole line: at 115200 its CR LF may still be on the wire when 'SMS Ready' is
    await d.seen('SMS Ready\r\n', mark, 3000);
    d.consumed();
    assert.equal(await d.cmd('AT+CIPSSL?'), 'AT+CIPSSL?\r\r\n+CIPSSL: 0\r\n\r\nOK\r\n', 'echo and CIPSSL back to power-on values');
  });

  test('TLS to a port nobody listens on is CONNECT FAIL, not a handshake failure', async (t) => {
    const port = await closedPort();
    const { d, notices } = tlsDevice(t, 'sim800');
    await simBringUp(d);
    await d.cmd('AT+CIPSSL=1');
    await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${port}`);
    assert.equal(await d.expect(/CONNECT OK\r\n|CLOSE OK\r\n|CONNECT FAIL\r\n/, 5000), '\r\n0, CONNECT FAIL\r\n');
    assert.deepEqual(notices, []);
  });

  for (const c of [
    { what: 'SIM900 (no SSL at all)', kind: 'sim900' as const, opts: {} },
    { what: 'a SIM800 whose firmware lacks SSL (ssl: false)', kind: 'sim800' as const, opts: { ssl: false } },
  ]) {
    test(`${c.what}: CIPSSL, CIPSSL=? and SSLOPT answer ERROR; plain TCP still works`, async (t) => {
      const srv = await startWatchedTls(t, certs.server);
      const { d } = tlsDevice(t, c.kind, c.opts);
      await simBringUp(d, { qsend: 1 });
      assert.equal(await d.cmd('AT+CIPSSL=?'), '\r\nERROR\r\n');
      assert.equal(await d.cmd('AT+CIPSSL=1'), '\r\nERROR\r\n');
      assert.equal(await d.cmd('AT+CIPSSL?'), '\r\nERROR\r\n');
      assert.equal(await d.cmd('AT+SSLOPT=0,1'), '\r\nERROR\r\n');
      // a device that went on regardless would speak plaintext: the server sees it
      await d.cmd(`AT+CIPSTART=0,"TCP","127.0.0.1",${srv.port}`);
      assert.equal(await d.expect(/CONNECT OK\r\n|CLOSE OK\r\n|CONNECT FAIL\r\n/, 5000), '\r\n0, CONNECT OK\r\n');
      await simSend(d, 0, '\x10plain');
      await sleep(100);
      assert.deepEqual(srv.firstBytes, [0x10], 'plain bytes, no ClientHello');
    });
  }
});

describe('ESP-AT TLS ("SSL" links)', () => {
  const start = (id: number, host: string, port: number): string => `AT+CIPSTART=${id},"SSL","${host}",${port}`;
  const final = /\r\n(OK|ERROR)\r\n/;

  test('CIPSSLSIZE, CIPSSLCCONF=0,2, CIPSTART "SSL": 0,CONNECT OK, verified, data both ways in passive mode', async (t) => {
    const srv = await startWatchedTls(t, certs.server);
    const { d, notices } = tlsDevice(t, 'esp-at');
    await espBringUp(d, { passive: true });
    assert.equal(await d.cmd('AT+CIPSSLSIZE=4096'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPSSLSIZE=8192'), '\r\nERROR\r\n', 'beyond the ESP8266 range');
    assert.equal(await d.cmd('AT+CIPSSLCCONF=0,2'), '\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPSSLCCONF=0,3'), '\r\nERROR\r\n', 'no client certificate in the emulated PKI partition');
    assert.equal(await d.cmd(start(0, 'localhost', srv.port), final, 5000), '\r\n0,CONNECT\r\n\r\nOK\r\n');
    assert.match(await d.cmd('AT+CIPSTATUS'), /\+CIPSTATUS:0,"SSL","127\.0\.0\.1",\d+,\d+,0/);
    assert.equal(await d.cmd('AT+CIPSSLSIZE=2048'), '\r\nERROR\r\n', 'not while an SSL link is open');
    assert.equal(await d.cmd('AT+CIPSEND=0,5', /\r\n>/), '\r\nOK\r\n\r\n>');
    d.consumed();
    d.send('hello');
    await d.expect('SEND OK\r\n');
    await d.seen('+IPD,0,5', 0);
    assert.match(await d.cmd('AT+CIPRECVDATA=0,100'), /\+CIPRECVDATA:5,hello\r\nOK/);
    assert.deepEqual(srv.firstBytes, [TLS_HANDSHAKE]);
    assert.deepEqual(srv.servernames, ['localhost']);
    assert.equal(srv.appBytes, 5);
    assert.deepEqual(notices, []);
  });

  test('one SSL link at a time: a second is ERROR while a TCP link beside it is fine; after CIPCLOSE a new SSL link works', async (t) => {
    const srv = await startWatchedTls(t, certs.server);
    const { d } = tlsDevice(t, 'esp-at');
    await espBringUp(d, { passive: true });
    assert.equal(await d.cmd(start(0, '127.0.0.1', srv.port), final, 5000), '\r\n0,CONNECT\r\n\r\nOK\r\n');
    assert.equal(await d.cmd(start(1, '127.0.0.1', srv.port), final, 5000), '\r\nERROR\r\n');
    assert.equal(await d.cmd(`AT+CIPSTART=2,"TCP","127.0.0.1",${srv.port}`, final, 5000), '\r\n2,CONNECT\r\n\r\nOK\r\n');
    assert.equal(await d.cmd('AT+CIPCLOSE=0'), '\r\n0,CLOSED\r\n\r\nOK\r\n');
    assert.equal(await d.cmd(start(1, '127.0.0.1', srv.port), final, 5000), '\r\n1,CONNECT\r\n\r\nOK\r\n');
    assert.equal(srv.handshakes, 2);
  });

  for (const c of [
    { name: 'wrong CA', cert: certs.server, ca: certs.otherCa.certPem, reason: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/ },
    { name: 'expired certificate', cert: certs.expired, ca: certs.ca.certPem, reason: /CERT_HAS_EXPIRED/ },
    { name: 'host-name mismatch', cert: certs.wrongName, ca: certs.ca.certPem, reason: /ERR_TLS_CERT_ALTNAME_INVALID/ },
  ]) {
    test(`${c.name}: 0,CLOSED then ERROR, the reason logged, no application data, the SSL slot free again`, async (t) => {
      const srv = await startWatchedTls(t, c.cert);
      const { d, notices } = tlsDevice(t, 'esp-at', { ca: c.ca });
      await espBringUp(d, { passive: true });
      assert.equal(await d.cmd(start(0, 'localhost', srv.port), final, 5000), '\r\n0,CLOSED\r\n\r\nERROR\r\n');
      assert.equal(notices.length, 1, notices.join('\n'));
      assert.match(notices[0]!, /^modem esp-at: link 0: TLS handshake with localhost:\d+ failed: /);
      assert.match(notices[0]!, c.reason);
      assert.equal(await d.cmd('AT+CIPSEND=0,4'), '\r\nlink is not valid\r\n\r\nERROR\r\n');
      await sleep(50);
      assert.deepEqual(srv.firstBytes, [TLS_HANDSHAKE]);
      assert.equal(srv.handshakes, 0);
      assert.equal(srv.appBytes, 0, 'no application data reached the server');
      // the failed link holds no SSL slot
      assert.equal(await d.cmd('AT+CIPSSLCCONF=0,0'), '\r\nOK\r\n');
      assert.equal(await d.cmd(start(0, 'localhost', srv.port), final, 5000), '\r\n0,CONNECT\r\n\r\nOK\r\n');
    });
  }

  test('CIPSSLCCONF=0,0 (insecure): a warning, then an unverifiable server is accepted on that link only', async (t) => {
    const srv = await startWatchedTls(t, certs.expired);
    const { d, notices } = tlsDevice(t, 'esp-at');
    await espBringUp(d, { passive: true });
    assert.equal(await d.cmd('AT+CIPSSLCCONF=0,0'), '\r\nOK\r\n');
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /^modem esp-at: warning: AT\+CIPSSLCCONF auth mode 0 on link 0: server certificates will NOT be verified/);
    assert.equal(await d.cmd(start(0, '127.0.0.1', srv.port), final, 5000), '\r\n0,CONNECT\r\n\r\nOK\r\n');
    assert.match(notices[1] ?? '', /link 0: TLS to 127\.0\.0\.1:\d+ without certificate verification/);
    assert.equal(await d.cmd('AT+CIPCLOSE=0'), '\r\n0,CLOSED\r\n\r\nOK\r\n');
    assert.equal(await d.cmd(start(1, '127.0.0.1', srv.port), final, 5000), '\r\n1,CLOSED\r\n\r\nERROR\r\n', 'link 1 still verifies');
    assert.match(await d.cmd('AT+CIPSSLCCONF?'), /\+CIPSSLCCONF:0,0,0,0\r\n\r\n\+CIPSSLCCONF:1,2,0,0/);
  });

  test('ssl: false (firmware without SSL): "SSL" links, CIPSSLSIZE and CIPSSLCCONF answer ERROR, nothing reaches the server', async (t) => {
    const srv = await startWatchedTls(t, certs.server);
    const { d } = tlsDevice(t, 'esp-at', { ssl: false });
    await espBringUp(d, { passive: true });
    assert.equal(await d.cmd('AT+CIPSSLSIZE=4096'), '\r\nERROR\r\n');
    assert.equal(await d.cmd('AT+CIPSSLCCONF=0,2'), '\r\nERROR\r\n');
    assert.equal(await d.cmd(start(0, '127.0.0.1', srv.port), final, 5000), '\r\nERROR\r\n');
    await sleep(50);
    assert.equal(srv.connections, 0);
  });
});
