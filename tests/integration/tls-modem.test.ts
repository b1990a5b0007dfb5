// The firmware over TLS through emulated modems at 115200 baud: SIM800
// (AT+CIPSSL) and ESP-AT ("SSL" links) terminate TLS toward Mosquitto's TLS
// and TLS WebSocket listeners with throwaway certificates, verified against
// the CA given with --ca. With a good certificate: retained, QoS 0/1/2 both
// ways with exact counts, the will, a reconnect. A wrong CA, an expired
// certificate, a wrong host name: tls-failed and no application byte sent,
// counted by a Node TLS server presenting that certificate. SIM900, and a
// SIM800 or ESP-AT whose firmware lacks SSL: a clear error, never plaintext.
// --insecure: the module is told to skip verification and warns. Prints
// the link-open and power-on-to-CONNACK times, secure against plain.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is, type Sim } from '../helpers/sim.ts';
import { freePort } from '../helpers/mosquitto.ts';
import { tlsCerts, type ServerCert } from '../helpers/tls-certs.ts';
import { BRING_UP_MS, modemArgs, parseBringUp, payloadList, publishWindowed } from '../helpers/modem-e2e.ts';
import { TLS_HANDSHAKE, linkOpenMs, sentCommands, startWatchedTls } from '../helpers/tls-modem.ts';
import { startInProcess } from '../helpers/tls-modem-host.ts';

const certs = tlsCerts();
const SECURE_MODEMS = ['sim800', 'esp-at', 'sim7600', 'bg96'] as const;
/** Per kind: the command that turns TLS on, the one that turns verification off, the send command. */
const SECURE_CMDS: Record<(typeof SECURE_MODEMS)[number], { on: string; insecure: string; send: string }> = {
  'sim800': { on: 'AT+CIPSSL=1', insecure: 'AT+SSLOPT=0,1', send: 'AT+CIPSEND' },
  'esp-at': { on: 'AT+CIPSTART=0,"SSL"', insecure: 'AT+CIPSSLCCONF=0,0', send: 'AT+CIPSEND' },
  'sim7600': { on: 'AT+CCHSTART', insecure: 'AT+CSSLCFG="authmode",0,0', send: 'AT+CCHSEND' },
  'bg96': { on: 'AT+QSSLCFG="seclevel",1,1', insecure: 'AT+QSSLCFG="seclevel",1,0', send: 'AT+QSSLSEND' },
};
type SecureModem = (typeof SECURE_MODEMS)[number];
type Path = 'mqtts' | 'wss' | 'mqtt' | 'ws';
const N = 10;
const QOSS = [0, 1, 2] as const;

/** mqtts over an IP address (no SNI, IP SAN), wss over a host name (SNI, DNS SAN). */
function urlFor(path: Path, port: number): string {
  switch (path) {
    case 'mqtts': return `mqtts://127.0.0.1:${port}`;
    case 'wss': return `wss://localhost:${port}/mqtt`;
    case 'mqtt': return `mqtt://127.0.0.1:${port}`;
    case 'ws': return `ws://localhost:${port}/mqtt`;
  }
}

interface Timing { kind: SecureModem; path: Path; linkOpenMs: number | null; connackMs: number | null }
const timings: Timing[] = [];

/** Notes the figures of a --trace run that reached CONNACK. */
function record(kind: SecureModem, path: Path, sim: Sim): void {
  timings.push({ kind, path, linkOpenMs: linkOpenMs(sim.stderr), connackMs: parseBringUp(sim.stderr).modemConnackMs });
}

after(() => {
  if (timings.length === 0) return;
  const cell = (kind: SecureModem, path: Path, f: 'linkOpenMs' | 'connackMs'): string => {
    const v = timings.filter((x) => x.kind === kind && x.path === path).map((x) => x[f]).filter((x): x is number => x !== null);
    return v.length > 0 ? `${Math.min(...v)} ms` : '-';
  };
  const lines = ['modem TLS at 115200 baud (emulator clock; CIPSTART→CONNECT = TCP + TLS handshake + module delay):',
    '| modem | path | CIPSTART → CONNECT | power-on → CONNACK |', '|---|---|---|---|'];
  for (const kind of SECURE_MODEMS) {
    for (const path of ['mqtt', 'mqtts', 'ws', 'wss'] as const) {
      lines.push(`| ${kind} | ${path} | ${cell(kind, path, 'linkOpenMs')} | ${cell(kind, path, 'connackMs')} |`);
    }
  }
  console.log(lines.join('\n'));
});

/** Nothing went wrong before the drop: no error, no disconnect. */
function assertHealthy(sim: Sim, until = sim.events.length): void {
  const bad = sim.events.slice(0, until).filter((e) => e.event === 'error' || e.event === 'disconnected');
  assert.deepEqual(bad, [], sim.describe());
}

