// Losing the broker: a frozen broker found dead by keep alive, a restarted
// broker reconnected to without help, publishes made meanwhile delivered.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { BROKER_KINDS } from '../helpers/brokers.ts';
import { is } from '../helpers/sim.ts';

describe('dead link (mosquitto)', () => {
  test('a frozen broker is declared dead within 1.5 × keep alive; reconnects once thawed', async (t) => {
    const s = new Scope(t);
    const broker = await s.broker('mosquitto');
    const mosq = broker.mosquitto!;
    const id = uniqueId('ka');
    const sim = s.sim(['--broker', broker.url, '--client-id', id, '--keepalive', '2']);
    await sim.waitFor(is.connected(), 5000);

    // healthy first: keep alive 2 s passes 3 s (1.5 × keep alive) with no false alarm
    await sleep(3000);
    assert.equal(sim.count(is.disconnected()), 0, sim.describe());
    assert.equal(sim.count(is.error()), 0, sim.describe());
    const pings = mosq.logLines(new RegExp(`Received PINGREQ from ${id}`)).length;
    assert.ok(pings >= 1, `PINGREQ sent while healthy (${pings})`);

    const mark = sim.events.length;
    const frozenAt = Date.now();
    mosq.freeze();
    let thawed = false;
    try {
      const err = await sim.waitFor(is.error('ping-timeout'), 6000, mark);
      const d = await sim.waitFor(is.disconnected(), 1000, mark);
      const took = err.at - frozenAt;
      // The last byte from the broker came at or before the freeze, so this
      // measures at least the time since that byte. Allowed: 1.5 × 2 s = 3 s,
      // plus 0.5 s for timer granularity and a loaded machine (2 cores).
      assert.ok(took <= 3500, `ping-timeout ${took} ms after the freeze (limit 3000 + 500 tolerance)`);
      assert.equal(d.reason, 'ping-timeout');
      assert.ok(d.at - err.at < 200, 'disconnected right after the error');
      t.diagnostic(`dead link found ${took} ms after the freeze`);

      mosq.thaw();
      thawed = true;
      const c = await sim.waitFor(is.connected(), 8000, mark);
      assert.ok(c.at > d.at);
      // the new link works: a round trip through the broker
      sim.sendAll([`sub ${id}/echo 1`, `pub ${id}/echo 1 0 alive`]);
      const m = await sim.waitFor(is.message(`${id}/echo`), 5000, mark);
      assert.equal(m.payload, 'alive');
    } finally {
      if (!thawed) mosq.thaw();
    }
    assert.equal(await sim.endAndExit(10000), 0, sim.describe());
  });
});

for (const kind of BROKER_KINDS) {
  describe(`broker restart (${kind})`, () => {
    test('reconnects by itself; publishes made while down arrive; subscriptions are renewed', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const base = uniqueId('rs');
      const peer = await s.peer(broker.url, { reconnectPeriod: 200 });
      await peer.subscribe(`${base}/out/#`, 2);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(false), 5000);
      sim.send(`sub ${base}/loop 1`);
      await sim.waitFor(is.subscribed(`${base}/loop`), 5000);

      const mark = sim.events.length;
      await broker.stop();
      const d = await sim.waitFor(is.disconnected(), 5000, mark);
      assert.notEqual(d.reason, 'requested');
      // made while down: kept in the outbox
      sim.sendAll([
        `pub ${base}/out/1 1 0 down-q1`,
        `pub ${base}/out/2 2 0 down-q2`,
        `pub ${base}/out/0 0 0 down-q0`,
        `pub ${base}/loop 1 0 down-loop`,
      ]);
      await sleep(1500);
      assert.equal(sim.count(is.published(), mark), 0, 'nothing published while down');
      assert.equal(sim.count(is.error('outbox-full'), mark), 0);
      const peerConnects = peer.connects;

      await broker.start();
      // the peer is back (and subscribed again) before the device's next retry
      await peer.waitForConnects(peerConnects + 1, 5000);
      await peer.probe(`${base}/out/probe`, 3000);
      const c = await sim.waitFor(is.connected(), 10000, mark);
      assert.equal(c.sessionPresent, false, 'the restarted broker kept no session');

      const [q1] = await peer.waitForMessages(`${base}/out/1`, 1, 5000);
      const [q2] = await peer.waitForMessages(`${base}/out/2`, 1, 5000);
      assert.equal(q1.text, 'down-q1');
      assert.equal(q2.text, 'down-q2');
      assert.equal(q2.qos, 2);
      await sim.waitFor(is.published(`${base}/out/2`, 2), 5000, mark);
      // the renewed subscription goes out before the queued publishes, so the
      // device hears its own message on the loop topic
      const renewed = await sim.waitFor(is.subscribed(`${base}/loop`), 5000, mark);
      assert.equal(renewed.granted, 1);
      const loop = await sim.waitFor(is.message(`${base}/loop`), 5000, mark);
      assert.equal(loop.payload, 'down-loop');
      // QoS 0 made while down: sent after the CONNACK as well (ABI: kept in the outbox)
      const [q0] = await peer.waitForMessages(`${base}/out/0`, 1, 5000);
      assert.equal(q0.text, 'down-q0');
      await sleep(300);
      assert.equal(peer.on(`${base}/out/1`).length, 1);
      assert.equal(peer.on(`${base}/out/2`).length, 1);
      assert.equal(sim.count(is.message(`${base}/loop`), mark), 1);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });
  });
}
