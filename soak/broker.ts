// The soak's broker: a real Mosquitto this harness starts itself, with
// persistence on (sessions and queued QoS 1/2 messages survive a restart)
// and a WebSocket listener beside the plain one, restarted on the same ports.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mosquitto, freePort } from '../tests/helpers/mosquitto.ts';

export interface SoakBroker {
  mosquitto: Mosquitto;
  tcpPort: number;
  wsPort: number;
  /** SIGTERM (Mosquitto writes its database), then started again on the same ports. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startSoakBroker(): Promise<SoakBroker> {
  const store = mkdtempSync(join(tmpdir(), 'atmqtt-soak-db-'));
  const wsPort = await freePort();
  const mosquitto = await Mosquitto.start({
    extra: [
      'persistence true',
      `persistence_location ${store}/`,
      // a device offline for a whole outage must not lose what waits for it
      'max_queued_messages 100000',
      // answers go out at once, not after a delayed ACK (~40 ms each)
      'set_tcp_nodelay true',
      `listener ${wsPort}`,
      'protocol websockets',
    ],
  });
  return {
    mosquitto,
    tcpPort: mosquitto.port,
    wsPort,
    restart: () => mosquitto.restart(),
    close: async () => {
      await mosquitto.dispose();
      rmSync(store, { recursive: true, force: true });
    },
  };
}
