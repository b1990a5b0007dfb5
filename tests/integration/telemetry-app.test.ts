// The default telemetry app against a real Mosquitto with an mqtt.js peer
// standing in for a dashboard: `online` retained on connect, readings as
// JSON at the configured interval, the QoS 1 command topic with a reply per
// command, and `offline` retained from the broker (the app's will) when the
// network is lost. Runs for each build profile.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import { PROFILE } from '../helpers/profile.ts';

describe(`telemetry app (${PROFILE.name} profile)`, () => {
  test('status, readings, commands with replies, the will as offline', { timeout: 60000 }, async (t) => {
    const s = new Scope(t);
    const broker = await s.broker('mosquitto');
    const id = uniqueId('tele').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 30);
    const base = `atmqtt/${id}`;
    const peer = await s.peer(broker.url);
    await peer.subscribe(`${base}/#`, 1);
    const sim = s.sim(['--broker', broker.url, '--client-id', id, '--telemetry', '1', '--keepalive', '5']);
    await sim.waitFor(is.connected(), 15000);

    const [status] = await peer.waitForMessages(`${base}/status`, 1, 5000);
    assert.equal(status.text, 'online');
    assert.equal(status.qos, 1);
    const late = await s.peer(broker.url);
    await late.subscribe(`${base}/status`, 1);
    const [kept] = await late.waitForMessages(`${base}/status`, 1, 5000);
    assert.equal(kept.text, 'online');
    assert.equal(kept.retain, true, 'online is retained');

    const readings = await peer.waitForMessages(`${base}/telemetry`, 2, 5000);
    const first = JSON.parse(readings[0]!.text) as Record<string, number>;
    assert.ok(first.temperature > 10 && first.temperature < 35, `plausible temperature ${first.temperature}`);
    assert.ok(first.humidity > 10 && first.humidity < 95, `plausible humidity ${first.humidity}`);
    assert.ok(first.battery > 3000 && first.battery < 4300, `plausible battery ${first.battery}`);
    assert.equal(first.output, 0);
    assert.equal(typeof first.uptime_ms, 'number');

    // commands, each answered on the reply topic, in order
    for (const c of ['output 1', 'interval 3', 'read', 'frobnicate', 'interval 0']) await peer.publish(`${base}/cmd`, c, 1);
    const replies = await peer.waitForMessages(`${base}/reply`, 5, 10000);
    assert.deepEqual(replies.map((m) => m.text), ['ok output 1', 'ok interval 3', 'ok read', 'error frobnicate', 'error interval 0']);
    assert.ok(replies.every((m) => m.qos === 1));
    await sleep(1500);
    const last = JSON.parse(peer.on(`${base}/telemetry`).at(-1)!.text) as Record<string, number>;
    assert.equal(last.output, 1, 'the output switched');
    // interval 3: about one reading every 3 s from here
    const mark = peer.on(`${base}/telemetry`).length;
    await sleep(6500);
    const more = peer.on(`${base}/telemetry`).length - mark;
    assert.ok(more >= 1 && more <= 3, `${more} readings in 6.5 s at a 3 s interval`);
    assert.equal(sim.count(is.message()), 0, 'the commands went to the app, not to the host');

    // the network lost: the broker publishes the app's will, retained
    sim.send('drop');
    const off = await peer.waitForMessages(`${base}/status`, 2, 15000);
    assert.equal(off[1]!.text, 'offline');
    const after = await s.peer(broker.url);
    await after.subscribe(`${base}/status`, 1);
    const [st] = await after.waitForMessages(`${base}/status`, 1, 5000);
    assert.ok(st.text === 'offline' || st.text === 'online', 'a retained status');
    // it comes back and says so
    const on = await peer.waitForMessages(`${base}/status`, 3, 20000);
    assert.equal(on[2]!.text, 'online');
    assert.equal(await sim.endAndExit(20000), 0, sim.describe());
  });
});
