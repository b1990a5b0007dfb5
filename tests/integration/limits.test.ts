// Limits are explicit: a full outbox refuses with outbox-full and keeps
// what it took; packets past 1024 bytes are refused (outbound) or dropped
// with an error (inbound), and the connection stays up.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { BROKER_KINDS } from '../helpers/brokers.ts';
import { is } from '../helpers/sim.ts';

/** Largest MQTT packet, fixed header included (assembly/config.ts MAX_PACKET). */
const MAX_PACKET = 1024;

/** Payload bytes that make a PUBLISH exactly `total` bytes long (remaining length ≥ 128). */
function payloadFor(total: number, topic: string, qos: number): number {
  const rem = total - 3; // 1 type byte + 2 remaining-length bytes
  return rem - 2 - Buffer.byteLength(topic) - (qos > 0 ? 2 : 0);
}

for (const kind of BROKER_KINDS) {
  describe(`outbox overflow (${kind})`, () => {
    test('with the broker down, QoS 1 publishes are taken until outbox-full; all taken arrive later', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const base = uniqueId('ovf');
      const peer = await s.peer(broker.url, { reconnectPeriod: 200 });
      await peer.subscribe(`${base}/#`, 1);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);

      const mark = sim.events.length;
      await broker.stop();
      await sim.waitFor(is.disconnected(), 5000, mark);
      const TRIES = 60;
      sim.sendAll(Array.from({ length: TRIES }, (_, i) => `pub ${base}/${i} 1 0 o-${i}`));
      sim.send('wait 1');
      // every refusal is reported; once full, the outbox stays full while the broker is away
      await sim.waitFor(is.error('outbox-full'), 3000, mark);
      await sleep(500);
      const refused = sim.filter(is.error('outbox-full'), mark);
      const taken = TRIES - refused.length;
      t.diagnostic(`outbox took ${taken} of ${TRIES}`);
      assert.ok(taken >= 1 && taken < TRIES, `taken ${taken}`);
      // where the message names the topic, the refused ones are exactly the last ones
      const named = refused.map((e) => /pub (\S+) refused/.exec(e.message ?? '')?.[1]).filter((x): x is string => x !== undefined);
      if (named.length === refused.length) {
        assert.deepEqual(named, Array.from({ length: refused.length }, (_, k) => `${base}/${taken + k}`));
      }
      assert.equal(sim.count(is.error(), mark), refused.length, `no other errors while down\n${sim.describe()}`);

      const connects = peer.connects;
      await broker.start();
      await peer.waitForConnects(connects + 1, 5000);
      await peer.probe(`${base}/probe`, 3000);
      await sim.waitFor(is.connected(), 10000, mark);
      await sim.waitForCount(is.published(undefined, 1), taken, 10000, mark, 'published (QoS 1)');
      const want = Array.from({ length: taken }, (_, i) => `o-${i}`);
      await peer.waitUntil(() => want.every((w) => peer.messages.some((m) => m.text === w)), 5000, `${taken} taken messages`);
      await sleep(300);
      const got = peer.on((topic) => topic !== `${base}/probe`).map((m) => m.text);
      assert.deepEqual([...new Set(got)].sort(), [...want].sort(), 'exactly the taken messages arrive, none of the refused');
      assert.equal(got.length, taken, `once each on loopback: ${got.length}`);
      assert.deepEqual(got, want, 'in the order they were taken');
      assert.equal(sim.count(is.published(), mark), taken);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });
  });

  describe(`packet size (${kind})`, () => {
    test(`outbound: a ${MAX_PACKET}-byte PUBLISH goes, ${MAX_PACKET + 1} is refused with packet-too-large, the link stays up`, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const topic = `${uniqueId('big')}/t`;
      const peer = await s.peer(broker.url);
      await peer.subscribe(topic, 1);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);

      const fits0 = 'a'.repeat(payloadFor(MAX_PACKET, topic, 0));
      const over0 = 'b'.repeat(payloadFor(MAX_PACKET + 1, topic, 0));
      const fits1 = 'c'.repeat(payloadFor(MAX_PACKET, topic, 1));
      const over1 = 'd'.repeat(payloadFor(MAX_PACKET + 1, topic, 1));
      const huge = 'e'.repeat(3000);
      sim.sendAll([
        `pub ${topic} 0 0 ${fits0}`,
        `pub ${topic} 0 0 ${over0}`,
        `pub ${topic} 1 0 ${fits1}`,
        `pub ${topic} 1 0 ${over1}`,
        `pub ${topic} 1 0 ${huge}`,
        `pub ${topic} 1 0 after`,
      ]);
      await peer.waitUntil(() => peer.messages.some((m) => m.text === 'after'), 5000, 'the small message after the refusals');
      await sleep(300);
      const errors = sim.filter(is.error());
      assert.deepEqual(errors.map((e) => e.code), ['packet-too-large', 'packet-too-large', 'packet-too-large'], sim.describe());
      assert.deepEqual(peer.messages.map((m) => m.text.length), [fits0.length, fits1.length, 5], 'the two that fit, and the small one');
      assert.equal(peer.messages[0].text, fits0);
      assert.equal(peer.messages[1].text, fits1);
      assert.equal(sim.count(is.published(topic)), 3);
      assert.equal(sim.count(is.disconnected()), 0, 'link kept');
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });

    test('inbound: a message past the buffer is dropped with packet-too-large; later ones arrive', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const topic = `${uniqueId('big')}/in`;
      const id = uniqueId('dev');
      const peer = await s.peer(broker.url);
      const sim = s.sim(['--broker', broker.url, '--client-id', id]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`sub ${topic} 1`);
      await sim.waitFor(is.subscribed(topic), 5000);

      // the broker forwards at QoS 1 (the granted QoS): sizes are of that packet
      const fits = 'f'.repeat(payloadFor(MAX_PACKET, topic, 1));
      await peer.publish(topic, fits, 1);
      await peer.publish(topic, 'g'.repeat(4000), 1);
      await peer.publish(topic, 'h'.repeat(4000), 0);
      await peer.publish(topic, 'after', 1);
      await sim.waitFor((e) => e.event === 'message' && e.payload === 'after', 5000);
      await sleep(1000); // a QoS 1 message left unacknowledged would not come back; a resent one would
      const msgs = sim.filter(is.message(topic));
      assert.deepEqual(msgs.map((m) => m.payload?.length), [fits.length, 5], sim.describe(5));
      assert.equal(msgs[0].payload, fits);
      const errors = sim.filter(is.error());
      assert.deepEqual(errors.map((e) => e.code), ['packet-too-large', 'packet-too-large'], sim.describe(5));
      assert.equal(sim.count(is.disconnected()), 0, 'link kept');
      if (broker.mosquitto) {
        // the dropped QoS 1 message was acknowledged, so the broker holds nothing in flight
        const log = broker.mosquitto.log();
        const pubacks = (log.match(new RegExp(`Received PUBACK from ${id} \\(Mid: \\d+`, 'g')) ?? []).length;
        assert.ok(pubacks >= 3, `PUBACKs from the device for all three QoS 1 messages: ${pubacks}`);
      }
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });

    test(`inbound: the limit is the same ${MAX_PACKET} bytes, fixed header included`, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const topic = `${uniqueId('big')}/edge`;
      const peer = await s.peer(broker.url);
      const sim = s.sim(['--broker', broker.url]);
      await sim.waitFor(is.connected(), 5000);
      sim.send(`sub ${topic} 1`);
      await sim.waitFor(is.subscribed(topic), 5000);
      await peer.publish(topic, 'x'.repeat(payloadFor(MAX_PACKET, topic, 1)), 1);
      await peer.publish(topic, 'y'.repeat(payloadFor(MAX_PACKET + 1, topic, 1)), 1);
      await peer.publish(topic, 'after', 1);
      await sim.waitFor((e) => e.event === 'message' && e.payload === 'after', 5000);
      assert.deepEqual(sim.filter(is.message(topic)).map((e) => e.payload?.[0]), ['x', 'a'], sim.describe(5));
      assert.deepEqual(sim.filter(is.error()).map((e) => e.code), ['packet-too-large']);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });
  });
}
