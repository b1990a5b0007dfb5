// Persistent sessions (--no-clean, fixed client id): messages published
// while the device is away are delivered when it returns, QoS 2 exactly
// once and QoS 1 at least once, with session present reported.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { BROKER_KINDS } from '../helpers/brokers.ts';
import { is, type Sim } from '../helpers/sim.ts';
import type { Peer } from '../helpers/peer.ts';

/** Per QoS; below the 16 inbound QoS 2 slots so a backlog cannot overflow them. */
const M = 12;

const want = (qos: number) => Array.from({ length: M }, (_, i) => `s${qos}-${i}`);

async function publishBacklog(peer: Peer, base: string): Promise<void> {
  for (const qos of [1, 2] as const) {
    for (const p of want(qos)) await peer.publish(`${base}/${qos}`, p, qos);
  }
}

async function subscribeBoth(sim: Sim, base: string): Promise<void> {
  sim.sendAll([`sub ${base}/1 1`, `sub ${base}/2 2`]);
  const subs = await sim.waitForCount(is.subscribed(), 2, 5000);
  assert.deepEqual(subs.map((e) => [e.filter, e.granted]).sort(), [[`${base}/1`, 1], [`${base}/2`, 2]]);
}

/** Every backlog message arrived after index from: QoS 2 exactly once, QoS 1 at least once. */
async function assertBacklog(sim: Sim, base: string, from: number, exactQos1: boolean): Promise<void> {
  await sim.waitForCount(is.message(`${base}/2`), M, 10000, from, 'QoS 2 backlog');
  await sim.waitForPayloads(is.message(`${base}/1`), want(1), 10000, from);
  await sleep(500); // late duplicates would show here
  const q2 = sim.filter(is.message(`${base}/2`), from);
  assert.deepEqual(q2.map((e) => e.payload), want(2), `QoS 2: every message exactly once, in order\n${sim.describe()}`);
  assert.ok(q2.every((e) => e.qos === 2));
  const q1 = sim.filter(is.message(`${base}/1`), from);
  assert.deepEqual([...new Set(q1.map((e) => e.payload))].sort(), [...want(1)].sort(), 'QoS 1: every message at least once');
  assert.ok(q1.every((e) => e.qos === 1));
  if (exactQos1) assert.equal(q1.length, M, `QoS 1: none in flight at the break, so no duplicate\n${sim.describe()}`);
  assert.equal(sim.count(is.error(), from), 0, sim.describe());
}

for (const kind of BROKER_KINDS) {
  describe(`persistent session (${kind})`, () => {
    test('disconnect, backlog published, connect: session present, backlog delivered', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const id = uniqueId('persist');
      const base = uniqueId('ps');
      const peer = await s.peer(broker.url);
      const sim = s.sim(['--broker', broker.url, '--client-id', id, '--no-clean']);
      const c1 = await sim.waitFor(is.connected(), 5000);
      assert.equal(c1.sessionPresent, false, 'a new client id has no session');
      await subscribeBoth(sim, base);

      let mark = sim.events.length;
      sim.send('disconnect');
      await sim.waitFor(is.disconnected('requested'), 3000, mark);
      await publishBacklog(peer, base);
      await sleep(200);
      assert.equal(sim.count(is.message()), 0, 'nothing while down');

      mark = sim.events.length;
      sim.send('connect');
      const c2 = await sim.waitFor(is.connected(), 5000, mark);
      assert.equal(c2.sessionPresent, true, sim.describe());
      await assertBacklog(sim, base, mark, true);
      // the session kept the subscriptions: nothing was renewed
      assert.equal(sim.count(is.subscribed(), mark), 0);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });

    test('drop and exit, backlog published, a new process with the same id gets it', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const id = uniqueId('persist');
      const base = uniqueId('ps');
      const peer = await s.peer(broker.url);
      const sim1 = s.sim(['--broker', broker.url, '--client-id', id, '--no-clean']);
      await sim1.waitFor(is.connected(false), 5000);
      await subscribeBoth(sim1, base);
      sim1.sendAll(['drop', 'quit']);
      assert.equal(await sim1.exit(5000), 0, sim1.describe());
      assert.equal(sim1.count(is.disconnected()), 1);
      await sleep(300);
      await publishBacklog(peer, base);

      const sim2 = s.sim(['--broker', broker.url, '--client-id', id, '--no-clean']);
      const c = await sim2.waitFor(is.connected(), 5000);
      assert.equal(c.sessionPresent, true, sim2.describe());
      await assertBacklog(sim2, base, 0, true);
      assert.equal(await sim2.endAndExit(10000), 0, sim2.describe());
    });

    test('drop, backlog published during the backoff, automatic reconnect gets it', async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const id = uniqueId('persist');
      const base = uniqueId('ps');
      const peer = await s.peer(broker.url);
      const sim = s.sim(['--broker', broker.url, '--client-id', id, '--no-clean']);
      await sim.waitFor(is.connected(false), 5000);
      await subscribeBoth(sim, base);

      const mark = sim.events.length;
      sim.send('drop');
      await sim.waitFor(is.disconnected(), 3000, mark);
      const t0 = Date.now();
      await publishBacklog(peer, base);
      const c = await sim.waitFor(is.connected(), 5000, mark);
      assert.ok(c.at > t0, 'reconnected after the publishing began');
      assert.equal(c.sessionPresent, true, sim.describe());
      await assertBacklog(sim, base, mark, false);
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });

    test('a QoS 2 backlog larger than the inbound table (40 > 16) still arrives exactly once', {
      // seen on the wire (proxy trace): after PUBREC and PUBREL for an id, aedes
      // sends that id's PUBLISH again (DUP 0) on the next connection of the session
      todo: kind === 'aedes' ? 'aedes 1.2: resends a QoS 2 PUBLISH after its PUBREL on reconnect (moscajs/aedes#601 family), so the device delivers it twice' : false,
    }, async (t) => {
      const s = new Scope(t);
      const broker = await s.broker(kind);
      const id = uniqueId('persist');
      const topic = `${uniqueId('ps')}/big`;
      const peer = await s.peer(broker.url);
      const sim = s.sim(['--broker', broker.url, '--client-id', id, '--no-clean']);
      await sim.waitFor(is.connected(false), 5000);
      sim.send(`sub ${topic} 2`);
      await sim.waitFor(is.subscribed(topic), 5000);
      let mark = sim.events.length;
      sim.send('disconnect');
      await sim.waitFor(is.disconnected('requested'), 3000, mark);
      const big = Array.from({ length: 40 }, (_, i) => `big-${i}`);
      for (const p of big) await peer.publish(topic, p, 2);

      mark = sim.events.length;
      sim.send('connect');
      await sim.waitForCount(is.message(topic), big.length, 15000, mark, 'QoS 2 backlog');
      await sleep(500);
      assert.deepEqual(sim.filter(is.message(topic), mark).map((e) => e.payload), big, sim.describe());
      // the firmware gets there by dropping the link each time its 16 slots fill
      const forced = sim.count(is.error('no-slot'), mark);
      t.diagnostic(`no-slot reconnects on the way: ${forced}`);
      assert.ok(sim.filter(is.connected(), mark).every((e) => e.sessionPresent === true), sim.describe());
      assert.equal(await sim.endAndExit(10000), 0, sim.describe());
    });
  });
}
