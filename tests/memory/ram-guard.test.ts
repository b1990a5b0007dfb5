// The RAM guard: the module instrumented with binaryen's --instrument-memory
// traps on any access past the budget, under V8 and under wasm3, so the
// suites run as if the linear memory ended there (as wasm3's memoryLimit
// makes it end on a board). For each build profile it must let the firmware
// work at the profile's budget (16 KiB, 4 KiB) and must trip below the
// firmware's static data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NodeHost } from '../../board/node/host.ts';
import { startBroker } from '../../sim/broker.ts';
import { PROFILES, type Profile } from '../../sim/profile.ts';

/** Where the static data ends: the stub runtime's first free byte. */
function heapTop(profile: Profile): number {
  const host = new NodeHost({ wasmPath: profile.probe, config: {} });
  const top = host.exports.__new!(0, 0);
  host.stop();
  return top;
}

async function roundTrip(runtime: 'v8' | 'wasm3', profile: Profile): Promise<string[]> {
  const broker = await startBroker(0, 0);
  const got: string[] = [];
  let connected = false;
  const host = new NodeHost({
    runtime,
    wasmPath: profile.guarded,
    ramBudget: profile.budget,
    config: { url: broker.url, client_id: `guard-${runtime}-${profile.name}` },
    onEvent: (e) => { if (e.event === 'connected') connected = true; },
    onMessage: (m) => got.push(m.payload.toString()),
  });
  try {
    assert.equal(host.setup(), 0);
    host.start();
    host.subscribe([{ filter: 'g/#', qos: 2 }]);
    for (let i = 0; i < 200 && !connected; i++) await new Promise((r) => setTimeout(r, 10));
    for (const q of [0, 1, 2]) assert.ok(host.publish(`g/${q}`, `m${q}`, q, false) >= 0);
    for (let i = 0; i < 300 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    return got.sort();
  } finally {
    host.stop();
    await broker.close();
  }
}

for (const profile of Object.values(PROFILES)) {
  for (const runtime of ['v8', 'wasm3'] as const) {
    test(`${profile.name}, ${runtime}: the firmware works inside a ${profile.budget}-byte guard`, { timeout: 30000 }, async () => {
      assert.deepEqual(await roundTrip(runtime, profile), ['m0', 'm1', 'm2']);
    });

    test(`${profile.name}, ${runtime}: a budget below the static data traps`, { timeout: 30000 }, () => {
      const top = heapTop(profile);
      assert.ok(top < profile.budget, `static data ends at ${top}`);
      // half the static data: the buffers setup() fills lie past it
      let host: NodeHost | undefined;
      try {
        assert.throws(() => {
          host = new NodeHost({ runtime, wasmPath: profile.guarded, ramBudget: Math.floor(top / 2), config: { url: 'mqtt://127.0.0.1:1' } });
          host.setup();
          host.exports.loop();
        }, /RAM guard/);
      } finally {
        host?.stop();
      }
    });
  }
}