for (const kind of SECURE_MODEMS) {
  describe(`${kind} over TLS to Mosquitto (115200 baud)`, () => {
    for (const path of ['mqtts', 'wss'] as const) {
      test(`${path}: retained, ${N} messages at each QoS both ways exactly once, will after a drop, TLS again on reconnect`, { timeout: 120000 }, async (t) => {
        const s = new Scope(t);
        const broker = await s.broker('mosquitto', { mosquitto: { tls: { ws: path === 'wss' } } });
        const m = broker.mosquitto!;
        const url = urlFor(path, path === 'mqtts' ? m.tlsPort! : m.wssPort!);
        const base = uniqueId(`tls/${kind}/${path}`);
        const peer = await s.peer(broker.url);
        await peer.subscribe(`${base}/up/#`, 2);
        await peer.subscribe(`${base}/will`, 1);
        await peer.publish(`${base}/cfg`, 'mode=eco', 1, true);

        const sim = s.sim(modemArgs(kind, url, ['--ca', certs.ca.cert, '--trace', '--client-id', uniqueId(`tls-${kind}`),
          '--will-topic', `${base}/will`, '--will-payload', 'offline', '--will-qos', '1']));
        await sim.waitFor(is.connected(false), BRING_UP_MS, 0, `CONNACK over ${path} through ${kind}`);
        record(kind, path, sim);
        assert.equal(sentCommands(sim.stderr, SECURE_CMDS[kind].on).length, 1, 'the secure command went out');
        assert.equal(sentCommands(sim.stderr, SECURE_CMDS[kind].insecure).length, 0, 'verification stays on');

        sim.sendAll([`sub ${base}/cfg 1`, `sub ${base}/down/# 2`]);
        await sim.waitForCount(is.subscribed(), 2, 10000);
        const kept = await sim.waitFor(is.message(`${base}/cfg`), 10000);
        assert.equal(kept.payload, 'mode=eco');
        assert.equal(kept.retain, true, 'retained flag on the stored message');

        // device → peer
        for (const qos of QOSS) await publishWindowed(sim, `${base}/up/${qos}`, qos, payloadList(`u${qos}`, N), 30000);
        for (const qos of QOSS) await peer.waitForMessages(`${base}/up/${qos}`, N, 10000);
        // peer → device
        for (const qos of QOSS) for (const p of payloadList(`d${qos}`, N)) await peer.publish(`${base}/down/${qos}`, p, qos);
        await sim.waitForCount((e) => e.event === 'message' && (e.topic ?? '').startsWith(`${base}/down/`), 3 * N, 30000, 0, 'every message down');
        await sleep(500); // a duplicate would show up here
        for (const qos of QOSS) {
          const up = peer.on(`${base}/up/${qos}`);
          assert.deepEqual(up.map((x) => x.text), payloadList(`u${qos}`, N), `up QoS ${qos}: each once, in order`);
          assert.ok(up.every((x) => x.qos === qos && !x.dup));
          assert.equal(sim.count(is.published(`${base}/up/${qos}`, qos)), N);
          const down = sim.filter(is.message(`${base}/down/${qos}`));
          assert.deepEqual(down.map((x) => x.payload), payloadList(`d${qos}`, N), `down QoS ${qos}: each once, in order`);
          assert.ok(down.every((x) => x.qos === qos && x.dup === false && x.retain === false));
        }
        assert.equal(peer.messages.length, 3 * N, `nothing else: ${peer.summary()}`);
        assertHealthy(sim);

        // the network goes: the broker publishes the will; the device comes back over TLS
        const mark = sim.events.length;
        sim.send('drop');
        const [will] = await peer.waitForMessages(`${base}/will`, 1, 15000);
        assert.equal(will.text, 'offline');
        assert.equal(will.qos, 1);
        await sim.waitFor(is.connected(), BRING_UP_MS, mark, 'reconnect over TLS after the drop');
        assert.equal(sim.count(is.error('tls-failed')), 0);
        assert.equal(await sim.endAndExit(20000), 0, sim.describe());
        assert.equal(peer.on(`${base}/will`).length, 1, 'one will');
      });
    }

    test('plain mqtt:// and ws:// for comparison (timing only)', { timeout: 60000 }, async (t) => {
      const s = new Scope(t);
      const wsPort = await freePort();
      const broker = await s.broker('mosquitto', { mosquitto: { extra: [`listener ${wsPort}`, 'protocol websockets'] } });
      for (const path of ['mqtt', 'ws'] as const) {
        const sim = s.sim(modemArgs(kind, urlFor(path, path === 'mqtt' ? broker.port : wsPort), ['--trace']));
        await sim.waitFor(is.connected(), BRING_UP_MS, 0, `CONNACK over ${path}`);
        record(kind, path, sim);
        assert.equal(await sim.endAndExit(20000), 0, sim.describe());
      }
    });
  });

  describe(`${kind}: refused certificates`, { concurrency: 2 }, () => {
    const cases: { name: string; cert: ServerCert; ca: string; path: Path; reason: RegExp }[] = [
      { name: 'wrong CA', cert: certs.server, ca: certs.otherCa.cert, path: 'mqtts', reason: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/ },
      { name: 'expired certificate', cert: certs.expired, ca: certs.ca.cert, path: 'mqtts', reason: /CERT_HAS_EXPIRED/ },
      { name: 'host-name mismatch', cert: certs.wrongName, ca: certs.ca.cert, path: 'mqtts', reason: /ERR_TLS_CERT_ALTNAME_INVALID/ },
      { name: 'wrong CA', cert: certs.server, ca: certs.otherCa.cert, path: 'wss', reason: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/ },
    ];
    for (const c of cases) {
      test(`${c.path}, ${c.name}: tls-failed, the reason in the modem's log, not one application byte sent`, { timeout: 60000 }, async (t) => {
        const s = new Scope(t);
        const srv = await startWatchedTls(t, c.cert);
        const sim = s.sim(modemArgs(kind, urlFor(c.path, srv.port), ['--ca', c.ca, '--trace']));
        const e = await sim.waitFor(is.error('tls-failed'), BRING_UP_MS, 0, 'tls-failed');
        assert.match(e.message ?? '', /TLS|tls/);
        assert.equal(await sim.endAndExit(20000), 0, sim.describe());
        assert.equal(sim.count(is.connected()), 0);
        assert.match(sim.stderr, new RegExp(`modem ${kind}: link 0: TLS handshake with \\S+ failed: .*${c.reason.source}`));
        assert.ok(srv.connections >= 1, 'the modem did connect');
        assert.ok(srv.firstBytes.every((b) => b === TLS_HANDSHAKE), `only ClientHellos on the wire: ${JSON.stringify(srv.firstBytes)}`);
        assert.equal(srv.handshakes, 0, 'no handshake completed');
        assert.equal(srv.appBytes, 0, 'no application data reached the server');
        assert.equal(sentCommands(sim.stderr, SECURE_CMDS[kind].send).length, 0, 'nothing handed to the modem to send');
      });
    }

    test('--insecure: the module is told not to verify, warns, and connects to a wrong-name certificate', { timeout: 60000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto', { mosquitto: { tls: { cert: 'wrongName' } } });
      const sim = s.sim(modemArgs(kind, urlFor('mqtts', broker.mosquitto!.tlsPort!), ['--ca', certs.ca.cert, '--insecure', '--trace']));
      await sim.waitFor(is.connected(), BRING_UP_MS, 0, 'CONNACK without verification');
      assert.equal(sentCommands(sim.stderr, SECURE_CMDS[kind].insecure).length, 1);
      assert.match(sim.stderr, new RegExp(`modem ${kind}: warning: .*will NOT be verified`));
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });
  });
}

