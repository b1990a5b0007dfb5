// A network outage behind the modem (the emulator's `outage` fault: nothing
// passes either way and nothing is closed, as when coverage is lost): the
// broker notices by keep alive and publishes the will, the device notices by
// its own keep alive, and after `fault clear` it reconnects by itself.
// Mosquitto 2.0 checks keep alives on its own schedule: the will came 8.4 s
// after the cut at a 4 s keep alive (1.5 × 4 = 6 s from the last packet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, uniqueId } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import { BRING_UP_MS, modemArgs } from '../helpers/modem-e2e.ts';

for (const kind of ['sim800', 'esp-at'] as const) {
  test(`${kind}: outage → will within 1.5 × keep alive, ping-timeout on the device, back after clear`, { timeout: 90000 }, async (t) => {
    const s = new Scope(t);
    const broker = await s.broker('mosquitto');
    const will = `${uniqueId(`outage/${kind}`)}/status`;
    const peer = await s.peer(broker.url);
    await peer.subscribe(will, 1);
    const KA = 4;
    const sim = s.sim(modemArgs(kind, broker.url, ['--keepalive', String(KA), '--will-topic', will, '--will-payload', 'offline']));
    await sim.waitFor(is.connected(), BRING_UP_MS);
    const mark = sim.events.length;
    const t0 = Date.now();
    sim.send('fault outage');
    const [w] = await peer.waitForMessages(will, 1, 4 * KA * 1000);
    const willMs = Date.now() - t0;
    assert.equal(w.text, 'offline');
    assert.ok(willMs >= 1000 * KA / 2, `will after ${willMs} ms: not before the broker's keep alive ran out (${KA} s)`);
    const d = await sim.waitFor(is.disconnected(), 3 * KA * 1000, mark);
    assert.equal(d.reason, 'ping-timeout');
    // still cut: no way back yet
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(sim.count(is.connected(), mark), 0, 'no connection through an outage');
    sim.send('fault clear');
    await sim.waitFor(is.connected(), BRING_UP_MS, mark, 'reconnect after the outage');
    t.diagnostic(`${kind}: will ${willMs} ms after the cut; back ${Date.now() - t0} ms after it`);
    assert.equal(await sim.endAndExit(20000), 0, sim.describe());
  });
}
