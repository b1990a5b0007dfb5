// What the small profile leaves out is refused at start-up with a reason,
// not found out at each connect: it has no WebSocket layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';

for (const url of ['ws://127.0.0.1:9/mqtt', 'wss://localhost:9/mqtt']) {
  test(`small profile, ${url}: bad-config at start-up, the reason logged`, { timeout: 20000 }, async (t) => {
    const s = new Scope(t);
    const sim = s.sim(['--broker', url, '--profile', 'small']);
    assert.equal(await sim.exit(15000), 2, sim.describe());
    assert.equal(sim.count(is.error('bad-config')), 1, sim.describe());
    assert.match(sim.stderr, /config: bad url: no WebSocket/);
  });
}

test('default profile, ws://: no config error (the WebSocket layer is there)', { timeout: 20000 }, async (t) => {
  const s = new Scope(t);
  const sim = s.sim(['--broker', 'ws://127.0.0.1:9/mqtt', '--profile', 'default']);
  await sim.waitFor(is.error('link-open-failed'), 10000);
  assert.equal(sim.count(is.error('bad-config')), 0, sim.describe());
});
