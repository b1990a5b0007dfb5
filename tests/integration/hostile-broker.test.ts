// The device against a hostile MQTT broker (tests/helpers/hostile-broker.ts:
// a raw node:net server that answers CONNECT normally, then sends what no
// broker should). Issue 13 §2. In every fault case the device first
// publishes one QoS 1 and one QoS 2 message that the first connection
// takes but never acknowledges; then comes the fault. The device must name
// it (an `error` event with its code and detail), drop the connection
// cleanly (or, for what MQTT lets a client tolerate, stay correct), reconnect
// after a backoff, and the second connection, which behaves, must receive
// both messages again and acknowledge them: nothing lost. Every case over
// host sockets; a subset over the emulated SIM800, ESP-AT, SIM7600 and BG96 modems.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is, type Sim } from '../helpers/sim.ts';
import { BRING_UP_MS, modemArgs, type ModemKind } from '../helpers/modem-e2e.ts';
import {
  HostileBroker, T, ack, packet, publish, until, CONNACK_OK, type BrokerConn, type ConnScript,
} from '../helpers/hostile-broker.ts';

type Link = 'tcp' | ModemKind;

async function broker(t: TestContext, script: (i: number) => ConnScript = () => ({})): Promise<HostileBroker> {
  const b = await HostileBroker.start(script);
  t.after(() => b.close());
  return b;
}

function simArgs(link: Link, url: string, id: string, keepalive: number): string[] {
  const extra = ['--client-id', id, '--keepalive', String(keepalive)];
  return link === 'tcp' ? ['--broker', url, ...extra] : modemArgs(link, url, extra);
}

const upMs = (link: Link): number => (link === 'tcp' ? 15000 : BRING_UP_MS);

/** No trap, no crash: the process runs and the wasm never hit `unreachable`. */
function checkAlive(sim: Sim): void {
  assert.equal(sim.exited, false, `the sim process is still running\n${sim.describe()}`);
  assert.doesNotMatch(sim.stderr, /RuntimeError|unreachable|Uncaught|TypeError|RangeError/, sim.stderr);
  assert.equal(sim.count(is.error('internal')), 0);
}

interface Case {
  name: string;
  /** The error event the fault must produce. */
  code: string;
  /** The detail at the end of its message. */
  detail?: number;
  /** Bytes the broker writes (or anything it does) as the fault. */
  fault: (c: BrokerConn, sim: Sim, id: string) => void;
  /** The script of the first connection (default: behaves, but holds the acks of PUBLISHes). */
  first?: ConnScript['onPacket'];
  keepalive?: number;
  /**
   * The device keeps the connection (MQTT lets it: an ack for an unknown id,
   * an oversized PUBLISH it skips): `tolerate` checks what it did, then the
   * broker drops the connection to prove the held messages survive.
   */
  tolerate?: (c: BrokerConn, sim: Sim, mark: number) => Promise<void>;
}

const ids = (c: BrokerConn, type: number): number[] => c.fromDevice.filter((p) => p.type === type).map((p) => p.id!);

const PUBLISH_2000 = publish('hb/big', Buffer.alloc(2000, 0x41), 1, 0x5151);

/** A device that still answers: a QoS 1 PUBLISH gets its PUBACK. */
async function stillServing(c: BrokerConn, sim: Sim, mark: number, id = 0x4242): Promise<void> {
  c.write(publish('hb/probe', 'probe', 1, id));
  await sim.waitFor(is.message('hb/probe'), 5000, mark, 'the probe message');
  await until(() => ids(c, T.puback).includes(id), 5000, () => `PUBACK for the probe: ${c.types().join(',')}`);
}