describe('modems without TLS: a clear error, never plaintext', () => {
  for (const path of ['mqtts', 'wss'] as const) {
    test(`sim900 + ${path}: bad-config at start-up, no CIPSTART, no connection`, { timeout: 30000 }, async (t) => {
      const s = new Scope(t);
      const srv = await startWatchedTls(t, certs.server);
      const sim = s.sim(modemArgs('sim900', urlFor(path, srv.port), ['--ca', certs.ca.cert, '--trace']));
      const code = await sim.exit(20000);
      assert.equal(code, 2, sim.describe());
      assert.equal(sim.count(is.error('bad-config')), 1, sim.describe());
      assert.match(sim.stderr, /config: bad tls: sim900/);
      assert.equal(sentCommands(sim.stderr, 'AT+CIPSTART').length, 0);
      assert.equal(srv.connections, 0);
    });
  }

  for (const c of [
    { kind: 'sim800' as const, refusal: 'AT+CIPSSL=1', config: { apn: 'internet' } },
    { kind: 'esp-at' as const, refusal: 'AT+CIPSSLCCONF=0,2', config: { ssid: 'atmqtt-wifi', wifi_password: 'atmqtt-pass' } },
  ]) {
    test(`${c.kind} whose firmware lacks SSL (${c.refusal} → ERROR): unsupported, no CIPSTART, no connection`, { timeout: 60000 }, async (t) => {
      const srv = await startWatchedTls(t, certs.server);
      const d = startInProcess(t, { kind: c.kind, baud: 115200, ssl: false },
        { url: urlFor('mqtts', srv.port), link: c.kind, baud: 115200, ...c.config }, certs.ca.certPem);
      const e = await d.waitFor((x) => x.event === 'error', BRING_UP_MS, 'an error');
      assert.equal(e.event === 'error' && e.code, 'unsupported', JSON.stringify(e));
      assert.ok(sentCommands(d.stderr(), c.refusal).length >= 1);
      // a bring-up more: still nothing in plaintext
      await sleep(3000);
      d.stop();
      assert.equal(d.events.filter((x) => x.event === 'connected').length, 0);
      assert.equal(sentCommands(d.stderr(), 'AT+CIPSTART').length, 0, d.stderr().slice(-3000));
      assert.equal(srv.connections, 0);
    });
  }
});
