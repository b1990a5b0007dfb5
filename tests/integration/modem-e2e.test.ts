// The firmware end to end through each emulated AT modem (SIM800, SIM900,
// ESP-AT) at 115200 baud, against a real Mosquitto, with an mqtt.js peer:
// QoS 0/1/2 both ways with exact counts, the last will after a lost
// network, a retained message on subscribe, and a persistent session that
// collects messages while the device is away.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is, type Sim } from '../helpers/sim.ts';
import { BRING_UP_MS, MODEMS, MODEMS_LEFT_OUT, modemArgs, payloadList, publishWindowed, type ModemKind } from '../helpers/modem-e2e.ts';

const N = 20;
const QOSS = [0, 1, 2] as const;
const payloads = (dir: string, qos: number): string[] => payloadList(`${dir}${qos}`, N);

/** Starts a device on `kind` and waits for its first CONNACK. */
async function device(s: Scope, kind: ModemKind, url: string, extra: string[] = [], sessionPresent = false): Promise<Sim> {
  const sim = s.sim(modemArgs(kind, url, extra));
  await sim.waitFor(is.connected(sessionPresent), BRING_UP_MS, 0, 'CONNACK through the modem');
  return sim;
}

/** Nothing went wrong on the device: no error, no disconnect. */
function assertHealthy(sim: Sim): void {
  assert.equal(sim.count(is.error()), 0, `no error\n${sim.describe()}`);
  assert.equal(sim.count(is.disconnected()), 0, `no disconnect\n${sim.describe()}`);
}

// A profile without a family's driver (the small one has no LTE driver)
// refuses it at start-up in one line; it never tries the modem.
for (const kind of MODEMS_LEFT_OUT) {
  test(`${kind} is not in this profile: one config line, bad-config, exit 2`, { timeout: 20000 }, async (t) => {
    const s = new Scope(t);
    const sim = s.sim(modemArgs(kind, 'mqtt://127.0.0.1:9'));
    assert.equal(await sim.exit(15000), 2, sim.describe());
    assert.equal(sim.count(is.error('bad-config')), 1, sim.describe());
    assert.match(sim.stderr, /config: bad link/);
  });
}

