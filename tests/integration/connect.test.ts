// Connecting, disconnecting cleanly, ending the input; good and bad
// passwords, and that a refused CONNECT backs off instead of hot looping.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { BROKER_KINDS } from '../helpers/brokers.ts';
import { is } from '../helpers/sim.ts';
import { configSize } from '../helpers/profile.ts';

/** QoS 1 and QoS 2 publishes each in the drain test: all fit the outbox at once. */
const DRAIN = Math.min(10, configSize('OUTBOX_SLOTS') / 2);

for (const kind of BROKER_KINDS) {
  describe(`connect (${kind})`, () => {
    test('connects, disconnects on command, reconnects on command, exits 0 at end of input', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const id = uniqueId('conn');
      const sim = s.sim(['--broker', broker.url, '--client-id', id, '--keepalive', '30']);

      const c1 = await sim.waitFor(is.connected(), 5000);
      assert.equal(c1.sessionPresent, false, 'clean session: no session present');

      let mark = sim.events.length;
      sim.send('disconnect');
      await sim.waitFor(is.disconnected(), 3000, mark);
      assert.deepEqual(sim.filter(is.disconnected(), mark).map((e) => e.reason), ['requested']);
      await sleep(1500);
      assert.equal(sim.count(is.connected(), mark), 0, 'stays down after disconnect: no automatic reconnect');

      mark = sim.events.length;
      sim.send('connect');
      await sim.waitFor(is.connected(false), 5000, mark);

      mark = sim.events.length;
      const code = await sim.endAndExit(10000);
      assert.equal(code, 0, sim.describe());
      assert.deepEqual(sim.events.slice(mark).map((e) => [e.event, e.reason]), [['disconnected', 'requested']]);
      assert.equal(sim.count(is.error()), 0, sim.describe());
      assert.deepEqual(sim.junk, [], 'stdout carries only JSON lines');

      if (broker.mosquitto) {
        const log = broker.mosquitto.log();
        const connects = log.match(new RegExp(`New client connected from \\S+ as ${id} \\(p2, c1, k30`, 'g')) ?? [];
        assert.equal(connects.length, 2, `two MQTT 3.1.1 CONNECTs, clean, keep alive 30\n${log}`);
        const clean = log.match(new RegExp(`Client ${id} disconnected\\.`, 'g')) ?? [];
        assert.equal(clean.length, 2, `both ends were DISCONNECT packets, not dropped sockets\n${log}`);
      }
    });

    test('end of input with no command exits 0 after connecting', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
      assert.equal(sim.filter((e) => e.event !== 'connected' && e.event !== 'disconnected').length, 0, sim.describe());
    });
  });

  describe(`end of input (${kind})`, () => {
    test(`drains ${DRAIN} + ${DRAIN} outstanding QoS 1 and 2 publishes, then DISCONNECT, exit 0`, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const base = uniqueId('drain');
      const peer = await s.peer(broker.url);
      await peer.subscribe(`${base}/#`, 2);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      const lines: string[] = [];
      for (let i = 0; i < DRAIN; i++) lines.push(`pub ${base}/1 1 0 d1-${i}`, `pub ${base}/2 2 0 d2-${i}`);
      sim.sendAll(lines);
      const code = await sim.endAndExit(20000);
      assert.equal(code, 0, sim.describe());
      assert.equal(sim.count(is.published(`${base}/1`, 1)), DRAIN, sim.describe());
      assert.equal(sim.count(is.published(`${base}/2`, 2)), DRAIN, sim.describe());
      const last = sim.events[sim.events.length - 1];
      assert.deepEqual([last.event, last.reason], ['disconnected', 'requested'], 'DISCONNECT after the flows');
      await peer.waitForMessages((topic) => topic.startsWith(`${base}/`), 2 * DRAIN, 3000);
      await sleep(200);
      assert.deepEqual(peer.on(`${base}/1`).map((m) => m.text), Array.from({ length: DRAIN }, (_, i) => `d1-${i}`));
      assert.deepEqual(peer.on(`${base}/2`).map((m) => m.text), Array.from({ length: DRAIN }, (_, i) => `d2-${i}`));
    });
  });

  describe(`authentication (${kind})`, () => {
    const users = { dev: 's3cret' };

    test('good password connects', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind, { users });
      const sim = s.sim(['--broker', broker.url, '--username', 'dev', '--password', 's3cret']);
      await sim.waitFor(is.connected(false), 5000);
      assert.equal(sim.count(is.error()), 0, sim.describe());
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });

    test('bad password: refused, never connected, backs off (no hot loop)', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind, { users });
      const t0 = Date.now();
      const sim = s.sim(['--broker', broker.url, '--username', 'dev', '--password', 'wrong']);
      const first = await sim.waitFor(is.error('connection-refused'), 5000);
      assert.ok(first.reason === 'bad-username-or-password' || first.reason === 'not-authorized', `reason ${first.reason}`);
      // watch for 4 s from the first refusal
      await sleep(4000 - (Date.now() - first.at));
      const window = Date.now() - first.at;
      const refusals = sim.filter(is.error('connection-refused'));
      assert.equal(sim.count(is.connected()), 0, 'never connected');
      assert.ok(refusals.every((e) => e.reason === first.reason), sim.describe());
      // 1 s base, doubling, up to +25 % jitter: refusals near 0, 1–1.25, 3–3.8 s
      assert.ok(refusals.length >= 2, `retries at all: ${refusals.length} refusals in ${window} ms\n${sim.describe()}`);
      assert.ok(refusals.length <= 4, `backs off: ${refusals.length} refusals in ${window} ms\n${sim.describe()}`);
      const gaps = refusals.slice(1).map((e, i) => e.at - refusals[i].at);
      assert.ok(gaps[0] >= 900, `first retry after ≥ 1 s, gaps ${gaps.join(',')}`);
      if (gaps.length > 1) assert.ok(gaps[1] >= 1800, `second retry after ≥ 2 s, gaps ${gaps.join(',')}`);
      const accepted = broker.connections();
      if (accepted >= 0) {
        // the broker's own count of TCP connections in the same span
        assert.ok(accepted >= refusals.length && accepted <= refusals.length + 1,
          `broker saw ${accepted} connections for ${refusals.length} refusals`);
      }
      // other error events are not a substitute for the refusal (e.g. link-closed storms)
      assert.equal(sim.count(is.error()), refusals.length, sim.describe());
      assert.ok(Date.now() - t0 < 8000);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });
  });
}
