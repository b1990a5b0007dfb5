// QoS 0, 1 and 2 in both directions, with exact counts at the receiver.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { BROKER_KINDS } from '../helpers/brokers.ts';
import { is, publishWindowed, type Sim } from '../helpers/sim.ts';
import type { QoS } from '../helpers/peer.ts';
import { configSize } from '../helpers/profile.ts';

const N = 50;
/** QoS 2 messages the device may be sent without waiting for it: no more
 * than its inbound id table holds (past it the client reconnects by design). */
const BURST2 = Math.min(N, configSize('QOS2_IN_SLOTS'));

function payloads(qos: number): string[] {
  return Array.from({ length: N }, (_, i) => `q${qos}-${String(i).padStart(3, '0')}`);
}

/** Exactly the payloads of each QoS, once each and in order; no error, no disconnect. */
function assertInbound(sim: Sim, base: string, qoss: number[], n = (_qos: number) => N): void {
  for (const qos of qoss) {
    const topic = `${base}/${qos}`;
    const got = sim.filter(is.message(topic));
    assert.deepEqual(got.map((m) => m.payload), payloads(qos).slice(0, n(qos)), `${topic} payloads, once each, in order\n${sim.describe()}`);
    assert.ok(got.every((m) => m.qos === qos && m.retain === false && m.dup === false), `${topic} flags`);
  }
  assert.equal(sim.count(is.message()), qoss.reduce((sum, qos) => sum + n(qos), 0), 'no other messages');
  assert.equal(sim.count(is.error()), 0, sim.describe());
  assert.equal(sim.count(is.disconnected()), 0, sim.describe());
}

for (const kind of BROKER_KINDS) {
  describe(`QoS 0/1/2 (${kind})`, () => {
    test(`device → peer: ${N} messages at each QoS`, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const peer = await s.peer(broker.url);
      const base = uniqueId('up');
      await peer.subscribe(`${base}/#`, 2);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);

      for (const qos of [0, 1, 2]) {
        await publishWindowed(sim, `${base}/${qos}`, qos, payloads(qos), 15000);
      }
      for (const qos of [0, 1, 2]) {
        const topic = `${base}/${qos}`;
        await peer.waitForMessages(topic, N, 5000);
      }
      await sleep(300); // a duplicate would show up here
      for (const qos of [0, 1, 2]) {
        const topic = `${base}/${qos}`;
        const got = peer.on(topic);
        assert.equal(sim.count(is.published(topic)), N, `${N} published events for ${topic}`);
        assert.ok(sim.filter(is.published(topic)).every((e) => e.qos === qos), `published events carry qos ${qos}`);
        // loopback: nothing lost, nothing doubled; per-topic order is kept
        assert.deepEqual(got.map((m) => m.text), payloads(qos), `${topic} payloads, once each, in order`);
        assert.ok(got.every((m) => m.qos === qos && !m.retain), `${topic}: qos ${qos}, not retained`);
      }
      assert.equal(sim.count(is.error()), 0, sim.describe());
      assert.equal(sim.count(is.disconnected()), 0, sim.describe());
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test(`peer → device: ${N} messages at each QoS, lockstep`, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const peer = await s.peer(broker.url);
      const base = uniqueId('down');
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`sub ${base}/# 2`);
      const sub = await sim.waitFor(is.subscribed(`${base}/#`), 5000);
      assert.equal(sub.granted, 2);

      // the next publish only once the device has reported the previous one
      let k = 0;
      for (const qos of [0, 1, 2] as QoS[]) {
        for (const p of payloads(qos)) {
          await peer.publish(`${base}/${qos}`, p, qos);
          await sim.waitForCount(is.message(), ++k, 5000, 0, 'messages');
        }
      }
      await sleep(300);
      assertInbound(sim, base, [0, 1, 2]);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test(`peer → device: ${N} messages at QoS 0 and 1, ${BURST2} at QoS 2, back to back`, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const peer = await s.peer(broker.url);
      const base = uniqueId('down');
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`sub ${base}/# 2`);
      await sim.waitFor(is.subscribed(`${base}/#`), 5000);

      // each publish awaits its own flow with the broker (PUBACK / PUBCOMP), not
      // the device, so on a slow device the QoS 2 ones pile up unacknowledged
      const count = (qos: number): number => (qos === 2 ? BURST2 : N);
      for (const qos of [0, 1, 2] as QoS[]) {
        for (const p of payloads(qos).slice(0, count(qos))) await peer.publish(`${base}/${qos}`, p, qos);
      }
      await sim.waitForCount(is.message(), 2 * N + BURST2, 5000, 0, 'messages');
      await sleep(300);
      assertInbound(sim, base, [0, 1, 2], count);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test('peer → device: a burst of 200 QoS 0 messages arrives within 2 s', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const peer = await s.peer(broker.url);
      const base = uniqueId('burst');
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`sub ${base}/# 2`);
      await sim.waitFor(is.subscribed(`${base}/#`), 5000);

      const many = Array.from({ length: 200 }, (_, i) => `b-${i}`);
      const t0 = Date.now();
      await Promise.all(many.map((p) => peer.publish(`${base}/0`, p, 0)));
      await sim.waitForCount(is.message(), many.length, 2000, 0, 'messages');
      const last = Math.max(...sim.filter(is.message()).map((e) => e.at)) - t0;
      assert.ok(last < 2000, `all delivered ${last} ms after the burst`);
      assert.deepEqual(sim.filter(is.message()).map((e) => e.payload), many);
      assert.equal(sim.count(is.error()), 0, sim.describe());
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test(`peer → device: burst of ${BURST2} QoS 2, exactly once, link kept`, {
      // Traced: the device sends PUBREC/PUBCOMP for all 20 in flight, then
      // Mosquitto 2.0.11 sends nothing more (its inflight-quota bugs, fixed
      // in 2.0.13); the queued rest only comes on a new connection.
      todo: kind === 'mosquitto' ? 'Mosquitto 2.0.11 (Debian) stops after max_inflight_messages (20) QoS 2 deliveries in a burst' : false,
    }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const peer = await s.peer(broker.url);
      const base = uniqueId('burst2');
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`sub ${base}/# 2`);
      await sim.waitFor(is.subscribed(`${base}/#`), 5000);

      await Promise.all(payloads(2).slice(0, BURST2).map((p) => peer.publish(`${base}/2`, p, 2)));
      await sim.waitForCount(is.message(), BURST2, 5000, 0, 'messages');
      await sleep(300);
      assertInbound(sim, base, [2], () => BURST2);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });
  });
}