for (const kind of MODEMS) {
  describe(`end to end through ${kind} (mosquitto, 115200 baud)`, { concurrency: 3 }, () => {
    test(`device → peer: ${N} messages at each QoS, each exactly once and in order`, { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = uniqueId(`e2e/${kind}/up`);
      const peer = await s.peer(broker.url);
      await peer.subscribe(`${base}/#`, 2);
      const sim = await device(s, kind, broker.url);

      for (const qos of QOSS) await publishWindowed(sim, `${base}/${qos}`, qos, payloads('u', qos), 30000);
      for (const qos of QOSS) await peer.waitForMessages(`${base}/${qos}`, N, 10000);
      await sleep(500); // a duplicate would show up here
      for (const qos of QOSS) {
        const topic = `${base}/${qos}`;
        const got = peer.on(topic);
        assert.deepEqual(got.map((m) => m.text), payloads('u', qos), `${topic}: every payload once, in order`);
        assert.ok(got.every((m) => m.qos === qos && !m.retain && !m.dup), `${topic}: QoS ${qos}, not retained, no DUP`);
        const pubs = sim.filter(is.published(topic));
        assert.equal(pubs.length, N, `${N} published events for ${topic}`);
        assert.ok(pubs.every((e) => e.qos === qos));
      }
      assert.equal(peer.messages.length, 3 * N, `nothing else: ${peer.summary()}`);
      assertHealthy(sim);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test(`peer → device: ${N} messages at each QoS on a QoS 2 subscription, each exactly once and in order`, { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = uniqueId(`e2e/${kind}/down`);
      const peer = await s.peer(broker.url);
      const sim = await device(s, kind, broker.url);
      sim.send(`sub ${base}/# 2`);
      const sub = await sim.waitFor(is.subscribed(`${base}/#`), 10000);
      assert.equal(sub.granted, 2);

      for (const qos of QOSS) {
        for (const p of payloads('d', qos)) await peer.publish(`${base}/${qos}`, p, qos);
      }
      await sim.waitForCount(is.message(), 3 * N, 30000, 0, 'every message');
      await sleep(500);
      for (const qos of QOSS) {
        const topic = `${base}/${qos}`;
        const got = sim.filter(is.message(topic));
        assert.deepEqual(got.map((m) => m.payload), payloads('d', qos), `${topic}: every payload once, in order\n${sim.describe()}`);
        assert.ok(got.every((m) => m.qos === qos && m.retain === false && m.dup === false), `${topic}: QoS ${qos}, no retain, no DUP`);
      }
      assert.equal(sim.count(is.message()), 3 * N, 'nothing else');
      assertHealthy(sim);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test('last will: published by the broker after `drop` (the network lost), not after a DISCONNECT', { timeout: 90000 }, async (t) => {
      // `drop` with --modem is the modem losing its bearer (the emulator's
      // pdp-deact fault: +PDP: DEACT on SIM, WIFI DISCONNECT on ESP): the
      // TCP connection ends without DISCONNECT, as on a real lost network.
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const willTopic = `${uniqueId(`e2e/${kind}/will`)}/status`;
      const peer = await s.peer(broker.url);
      await peer.subscribe(willTopic, 2);
      const sim = await device(s, kind, broker.url, ['--client-id', uniqueId(`will-${kind}`),
        '--will-topic', willTopic, '--will-payload', 'offline', '--will-qos', '1', '--will-retain']);
      await sleep(300);
      assert.equal(peer.on(willTopic).length, 0, 'no will while connected');

      const mark = sim.events.length;
      sim.send('drop');
      const [will] = await peer.waitForMessages(willTopic, 1, 10000);
      assert.equal(will.text, 'offline');
      assert.equal(will.qos, 1, 'will QoS 1');
      const late = await s.peer(broker.url);
      await late.subscribe(willTopic, 1);
      const [kept] = await late.waitForMessages(willTopic, 1, 5000);
      assert.equal(kept.text, 'offline');
      assert.equal(kept.retain, true, 'will retained');

      // the device finds the link gone and comes back by itself
      const d = await sim.waitFor(is.disconnected(), 10000, mark);
      assert.notEqual(d.reason, 'requested');
      const back = sim.events.length;
      await sim.waitFor(is.connected(), BRING_UP_MS, mark, 'reconnect after drop');
      // a graceful DISCONNECT through the modem: no will (the DISCONNECT must
      // leave the modem before its CIPCLOSE)
      sim.send('disconnect');
      await sim.waitFor(is.disconnected('requested'), 10000, back);
      await sleep(1000);
      assert.equal(peer.on(willTopic).length, 1, `exactly one will, none after the DISCONNECT: ${peer.summary()}`);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test('retained message: delivered on subscribe with retain set; a live one without', { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const topic = `${uniqueId(`e2e/${kind}/ret`)}/config`;
      const peer = await s.peer(broker.url);
      await peer.publish(topic, 'mode=eco level=3', 2, true);
      const sim = await device(s, kind, broker.url);
      sim.send(`sub ${topic} 1`);
      const m = await sim.waitFor(is.message(topic), 10000);
      assert.equal(m.payload, 'mode=eco level=3');
      assert.equal(m.retain, true);
      assert.equal(m.qos, 1, 'downgraded to the subscription QoS');
      assert.equal(m.dup, false);

      await peer.publish(topic, 'mode=max', 1, false);
      const live = await sim.waitFor(is.message(topic), 10000, sim.events.indexOf(m) + 1);
      assert.equal(live.payload, 'mode=max');
      assert.equal(live.retain, false);
      await sleep(300);
      assert.equal(sim.count(is.message(topic)), 2);
      assertHealthy(sim);
      assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    });

    test('persistent session: messages published while the device is off arrive when it is back, session present', { timeout: 90000 }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker('mosquitto');
      const base = uniqueId(`e2e/${kind}/sess`);
      const id = uniqueId(`sess-${kind}`);
      const M = 10;
      const want = (qos: number): string[] => payloadList(`s${qos}`, M);

      const first = await device(s, kind, broker.url, ['--client-id', id, '--no-clean']);
      first.sendAll([`sub ${base}/1 1`, `sub ${base}/2 2`]);
      await first.waitForCount(is.subscribed(), 2, 10000);
      assert.equal(await first.endAndExit(20000), 0, first.describe());

      // the device is off: Mosquitto keeps its session and queues QoS 1 and 2
      const peer = await s.peer(broker.url);
      for (const qos of [1, 2] as const) for (const p of want(qos)) await peer.publish(`${base}/${qos}`, p, qos);

      const again = await device(s, kind, broker.url, ['--client-id', id, '--no-clean'], true);
      await again.waitForCount(is.message(), 2 * M, 20000, 0, 'the queued messages');
      await sleep(500);
      for (const qos of [1, 2] as const) {
        const got = again.filter(is.message(`${base}/${qos}`));
        // nothing was in flight when the device left: QoS 1 comes exactly once too
        assert.deepEqual(got.map((e) => e.payload), want(qos), `QoS ${qos}: every queued message once, in order\n${again.describe()}`);
        assert.ok(got.every((e) => e.qos === qos));
      }
      assert.equal(again.count(is.subscribed()), 0, 'the session kept the subscriptions: none sent again');
      assertHealthy(again);
      assert.equal(await again.endAndExit(20000), 0, again.describe());
    });
  });
}

describe('leaving through a modem', () => {
  // the session stays in CLOSING until the modem's queue has sent the DISCONNECT
  test('end of input at 9600 baud: the DISCONNECT leaves the modem before the process exits (no will)', {
    timeout: 90000,
  }, async (t) => {
    const s = new Scope(t);
    const broker = await s.broker('mosquitto');
    const willTopic = `${uniqueId('e2e/exit/will')}/status`;
    const peer = await s.peer(broker.url);
    await peer.subscribe(willTopic, 1);
    const sim = s.sim([...modemArgs('sim800', broker.url, ['--will-topic', willTopic, '--will-payload', 'offline']), '--baud', '9600']);
    await sim.waitFor(is.connected(), 40000, 0, 'CONNACK at 9600 baud');
    assert.equal(await sim.endAndExit(20000), 0, sim.describe());
    await sleep(1000);
    assert.equal(peer.on(willTopic).length, 0, `no will after the clean exit: ${peer.summary()}`);
  });
});
