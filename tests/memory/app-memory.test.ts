// The app API's static-memory guarantee: an app using it (a handler that
// publishes, a timer that formats JSON, the connect hooks; see
// tests/fixtures/memory-app/app.ts) is built with the firmware, and 100,000
// messages go through its handler and back out through the embedded broker.
// The stub runtime's heap top (the probe build's exported __new) must not
// move and memory must not grow; no publish of the app may fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NodeHost } from '../../board/node/host.ts';
import { startBroker } from '../../sim/broker.ts';
import { PROFILES } from '../../sim/profile.ts';

const TOTAL = 100_000;
const run = promisify(execFile);

test(`an app on the API: heap top and memory size do not move over ${TOTAL.toLocaleString('en')} messages through its handler`, { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atmqtt-memapp-'));
  const wasm = join(dir, 'memapp-probe.wasm');
  await run(process.execPath, ['node_modules/assemblyscript/bin/asc.js', 'tests/fixtures/memory-app/entry.ts',
    '--target', 'probe', '--transform', './scripts/ascii-transform.mjs', '-o', wasm], { maxBuffer: 1 << 24 });
  const broker = await startBroker(0);
  let received = 0;
  let statuses = 0;
  let hellos = 0;
  const errors: string[] = [];
  const bad: string[] = [];
  const host = new NodeHost({
    wasmPath: wasm,
    config: { url: broker.url, client_id: 'memapp', keepalive: 30 },
    onEvent: (e) => { if (e.event === 'error') errors.push(e.code); },
    onMessage: (m) => {
      if (m.topic.startsWith('mem/out/')) received++;
      else if (m.topic === 'mem/status') statuses++;
      else if (m.topic === 'mem/hello') hellos++;
    },
    onLog: (level, text) => { if (level === 1) bad.push(text); },
  });
  const newObj = host.exports.__new;
  assert.ok(newObj, 'probe build exports __new');
  const a = newObj(0, 0);
  const b = newObj(0, 0);
  const step = b - a;
  const budget = PROFILES.default.budget;
  assert.ok(a <= budget, `heap top ${a} inside the ${budget}-byte budget`);
  const bytesBefore = host.exports.memory!.buffer.byteLength;
  const started = Date.now();
  try {
    assert.equal(host.setup(), 0);
    host.start();
    // the host's own subscription: what the app echoes and its status
    host.subscribe([{ filter: 'mem/out/#', qos: 1 }, { filter: 'mem/status', qos: 0 }, { filter: 'mem/hello', qos: 0 }]);
    const feed = 8;
    let sent = 0;
    const payload = 'x'.repeat(63);
    const deadline = Date.now() + 240_000;
    while (received < TOTAL && Date.now() < deadline && bad.length === 0) {
      while (sent < TOTAL && host.pending() < feed) {
        const qos = sent % 3;
        if (host.publish(`mem/in/${qos}`, `${qos}${payload}`, qos, false) < 0) break;
        sent++;
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual(bad, [], 'no app publish failed');
    assert.equal(received, TOTAL, `all ${TOTAL} messages came back through the app's handler`);
    assert.ok(statuses > 0, 'the timer published');
    assert.ok(hellos >= 1, 'onConnect published');
    assert.deepEqual(errors, []);
  } finally {
    host.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const c = newObj(0, 0);
  assert.equal(c - b, step, `heap top moved by ${c - b - step} bytes during the run`);
  assert.equal(host.exports.memory!.buffer.byteLength, bytesBefore, 'memory did not grow');
  console.log(`app memory: heap top at ${a} of ${budget} bytes, ${TOTAL} messages echoed by the app, ${statuses} timer statuses, ${host.loops} loop() calls, ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
