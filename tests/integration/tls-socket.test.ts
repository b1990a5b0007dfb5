// The device over TLS on the host's sockets (mqtts:// and wss://), against
// Mosquitto's TLS listeners with throwaway certificates (tls-certs.ts) and
// an mqtt.js peer on the plain listener. A good certificate: the whole
// exchange (retained, QoS 0/1/2 both ways exactly once, will, reconnect).
// A wrong CA, an expired certificate, a wrong host name: tls-failed, the
// reason in the host log, and not one application byte sent, counted by a
// Node TLS server presenting that certificate. Credentials never in the
// clear on the wire (and, as the control, in the clear over mqtt://).
// --insecure: connects to the wrong-name certificate, with a warning.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is, type Sim, type SimOptions } from '../helpers/sim.ts';
import { Mosquitto } from '../helpers/mosquitto.ts';
import { tlsCerts, type ServerCert } from '../helpers/tls-certs.ts';
import { runExchange } from '../helpers/ws-exchange.ts';

type Secure = 'mqtts' | 'wss';
const TRANSPORTS: readonly Secure[] = ['mqtts', 'wss'];

/** A scope whose devices all get these extra arguments (--ca FILE, --trace…). */
class TlsScope extends Scope {
  constructor(t: TestContext, private readonly extra: string[]) { super(t); }
  override sim(args: string[], opts: SimOptions = {}): Sim {
    return super.sim([...args, ...this.extra], opts);
  }
}

async function mosquitto(t: TestContext, cert: ServerCert, users?: Record<string, string>): Promise<Mosquitto> {
  const m = await Mosquitto.start({ tls: { cert, ws: true }, users });
  t.after(() => m.dispose());
  return m;
}

function url(kind: Secure, host: string, port: number): string {
  return kind === 'mqtts' ? `mqtts://${host}:${port}` : `wss://${host}:${port}/mqtt`;
}

/** Checks cond every 50 ms (it counts in this process, not from sim events); rejects after timeoutMs. */
async function poll(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timeout after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(50);
  }
}