const CASES: Case[] = [
  { name: 'bad flags (PUBACK with flags 0b0010)', code: 'malformed-packet', detail: 4, fault: (c) => c.write(Buffer.from([0x42, 2, 0x77, 0x77])) },
  { name: 'bad remaining length (PUBACK of 3 bytes)', code: 'malformed-packet', detail: 4, fault: (c) => c.write(Buffer.from([0x40, 3, 0x77, 0x77, 0])) },
  { name: 'truncated field (PUBLISH topic length past the packet)', code: 'malformed-packet', detail: 3, fault: (c) => c.write(Buffer.from([0x30, 4, 0, 10, 0x61, 0x62])) },
  { name: 'QoS 3 PUBLISH', code: 'malformed-packet', detail: 3, fault: (c) => c.write(publish('hb/x', 'x', 0, 0, 6)) },
  { name: 'CONNACK of 3 bytes', code: 'malformed-packet', detail: 2, fault: (c) => c.write(Buffer.from([0x20, 3, 0, 0, 0])) },
  { name: 'a remaining length of five bytes', code: 'bad-remaining-length', fault: (c) => c.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 1])) },
  { name: 'oversized PUBACK (2,000 bytes, past the 1 KiB limit)', code: 'packet-too-large', detail: 4, fault: (c) => c.write(packet(0x40, Buffer.alloc(2000, 7))) },
  { name: 'unknown packet type 0', code: 'malformed-packet', detail: 0, fault: (c) => c.write(Buffer.from([0x00, 0])) },
  { name: 'unknown packet type 15', code: 'malformed-packet', detail: 15, fault: (c) => c.write(Buffer.from([0xf0, 0])) },
  { name: 'a second CONNACK', code: 'unexpected-packet', detail: 2, fault: (c) => c.write(CONNACK_OK) },
  { name: 'a CONNECT from the broker', code: 'unexpected-packet', detail: 1, fault: (c) => c.write(packet(0x10, [0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 1, 0x78])) },
  {
    name: 'SUBACK with no return code', code: 'malformed-packet', detail: 9,
    first: (c, p) => { if (p.type === T.subscribe) { c.write(packet(0x90, [p.id! >> 8, p.id! & 0xff])); return true; } },
    fault: (_c, sim, id) => sim.send(`sub hb/${id}/s 1`),
  },
  {
    name: 'SUBACK with three codes for one filter', code: 'malformed-packet', detail: 3,
    first: (c, p) => { if (p.type === T.subscribe) { c.write(packet(0x90, [p.id! >> 8, p.id! & 0xff, 1, 1, 1])); return true; } },
    fault: (_c, sim, id) => sim.send(`sub hb/${id}/s 1`),
  },
  {
    name: 'oversized QoS 1 PUBLISH (skipped, acknowledged, reported)', code: 'packet-too-large', detail: PUBLISH_2000.length,
    fault: (c) => c.write(PUBLISH_2000),
    tolerate: async (c, sim, mark) => {
      await until(() => ids(c, T.puback).includes(0x5151), 5000, () => `PUBACK for the oversized PUBLISH: ${c.types().join(',')}`);
      assert.equal(sim.count(is.message('hb/big'), mark), 0, 'not delivered');
      await stillServing(c, sim, mark);
    },
  },
  {
    name: 'PUBACK for an id never used', code: 'link-closed', fault: (c) => c.write(ack(T.puback, 0x7777)),
    tolerate: async (c, sim, mark) => {
      await stillServing(c, sim, mark);
      assert.match(sim.stderr, /mqtt: PUBACK, unknown id 30583/, 'logged by name');
    },
  },
  {
    name: 'PUBREC for an id never used', code: 'link-closed', fault: (c) => c.write(ack(T.pubrec, 0x7777)),
    tolerate: async (c, sim, mark) => {
      // MQTT-4.3.3: the flow is ended with a PUBREL, nothing completes
      await until(() => ids(c, T.pubrel).includes(0x7777), 5000, () => `PUBREL 0x7777: ${c.types().join(',')}`);
      await stillServing(c, sim, mark);
      assert.match(sim.stderr, /mqtt: PUBREC, unknown id 30583/, 'logged by name');
    },
  },
  {
    name: 'PUBCOMP for an id never used', code: 'link-closed', fault: (c) => c.write(ack(T.pubcomp, 0x7777)),
    tolerate: async (c, sim, mark) => {
      // nothing to complete: ignored
      await stillServing(c, sim, mark);
      assert.match(sim.stderr, /mqtt: PUBCOMP, unknown id 30583/, 'logged by name');
    },
  },
  {
    name: 'PUBREL without a PUBREC', code: 'link-closed', fault: (c) => c.write(ack(T.pubrel, 0x7777)),
    tolerate: async (c, sim, mark) => {
      // MQTT-4.3.3: PUBCOMP for it (nothing is held for the id), no message
      await until(() => ids(c, T.pubcomp).includes(0x7777), 5000, () => `PUBCOMP 0x7777: ${c.types().join(',')}`);
      await stillServing(c, sim, mark);
      assert.match(sim.stderr, /mqtt: PUBREL, unknown id 30583/, 'logged by name');
    },
  },
  {
    name: 'a connection that stalls mid-packet (keep alive 2 s)', code: 'ping-timeout', keepalive: 2,
    fault: (c) => { c.answering = false; c.write(publish('hb/stall', 'never finished', 1, 9).subarray(0, 7)); },
  },
];

/** Cases run over each modem. */
const MODEM_CASES = ['bad flags (PUBACK with flags 0b0010)', 'PUBACK for an id never used', 'PUBREL without a PUBREC', 'a connection that stalls mid-packet (keep alive 2 s)'];

