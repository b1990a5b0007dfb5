// What WebSocket costs on the wire, per MQTT PUBLISH: the device publishes
// QoS 0 messages to a topic it subscribes to, once over TCP and once over
// WebSocket, each through a byte-counting TCP proxy in front of the same
// broker; the difference per message is the framing. Device → broker the
// device frames each write as one masked frame (6 bytes of header up to
// 125 bytes, 8 up to its 504-byte frame limit, a second frame beyond);
// broker → device the broker's framing (unmasked: 2 or 4 bytes a frame;
// Mosquitto one frame per packet, aedes several).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Scope, sleep, uniqueId } from '../helpers/scope.ts';
import { is } from '../helpers/sim.ts';
import { startWsBroker, CountingProxy, WS_BROKER_KINDS } from '../helpers/ws-brokers.ts';

const SIZES = [10, 300, 900] as const;
const M = 8;
const TOPIC = 'ov/x';

interface Measure {
  /** bytes up to CONNACK (upgrade + CONNECT/CONNACK), each way */
  connectUp: number;
  connectDown: number;
  /** per message, by payload size */
  up: Record<number, number>;
  down: Record<number, number>;
}

/** MQTT PUBLISH QoS 0 of TOPIC with n payload bytes. */
function publishSize(n: number): number {
  const rem = 2 + TOPIC.length + n;
  return 1 + (rem < 128 ? 1 : 2) + rem;
}

for (const kind of WS_BROKER_KINDS) {
  describe(`WebSocket overhead on the wire (${kind})`, () => {
    test('bytes per PUBLISH over ws vs tcp, both directions', async (t) => {
      const b = await startWsBroker(kind);
      t.after(() => b.dispose());
      const tcp = await CountingProxy.start(b.tcpPort);
      const ws = await CountingProxy.start(b.wsPort);
      t.after(() => tcp.close());
      t.after(() => ws.close());
      const s = new Scope(t);

      const measure = async (url: string, proxy: CountingProxy): Promise<Measure> => {
        const sim = s.sim(['--broker', url, '--client-id', uniqueId('ov'), '--keepalive', '60']);
        await sim.waitFor(is.connected(false), 8000);
        await sleep(100);
        const c = proxy.snapshot();
        sim.send(`sub ${TOPIC} 0`);
        await sim.waitFor(is.subscribed(TOPIC), 5000);
        await sleep(200);
        const r: Measure = { connectUp: c.up, connectDown: c.down, up: {}, down: {} };
        for (const size of SIZES) {
          const before = proxy.snapshot();
          const from = sim.events.length;
          const lines: string[] = [];
          for (let i = 0; i < M; i++) lines.push(`pub ${TOPIC} 0 0 ${'x'.repeat(size)}`, 'wait 40');
          sim.sendAll(lines);
          const got = await sim.waitForCount(is.message(TOPIC), M, 8000, from);
          assert.ok(got.every((e) => e.payload?.length === size));
          await sleep(200);
          const after = proxy.snapshot();
          r.up[size] = (after.up - before.up) / M;
          r.down[size] = (after.down - before.down) / M;
        }
        assert.equal(sim.count(is.message(TOPIC)), M * SIZES.length, 'each message once');
        assert.deepEqual(sim.filter(is.error()), []);
        assert.equal(await sim.endAndExit(10000), 0);
        return r;
      };

      const viaTcp = await measure(`mqtt://127.0.0.1:${tcp.port}`, tcp);
      const viaWs = await measure(`ws://127.0.0.1:${ws.port}/mqtt`, ws);
      const rows: string[] = [];
      rows.push(`${kind}: connect (to CONNACK) tcp ${viaTcp.connectUp}↑ ${viaTcp.connectDown}↓, ws ${viaWs.connectUp}↑ ${viaWs.connectDown}↓ bytes`);
      for (const size of SIZES) {
        const p = publishSize(size);
        // over TCP the wire carries exactly the MQTT packet
        assert.equal(viaTcp.up[size], p, `tcp up, ${size}-byte payload`);
        assert.equal(viaTcp.down[size], p, `tcp down, ${size}-byte payload`);
        const up = viaWs.up[size] - p;
        const down = viaWs.down[size] - p;
        rows.push(`${kind}: PUBLISH of ${p} bytes (payload ${size}): tcp ${p}, ws ${viaWs.up[size]} up (+${up}), ${viaWs.down[size]} down (+${down})`);
        // the device: one masked frame per packet (6 or 8 bytes of header), two past 504 bytes
        assert.equal(up, p < 126 ? 6 : p <= 504 ? 8 : 16, `device framing overhead, ${p}-byte PUBLISH`);
        // the broker: unmasked 2/4-byte headers. Mosquitto sends a packet as
        // one frame; aedes (ws createWebSocketStream, no writev) one frame
        // per chunk mqtt-packet writes: several frames per PUBLISH
        if (kind === 'mosquitto') assert.equal(down, p < 126 ? 2 : 4, `Mosquitto framing overhead, ${p}-byte PUBLISH`);
        else assert.ok(down >= (p < 126 ? 2 : 4), `aedes framing overhead ${down}`);
      }
      for (const r of rows) t.diagnostic(r);
    });
  });
}
