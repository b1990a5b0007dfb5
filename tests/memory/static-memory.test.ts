// Proves the firmware allocates nothing after setup(): 100,000 messages go
// out and come back through the embedded broker, and the stub runtime's heap
// top (probed with the exported __new of the probe build) does not move;
// for each build profile, whose heap top must also lie inside its budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeHost } from '../../board/node/host.ts';
import { startBroker } from '../../sim/broker.ts';
import { PROFILES } from '../../sim/profile.ts';
import { configSize } from '../helpers/profile.ts';

const TOTAL = 100_000;

for (const profile of Object.values(PROFILES)) {
  test(`${profile.name} profile: heap top inside the budget, and it and memory size do not move over 100,000 messages`, { timeout: 240_000 }, async () => {
    // the outbox is kept fed with at most this many records
    const feed = Math.min(16, configSize('OUTBOX_SLOTS', profile));
    const broker = await startBroker(0);
    let received = 0;
    let published = 0;
    let connected = false;
    const errors: string[] = [];
    const host = new NodeHost({
      wasmPath: profile.probe,
      config: { url: broker.url, client_id: `memtest-${profile.name}`, keepalive: 30 },
      onEvent: (e) => {
        if (e.event === 'connected') connected = true;
        if (e.event === 'published') published++;
        if (e.event === 'error') errors.push(e.code);
      },
      onMessage: () => { received++; },
    });
    const newObj = host.exports.__new;
    assert.ok(newObj, 'probe build exports __new');
    // Two probes give the size of one probe allocation.
    const a = newObj(0, 0);
    const b = newObj(0, 0);
    const step = b - a;
    assert.ok(a <= profile.budget, `heap top ${a} inside the ${profile.budget}-byte budget`);
    const pagesBefore = host.exports.memory!.buffer.byteLength;

    try {
      assert.equal(host.setup(), 0);
      host.start();
      host.subscribe([{ filter: 'mem/#', qos: 1 }]);
      while (!connected) await new Promise((r) => setTimeout(r, 5));
      let sent = 0;
      const payload = 'x'.repeat(64);
      const deadline = Date.now() + 200_000;
      while (received < TOTAL && Date.now() < deadline) {
        // keep the outbox fed without overflowing it
        while (sent < TOTAL && host.pending() < feed) {
          const qos = sent % 3;
          const r = host.publish(`mem/${qos}`, payload, qos, false);
          if (r < 0) break;
          sent++;
        }
        await new Promise((r) => setImmediate(r));
      }
      assert.equal(received, TOTAL, `all ${TOTAL} messages came back`);
      assert.ok(published >= TOTAL - feed, `published events ${published}`);
      assert.deepEqual(errors, []);
    } finally {
      host.stop();
      await broker.close();
    }
    const c = newObj(0, 0);
    assert.equal(c - b, step, `heap top moved by ${c - b - step} bytes during the run`);
    assert.equal(host.exports.memory!.buffer.byteLength, pagesBefore, 'memory did not grow');
    console.log(`static memory (${profile.name}): heap top at ${a} of ${profile.budget} bytes, ${TOTAL} messages, ${host.loops} loop() calls`);
  });
}