async function runCase(t: TestContext, link: Link, c: Case): Promise<void> {
  const held = new Set<number>();
  const b = await broker(t, (i) => ({
    onPacket: (conn, p) => {
      if (i === 0 && p.type === T.publish && p.qos! > 0) held.add(p.id!);
      return i === 0 ? c.first?.(conn, p) : undefined;
    },
  }));
  const s = new Scope(t);
  const id = uniqueId('hb');
  const ka = c.keepalive !== undefined && link !== 'tcp' ? c.keepalive + 1 : (c.keepalive ?? 30);
  const sim = s.sim(simArgs(link, b.url, id, ka));
  await sim.waitFor(is.connected(false), upMs(link), 0, 'connected');
  const c1 = b.conns[0];
  c1.ackPublishes = false;
  const q1 = `q1-${id}`;
  const q2 = `q2-${id}`;
  sim.sendAll([`pub hb/${id}/1 1 0 ${q1}`, `pub hb/${id}/2 2 0 ${q2}`]);
  await until(() => c1.publishes().length >= 2, 10000, () => `the two PUBLISHes on the first connection\n${sim.describe()}`);

  const mark = sim.events.length;
  c.fault(c1, sim, id);
  let err;
  if (c.tolerate) {
    if (c.code === 'packet-too-large') {
      err = await sim.waitFor(is.error(c.code), 10000, mark, c.code);
    }
    await c.tolerate(c1, sim, mark);
    assert.equal(sim.count(is.disconnected(), mark), 0, `the connection kept\n${sim.describe()}`);
    assert.deepEqual(sim.filter(is.error(), mark).map((e) => e.code), c.code === 'packet-too-large' ? [c.code] : [], 'no other error');
    assert.equal(sim.count(is.published(), mark), 0, 'nothing completed by a bogus ack');
    c1.destroy(); // the broker drops it: the held messages must survive
    // a link lost is no error event, only `disconnected` with its reason
    if (!err) err = await sim.waitFor(is.disconnected(c.code), 10000, mark, c.code);
  } else {
    err = await sim.waitFor(is.error(c.code), (ka * 2 + 10) * 1000, mark, c.code);
  }
  // a detail of 0 is left out of the message
  if (c.detail === 0) assert.doesNotMatch(err.message ?? '', /: \d+$/, `detail of ${err.message}`);
  else if (c.detail !== undefined) assert.match(err.message ?? '', new RegExp(`: ${c.detail}$`), `detail of ${err.message}`);
  const down = await sim.waitFor(is.disconnected(), 10000, mark, 'disconnected');
  if (!c.tolerate) {
    assert.equal(down.reason, c.code, 'the connection ended by the fault');
    // a clean drop: the device closes the socket itself
    await until(() => c1.closed, 5000, () => `the device closed the first connection\n${sim.describe()}`);
  }
  const up = await sim.waitFor(is.connected(), upMs(link) + 10000, mark, 'reconnected');
  const reconnectMs = b.conns[1].acceptedAt - down.at;
  // backoff 1 s (+ up to a quarter of jitter); the event is read a little after the fact
  assert.ok(reconnectMs >= 800, `backoff before reconnecting: ${reconnectMs} ms`);
  const c2 = b.conns[1];

  // nothing lost: both held messages arrive again, and are completed
  await sim.waitFor(is.published(`hb/${id}/1`, 1), 10000, mark, 'QoS 1 completed');
  await sim.waitFor(is.published(`hb/${id}/2`, 2), 10000, mark, 'QoS 2 completed');
  const again = c2.publishes();
  const p1 = again.find((p) => p.payload!.toString() === q1);
  const p2 = again.find((p) => p.payload!.toString() === q2);
  assert.ok(p1 && p1.qos === 1 && p1.dup, `QoS 1 resent with DUP: ${JSON.stringify(again.map((p) => [p.topic, p.qos, p.dup]))}`);
  assert.ok(p2 && p2.qos === 2 && p2.dup, 'QoS 2 resent with DUP');
  assert.ok(held.has(p1.id!) && held.has(p2.id!), 'the same packet ids');
  assert.ok(ids(c2, T.pubrel).includes(p2.id!), 'the QoS 2 flow completed with PUBREL');
  assert.equal(sim.count(is.published(`hb/${id}/1`)), 1);
  assert.equal(sim.count(is.published(`hb/${id}/2`)), 1);
  // and the device is well afterwards
  sim.send(`pub hb/${id}/after 1 0 after`);
  await sim.waitFor(is.published(`hb/${id}/after`, 1), 10000, mark, 'a publish after the reconnect');
  assert.equal(b.conns.length, 2, 'one reconnect');
  for (const x of b.conns) assert.deepEqual(x.violations, []);
  checkAlive(sim);
  t.diagnostic(`${link}: ${err.code ?? err.reason} "${err.message ?? ''}"; disconnected → reconnected ${up.at - down.at} ms (TCP accept after ${reconnectMs} ms)`);
  assert.equal(await sim.endAndExit(10000), 0);
}