/** The host's handshake log lines ("tls HOST:PORT: verified (TLSv1.3 …, N ms)"). */
function verifiedLines(sim: Sim): string[] {
  return sim.stderr.split('\n').filter((l) => /\btls \S+: verified \(/.test(l));
}

/**
 * A TLS server presenting one certificate that never answers: it counts
 * TCP connections, completed handshakes and the application bytes received
 * after them, which must stay 0 when the client refused the certificate.
 */
class CountingTlsServer {
  connections = 0;
  handshakes = 0;
  appBytes = 0;
  private readonly sockets = new Set<net.Socket>();
  private constructor(private readonly server: tls.Server, readonly port: number) {}

  static async start(cert: ServerCert): Promise<CountingTlsServer> {
    let self: CountingTlsServer | undefined;
    const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (s) => {
      self!.handshakes++;
      self!.sockets.add(s);
      s.on('data', (d: Buffer) => { self!.appBytes += d.length; });
      s.on('error', () => {});
    });
    server.on('connection', (s: net.Socket) => { self!.connections++; self!.sockets.add(s); });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new CountingTlsServer(server, (server.address() as net.AddressInfo).port);
    return self;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A TCP proxy on 127.0.0.1 keeping every byte the device sent, to search the raw wire. */
class RecordingProxy {
  private readonly chunks: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();
  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetPort: number): Promise<RecordingProxy> {
    let self: RecordingProxy | undefined;
    const server = net.createServer((client) => {
      const p = self!;
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
      p.sockets.add(client);
      p.sockets.add(upstream);
      client.on('data', (d: Buffer) => { p.chunks.push(Buffer.from(d)); upstream.write(d); });
      upstream.on('data', (d: Buffer) => client.write(d));
      const end = () => { client.destroy(); upstream.destroy(); };
      for (const s of [client, upstream]) { s.on('close', end); s.on('error', end); }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    self = new RecordingProxy(server, (server.address() as net.AddressInfo).port);
    return self;
  }

  /** Everything the device sent, in order. */
  get sent(): Buffer { return Buffer.concat(this.chunks); }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

for (const kind of TRANSPORTS) {
  describe(`device over TLS on host sockets (${kind}, Mosquitto)`, () => {
    test('verified certificate: retained, QoS 0/1/2 both ways exactly once, will after drop, reconnect', async (t) => {
      const certs = tlsCerts();
      const m = await mosquitto(t, certs.server);
      // a name (SNI, DNS SAN) over mqtts, an address (IP SAN) over wss
      const device = kind === 'mqtts' ? m.tlsUrl('localhost') : m.wssUrl('127.0.0.1');
      const s = new TlsScope(t, ['--ca', certs.ca.cert, '--trace']);
      const { sim } = await runExchange(s, device, m.url);
      const verified = verifiedLines(sim);
      assert.equal(verified.length, 2, `two connections, each verified\n${sim.describe()}`);
      assert.doesNotMatch(sim.stderr, /insecure|handshake failed/i);
      const ms = verified.map((l) => Number(/, (\d+) ms\)/.exec(l)?.[1]));
      t.diagnostic(`${kind} TLS handshake on loopback (TCP connect to verified): ${ms.join(' ms, ')} ms; ${verified[0].replace(/^.*verified /, '')}`);
    });

    test('credentials travel only inside TLS: the password never appears in the raw bytes', async (t) => {
      const certs = tlsCerts();
      const password = `pw-${uniqueId('secret')}`;
      const m = await mosquitto(t, certs.server, { dev: password });
      const proxy = await RecordingProxy.start(kind === 'mqtts' ? m.tlsPort! : m.wssPort!);
      t.after(() => proxy.close());
      const s = new Scope(t);
      const sim = s.sim(['--broker', url(kind, '127.0.0.1', proxy.port), '--ca', certs.ca.cert,
        '--username', 'dev', '--password', password]);
      await sim.waitFor(is.connected(false), 8000);
      sim.sendAll(['sub cred/# 1', `pub cred/x 1 0 payload-${password}`]);
      const msg = await sim.waitFor(is.message('cred/x'), 5000);
      assert.equal(msg.payload, `payload-${password}`);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
      const wire = proxy.sent;
      assert.ok(wire.length > 500, `the device's bytes went through the proxy (${wire.length})`);
      assert.equal(wire[0], 0x16, 'the first byte is a TLS handshake record (ClientHello)');
      assert.equal(wire.indexOf(password), -1, 'password not in the clear');
      assert.equal(wire.indexOf('cred/x'), -1, 'topic not in the clear');
    });

    test('--insecure connects to a certificate for another name, with a warning per connection', async (t) => {
      const certs = tlsCerts();
      const m = await mosquitto(t, certs.wrongName);
      const s = new Scope(t);
      // no --ca either: neither the chain nor the name can be verified
      const sim = s.sim(['--broker', kind === 'mqtts' ? m.tlsUrl('localhost') : m.wssUrl('localhost'), '--insecure']);
      await sim.waitFor(is.connected(false), 8000);
      sim.sendAll(['sub ins/# 2', 'pub ins/x 2 0 through']);
      assert.equal((await sim.waitFor(is.message('ins/x'), 5000)).payload, 'through');
      const mark = sim.events.length;
      sim.send('drop');
      await sim.waitFor(is.connected(), 8000, mark, 'reconnected');
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
      const warnings = sim.stderr.split('\n').filter((l) => /WARNING insecure: certificate and host name NOT verified/.test(l));
      assert.equal(warnings.length, 2, `one warning for each of the two connections\n${sim.stderr}`);
      assert.match(warnings[0], /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_TLS_CERT_ALTNAME_INVALID/);
      assert.deepEqual(sim.filter(is.error()), [], sim.describe());
    });
  });

  describe(`refused certificates (${kind}): tls-failed, the reason logged, no application byte sent`, () => {
    const host = kind === 'mqtts' ? 'localhost' : '127.0.0.1';
    const cases: { name: string; cert: 'server' | 'expired' | 'wrongName'; ca: 'ca' | 'otherCa'; reason: RegExp }[] = [
      { name: 'a CA the device does not trust', cert: 'server', ca: 'otherCa', reason: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/ },
      { name: 'an expired certificate', cert: 'expired', ca: 'ca', reason: /CERT_HAS_EXPIRED/ },
      { name: `a certificate without ${host}`, cert: 'wrongName', ca: 'ca', reason: /ERR_TLS_CERT_ALTNAME_INVALID/ },
    ];
    for (const c of cases) {
      test(c.name, async (t) => {
        const certs = tlsCerts();
        const server = await CountingTlsServer.start(certs[c.cert]);
        t.after(() => server.close());
        const s = new Scope(t);
        const sim = s.sim(['--broker', url(kind, host, server.port), '--ca', certs[c.ca].cert]);
        const e = await sim.waitFor(is.error('tls-failed'), 8000);
        assert.match(e.message ?? '', /TLS/);
        // a second attempt after the backoff, refused the same way
        await sim.waitForCount(is.error('tls-failed'), 2, 8000, 0, 'second tls-failed');
        await sleep(300); // room for bytes that should not come
        assert.equal(await sim.endAndExit(10000), 0, sim.describe());
        assert.ok(server.connections >= 2, `the device reached the server (${server.connections} connections)`);
        assert.equal(server.appBytes, 0, `application bytes after the handshake: ${server.appBytes}`);
        assert.equal(sim.count(is.connected()), 0);
        const reasons = sim.stderr.split('\n').filter((l) => l.includes(`tls ${host}:${server.port}: TLS handshake failed:`));
        assert.ok(reasons.length >= 2, `one reason line per attempt\n${sim.stderr}`);
        assert.match(reasons[0], c.reason);
      });
    }

    test('control: with the good certificate the same server receives the CONNECT', async (t) => {
      const certs = tlsCerts();
      const server = await CountingTlsServer.start(certs.server);
      t.after(() => server.close());
      const s = new Scope(t);
      const sim = s.sim(['--broker', url(kind, host, server.port), '--ca', certs.ca.cert]);
      await poll(() => server.appBytes > 0, 8000, () => `application bytes at the server\n${sim.describe()}`);
      assert.equal(server.handshakes, 1);
      assert.equal(sim.count(is.error('tls-failed')), 0, sim.describe());
      assert.doesNotMatch(sim.stderr, /handshake failed/);
    });
  });
}

describe('control: credentials over plain mqtt://', () => {
  test('the same proxy sees the password in the clear', async (t) => {
    const password = `pw-${uniqueId('plain')}`;
    const m = await Mosquitto.start({ users: { dev: password } });
    t.after(() => m.dispose());
    const proxy = await RecordingProxy.start(m.port);
    t.after(() => proxy.close());
    const s = new Scope(t);
    const sim = s.sim(['--broker', `mqtt://127.0.0.1:${proxy.port}`, '--username', 'dev', '--password', password]);
    await sim.waitFor(is.connected(false), 8000);
    assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    assert.notEqual(proxy.sent.indexOf(password), -1, 'password in the CONNECT, readable on the wire');
  });
});
