// The exchange every broker/transport combination of the ws tests runs:
// the device (atmqtt sim) on one URL, an mqtt.js peer on another, through
// the same broker. Retained message on subscribe, QoS 0/1/2 both ways with
// exact counts and order, the will after a dropped link, the reconnect with
// renewed subscriptions, no second will after a clean end.
import assert from 'node:assert/strict';
import type { Scope } from './scope.ts';
import { sleep, uniqueId } from './scope.ts';
import { is, type Sim } from './sim.ts';
import type { Peer, QoS } from './peer.ts';

export interface ExchangeResult {
  sim: Sim;
  peer: Peer;
  topic: string;
}

const QOS: readonly QoS[] = [0, 1, 2];

/** Runs the whole exchange; every wait is bounded, every count exact. */
export async function runExchange(s: Scope, deviceUrl: string, peerUrl: string, n = 4): Promise<ExchangeResult> {
  const id = uniqueId('wsx');
  const T = `atmqtt-ws/${id}`;
  const peer = await s.peer(peerUrl);
  await peer.subscribe(`${T}/out/#`, 2);
  await peer.subscribe(`${T}/will`, 1);
  await peer.publish(`${T}/ret`, `retained-${id}`, 1, true);

  const sim = s.sim([
    '--broker', deviceUrl, '--client-id', id, '--keepalive', '30',
    '--will-topic', `${T}/will`, '--will-payload', `gone-${id}`, '--will-qos', '1',
  ]);
  const c1 = await sim.waitFor(is.connected(), 8000, 0, 'connected');
  assert.equal(c1.sessionPresent, false);

  // subscriptions, and the retained message they bring
  sim.sendAll([`sub ${T}/in/# 2`, `sub ${T}/ret 1`]);
  const subs = await sim.waitForCount(is.subscribed(), 2, 5000, 0, 'subscribed');
  assert.deepEqual(subs.map((e) => [e.filter, e.granted]).sort(), [[`${T}/in/#`, 2], [`${T}/ret`, 1]].sort());
  const ret = await sim.waitFor(is.message(`${T}/ret`), 5000, 0, 'retained message');
  assert.equal(ret.payload, `retained-${id}`);
  assert.equal(ret.retain, true, 'delivered as retained on subscribe');
  assert.equal(ret.qos, 1);

  // QoS 0/1/2 both ways at once
  const lines: string[] = [];
  for (const q of QOS) for (let i = 0; i < n; i++) lines.push(`pub ${T}/out/q${q} ${q} 0 out-${q}-${i}`);
  sim.sendAll(lines);
  const pubs: Promise<void>[] = [];
  for (const q of QOS) for (let i = 0; i < n; i++) pubs.push(peer.publish(`${T}/in/q${q}`, `in-${q}-${i}`, q));
  await Promise.all(pubs);

  const inbound = (e: { event: string; topic?: string }) => e.event === 'message' && (e.topic ?? '').startsWith(`${T}/in/`);
  await sim.waitForCount(inbound, 3 * n, 10000, 0, 'inbound messages');
  await peer.waitForMessages((t) => t.startsWith(`${T}/out/`), 3 * n, 10000);
  await sim.waitForCount(is.published(), 3 * n, 10000, 0, 'published events');
  await sleep(400); // room for a late duplicate

  for (const q of QOS) {
    const got = sim.filter(is.message(`${T}/in/q${q}`));
    assert.deepEqual(got.map((e) => e.payload), Array.from({ length: n }, (_, i) => `in-${q}-${i}`),
      `device: QoS ${q} exactly once, in order\n${sim.describe()}`);
    assert.ok(got.every((e) => e.qos === q && e.retain === false && e.dup === false), `device: QoS ${q} flags ${JSON.stringify(got)}`);
    const out = peer.on(`${T}/out/q${q}`);
    assert.deepEqual(out.map((m) => m.text), Array.from({ length: n }, (_, i) => `out-${q}-${i}`),
      `peer: QoS ${q} exactly once, in order: ${peer.summary()}`);
    assert.ok(out.every((m) => m.qos === q && !m.retain && !m.dup), `peer: QoS ${q} flags`);
    assert.equal(sim.count(is.published(`${T}/out/q${q}`, q)), n, `published events for QoS ${q}`);
  }
  assert.equal(sim.count(inbound), 3 * n);
  assert.equal(peer.on((t) => t.startsWith(`${T}/out/`)).length, 3 * n);
  assert.equal(peer.on(`${T}/will`).length, 0, 'no will while connected');

  // the link drops: the broker publishes the will; the device comes back
  const mark = sim.events.length;
  sim.send('drop');
  const will = await peer.waitForMessages(`${T}/will`, 1, 8000);
  assert.equal(will[0].text, `gone-${id}`);
  assert.equal(will[0].qos, 1);
  const disc = await sim.waitFor(is.disconnected(), 3000, mark, 'disconnected');
  assert.equal(disc.reason, 'link-closed');
  const c2 = await sim.waitFor(is.connected(false), 8000, mark, 'reconnected');
  assert.ok(c2.at - disc.at >= 500, `reconnect after the backoff (1 s + jitter), not at once (${c2.at - disc.at} ms)`);
  // a new session: the device renewed its subscriptions, the retained message comes again
  await sim.waitForCount(is.message(`${T}/ret`), 2, 5000, 0, 'retained again after renewing');
  sim.send(`pub ${T}/out/after 1 0 after-${id}`);
  await peer.publish(`${T}/in/after`, `after-${id}`, 2);
  await sim.waitFor(is.message(`${T}/in/after`), 5000, mark, 'message after reconnect');
  await peer.waitForMessages(`${T}/out/after`, 1, 5000);
  // end at once, the inbound QoS 2 flow maybe still open: a PUBREL arriving
  // after the DISCONNECT must go unanswered and raise no error (3892280;
  // before it, Mosquitto closing on DISCONNECT gave link-write-failed)

  // a clean end: DISCONNECT, so no second will
  const code = await sim.endAndExit(15000);
  assert.equal(code, 0, sim.describe());
  await sleep(400);
  assert.equal(peer.on(`${T}/will`).length, 1, `exactly one will: ${peer.summary()}`);
  assert.equal(peer.on(`${T}/out/after`).length, 1);
  assert.equal(sim.count(is.message(`${T}/in/after`)), 1);
  assert.equal(sim.count(is.message(`${T}/ret`)), 2);
  assert.equal(sim.count(is.connected()), 2);
  assert.deepEqual(sim.filter(is.error()), [], `no error events\n${sim.describe()}`);
  assert.deepEqual(sim.junk, []);
  await peer.publish(`${T}/ret`, '', 1, true); // clear the retained message
  return { sim, peer, topic: T };
}
