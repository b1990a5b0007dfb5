// The hybrid environment: the device and its peer on different transports
// through one broker. Device over WebSocket with an mqtt.js peer over TCP,
// and device over TCP with an mqtt.js peer over WebSocket, on Mosquitto
// (one TCP and one websockets listener) and on aedes (TCP + ws at /mqtt):
// QoS 0/1/2 both ways with exact counts, retained messages and the will.
import { describe, test } from 'node:test';
import { Scope } from '../helpers/scope.ts';
import { startWsBroker, WS_BROKER_KINDS } from '../helpers/ws-brokers.ts';
import { runExchange } from '../helpers/ws-exchange.ts';

for (const kind of WS_BROKER_KINDS) {
  describe(`hybrid transports (${kind})`, () => {
    test('device over WebSocket, peer over TCP', async (t) => {
      const b = await startWsBroker(kind);
      t.after(() => b.dispose());
      await runExchange(new Scope(t), b.wsUrl, b.tcpUrl);
    });

    test('device over TCP, peer over WebSocket', async (t) => {
      const b = await startWsBroker(kind);
      t.after(() => b.dispose());
      await runExchange(new Scope(t), b.tcpUrl, b.wsUrl);
    });
  });
}