describe('hostile broker over host sockets: each fault named, a clean drop, a reconnect, nothing lost', { concurrency: 4 }, () => {
  for (const c of CASES) {
    test(c.name, (t) => runCase(t, 'tcp', c));
  }
});

for (const m of ['sim800', 'esp-at', 'sim7600', 'bg96'] as const) {
  describe(`hostile broker over the ${m} emulator`, { concurrency: 2 }, () => {
    for (const c of CASES.filter((x) => MODEM_CASES.includes(x.name))) {
      test(c.name, (t) => runCase(t, m, c));
    }
  });
}

describe('hostile broker: traffic the device must take', { concurrency: 2 }, () => {
  test('every byte on its own (1 ms apart): everything still works', async (t) => {
    const b = await broker(t);
    const s = new Scope(t);
    const id = uniqueId('hbt');
    const sim = s.sim(simArgs('tcp', b.url, id, 30));
    await until(() => b.conns.length === 1, 15000, () => `no connection\n${sim.describe()}`);
    const c = b.conns[0];
    c.trickleMs = 1;
    await sim.waitFor(is.connected(false), 15000);
    sim.send(`sub hb/${id}/# 2`);
    await sim.waitFor(is.subscribed(`hb/${id}/#`), 10000);
    sim.sendAll([`pub hb/${id}/u1 1 0 up1`, `pub hb/${id}/u2 2 0 up2`]);
    c.write(Buffer.concat([
      publish(`hb/${id}/d0`, 'down0', 0), publish(`hb/${id}/d1`, 'down1', 1, 11), publish(`hb/${id}/d2`, 'down2', 2, 12),
    ]));
    await sim.waitFor(is.published(`hb/${id}/u1`, 1), 15000);
    await sim.waitFor(is.published(`hb/${id}/u2`, 2), 15000);
    for (const n of [0, 1, 2]) {
      const m = await sim.waitFor(is.message(`hb/${id}/d${n}`), 15000);
      assert.equal(m.payload, `down${n}`);
      assert.equal(m.qos, n);
    }
    c.write(ack(T.pubrel, 12));
    await until(() => ids(c, T.pubcomp).includes(12), 15000, () => `PUBCOMP 12: ${c.types().join(',')}`);
    assert.deepEqual(ids(c, T.puback), [11]);
    assert.deepEqual(ids(c, T.pubrec), [12]);
    assert.equal(sim.count(is.error()), 0, sim.describe());
    assert.equal(sim.count(is.message()), 3);
    assert.equal(b.conns.length, 1);
    checkAlive(sim);
    t.diagnostic(`${c.bytesOut} bytes trickled one by one`);
    assert.equal(await sim.endAndExit(10000), 0);
  });

  test('a flood of 300 QoS 1 PUBLISHes in one write: each delivered once, each acknowledged, no trap', async (t) => {
    const b = await broker(t);
    const s = new Scope(t);
    const id = uniqueId('hbf');
    const sim = s.sim(simArgs('tcp', b.url, id, 30));
    await sim.waitFor(is.connected(false), 15000);
    sim.send(`sub hb/${id}/# 1`);
    await sim.waitFor(is.subscribed(`hb/${id}/#`), 10000);
    const c = b.conns[0];
    const N = 300;
    const want = Array.from({ length: N }, (_, i) => `m${i}`);
    const t0 = Date.now();
    c.write(Buffer.concat(want.map((p, i) => publish(`hb/${id}/f`, p, 1, i + 1))));
    // the device publishes too, in the middle of the flood
    sim.sendAll([`pub hb/${id}/u1 1 0 up1`, `pub hb/${id}/u2 2 0 up2`]);
    await sim.waitForCount(is.message(`hb/${id}/f`), N, 30000, 0, 'flood messages');
    await until(() => ids(c, T.puback).length >= N, 10000, () => `${ids(c, T.puback).length} PUBACKs`);
    const ms = Date.now() - t0;
    await sim.waitFor(is.published(`hb/${id}/u1`, 1), 10000);
    await sim.waitFor(is.published(`hb/${id}/u2`, 2), 10000);
    await sleep(200);
    assert.deepEqual(sim.filter(is.message(`hb/${id}/f`)).map((e) => e.payload), want, 'each once, in order');
    assert.deepEqual(ids(c, T.puback).sort((x, y) => x - y), want.map((_, i) => i + 1), 'each acknowledged once');
    assert.equal(sim.count(is.error()), 0, sim.describe());
    assert.equal(sim.count(is.disconnected()), 0);
    checkAlive(sim);
    t.diagnostic(`${N} QoS 1 in ${ms} ms`);
    assert.equal(await sim.endAndExit(10000), 0);
  });
});
