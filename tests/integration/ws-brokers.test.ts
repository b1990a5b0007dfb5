// The device over WebSocket (ws://127.0.0.1:PORT/mqtt) against real
// brokers: Mosquitto's websockets listener and aedes over ws (sim/broker.ts).
// An mqtt.js peer, also over WebSocket, on the other side. QoS 0/1/2 both
// ways with exact counts, retained message on subscribe, will after a drop,
// keep alive (PINGREQ through the WebSocket; a frozen Mosquitto detected as
// a dead link within about 3 s with keep alive 2), reconnect afterwards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import { startWsBroker, WS_BROKER_KINDS, type WsBroker } from '../helpers/ws-brokers.ts';
import { runExchange } from '../helpers/ws-exchange.ts';

async function wsBroker(t: { after: (fn: () => Promise<void>) => void }, kind: 'mosquitto' | 'aedes'): Promise<WsBroker> {
  const b = await startWsBroker(kind);
  t.after(() => b.dispose());
  return b;
}

for (const kind of WS_BROKER_KINDS) {
  describe(`device over WebSocket (${kind})`, () => {
    test('connect, retained on subscribe, QoS 0/1/2 both ways exactly once, will after drop, reconnect', async (t) => {
      const b = await wsBroker(t, kind);
      const s = new Scope(t);
      const { sim } = await runExchange(s, b.wsUrl, b.wsUrl);
      if (b.mosquitto) {
        // Mosquitto saw the device as an MQTT 3.1.1 client (p2) with keep alive 30, clean
        const id = sim.args[sim.args.indexOf('--client-id') + 1];
        const log = b.mosquitto.log();
        const seen = log.match(new RegExp(`New client connected from \\S+ as ${id} \\(p2, c1, k30`, 'g')) ?? [];
        assert.equal(seen.length, 2, `two CONNECTs over the websockets listener\n${log.slice(-3000)}`);
      }
    });

    test('keep alive 2 s: PINGREQ through the WebSocket keeps an idle link up', async (t) => {
      const b = await wsBroker(t, kind);
      const s = new Scope(t);
      const sim = s.sim(['--broker', b.wsUrl, '--client-id', uniqueId('ka'), '--keepalive', '2']);
      await sim.waitFor(is.connected(false), 8000);
      await sleep(3500); // the broker drops a silent client after 1.5 × keep alive = 3 s
      assert.equal(sim.count(is.connected()), 1, sim.describe());
      assert.equal(sim.count(is.disconnected()), 0, sim.describe());
      assert.deepEqual(sim.filter(is.error()), [], sim.describe());
      // the link still carries traffic
      sim.sendAll(['sub ka/# 1', 'pub ka/x 1 0 alive']);
      const m = await sim.waitFor(is.message('ka/x'), 5000);
      assert.equal(m.payload, 'alive');
      assert.equal(await sim.endAndExit(10000), 0);
    });
  });
}

describe('dead link over WebSocket (mosquitto frozen with SIGSTOP)', () => {
  test('keep alive 2: ping-timeout within ~3 s of freezing, reconnect once it runs again', async (t) => {
    const b = await wsBroker(t, 'mosquitto');
    const s = new Scope(t);
    const sim = s.sim(['--broker', b.wsUrl, '--client-id', uniqueId('frz'), '--keepalive', '2']);
    await sim.waitFor(is.connected(false), 8000);
    await sleep(1200); // at least one PINGREQ/PINGRESP round before the freeze
    assert.deepEqual(sim.filter(is.error()), [], sim.describe());

    const mark = sim.events.length;
    const frozenAt = Date.now();
    b.mosquitto!.freeze();
    let err;
    try {
      err = await sim.waitFor(is.error('ping-timeout'), 4500, mark, 'ping-timeout');
    } finally {
      b.mosquitto!.thaw();
    }
    const took = err.at - frozenAt;
    assert.ok(took <= 3000, `dead link detected ${took} ms after the freeze (want ≤ 3000)`);
    assert.ok(took >= 700, `not before a PINGREQ could go unanswered (${took} ms)`);
    const d = await sim.waitFor(is.disconnected(), 2000, mark);
    assert.equal(d.reason, 'ping-timeout');
    // the first error of the episode is the ping timeout, nothing before it
    assert.equal(sim.filter(is.error(), mark)[0].code, 'ping-timeout', sim.describe());

    const c = await sim.waitFor(is.connected(), 10000, mark, 'reconnect after thaw');
    assert.ok(c.at - d.at >= 500, `backoff (1 s + jitter) before reconnecting (${c.at - d.at} ms)`);
    sim.sendAll(['sub frz/# 2', 'pub frz/x 2 0 back']);
    const m = await sim.waitFor(is.message('frz/x'), 5000, mark);
    assert.equal(m.payload, 'back');
    assert.equal(m.qos, 2);
    assert.equal(await sim.endAndExit(10000), 0);
    assert.equal(sim.count(is.message('frz/x')), 1);
  });
});
