// The last will (published by the broker after a lost link, not after a
// clean DISCONNECT) and retained messages in both directions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { BROKER_KINDS } from '../helpers/brokers.ts';
import { is } from '../helpers/sim.ts';

for (const kind of BROKER_KINDS) {
  describe(`last will (${kind})`, () => {
    test('is published after drop, with its topic, payload, QoS and retain flag', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const willTopic = `${uniqueId('will')}/status`;
      const peer = await s.peer(broker.url);
      await peer.subscribe(willTopic, 2);
      const sim = s.sim(['--broker', broker.url, '--client-id', uniqueId('dev'),
        '--will-topic', willTopic, '--will-payload', 'offline', '--will-qos', '1', '--will-retain']);
      await sim.waitFor(is.connected(), 5000);
      await sleep(200);
      assert.equal(peer.on(willTopic).length, 0, 'no will while connected');

      const mark = sim.events.length;
      sim.send('drop');
      const [will] = await peer.waitForMessages(willTopic, 1, 3000);
      assert.equal(will.text, 'offline');
      assert.equal(will.qos, 1, 'will QoS 1 (subscription allows 2)');
      // a live subscriber sees retain 0 (MQTT-3.3.1-9); a new one gets the retained copy
      const late = await s.peer(broker.url);
      await late.subscribe(willTopic, 1);
      const [kept] = await late.waitForMessages(willTopic, 1, 3000);
      assert.equal(kept.text, 'offline');
      assert.equal(kept.retain, true, 'will retained');

      // the device reconnects by itself after the drop
      const d = await sim.waitFor(is.disconnected(), 3000, mark);
      assert.notEqual(d.reason, 'requested');
      await sim.waitFor(is.connected(), 5000, mark);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
      await sleep(300);
      assert.equal(peer.on(willTopic).length, 1, 'exactly one will: the clean exit after the reconnect sent none');
    });

    test('is not published after a clean disconnect or at end of input', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const willTopic = `${uniqueId('will')}/status`;
      const peer = await s.peer(broker.url);
      await peer.subscribe(willTopic, 2);
      const sim = s.sim(['--broker', broker.url, '--will-topic', willTopic, '--will-payload', 'offline', '--will-qos', '2']);
      await sim.waitFor(is.connected(), 5000);

      let mark = sim.events.length;
      sim.send('disconnect');
      await sim.waitFor(is.disconnected('requested'), 3000, mark);
      await sleep(700);
      assert.equal(peer.on(willTopic).length, 0, `no will after disconnect: ${peer.summary()}`);

      mark = sim.events.length;
      sim.send('connect');
      await sim.waitFor(is.connected(), 5000, mark);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
      await sleep(700);
      assert.equal(peer.on(willTopic).length, 0, `no will after end of input: ${peer.summary()}`);
      // and the broker kept no retained will either
      const late = await s.peer(broker.url);
      await late.subscribe(willTopic, 1);
      await sleep(300);
      assert.equal(late.messages.length, 0);
    });
  });

  describe(`retained messages (${kind})`, () => {
    test('a retained message is delivered on subscribe with retain set; live ones without', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const topic = `${uniqueId('ret')}/config`;
      const peer = await s.peer(broker.url);
      await peer.publish(topic, 'mode=eco level=3', 1, true);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`sub ${topic} 1`);
      const m = await sim.waitFor(is.message(topic), 3000);
      assert.equal(m.payload, 'mode=eco level=3');
      assert.equal(m.retain, true);
      assert.equal(m.qos, 1);
      assert.equal(m.dup, false);

      await peer.publish(topic, 'mode=max', 1, false);
      const live = await sim.waitFor(is.message(topic), 3000, sim.events.indexOf(m) + 1);
      assert.equal(live.payload, 'mode=max');
      assert.equal(live.retain, false);
      assert.equal(sim.count(is.message(topic)), 2);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });

    test('the device publishes retained (payload with spaces), then clears it with an empty payload', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const topic = `${uniqueId('ret')}/state`;
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`pub ${topic} 1 1 on  since 12:00`);
      await sim.waitFor(is.published(topic, 1), 3000);

      const p1 = await s.peer(broker.url);
      await p1.subscribe(topic, 2);
      const [got] = await p1.waitForMessages(topic, 1, 3000);
      assert.equal(got.text, 'on  since 12:00', 'payload is the rest of the line, inner spaces kept');
      assert.equal(got.retain, true);
      assert.equal(got.qos, 1);

      const mark = sim.events.length;
      sim.send(`pub ${topic} 1 1`);
      await sim.waitFor(is.published(topic, 1), 3000, mark);
      const p2 = await s.peer(broker.url);
      await p2.subscribe(topic, 2);
      await sleep(400);
      assert.equal(p2.messages.length, 0, `retained message cleared: ${p2.summary()}`);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });
  });
}
